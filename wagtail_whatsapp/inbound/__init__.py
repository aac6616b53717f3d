"""The inbound road (Meta → site): the webhook view, its payloads turned into events and stored once, then, in Huey
tasks, subscriptions (keywords, consent, replies), statuses of sent messages and moderation."""
