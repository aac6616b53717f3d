"""The outbound road (editor → citizens): a page becomes a broadcast (plan, start, pause, resume), its deliveries are
claimed and sent at Meta's pace and daily limit, with media, templates and the report's progress."""
