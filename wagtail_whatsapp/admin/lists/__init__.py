"""The lists of the "WhatsApp" menu, one wagtail-modeladmin registration per module: Subscribers, Inbox, Broadcasts,
Replies, Templates and Consent log (``admin/menu.py`` groups them).

Lists are read-only here (what they share is in ``admin/read_only_lists.py``); what changes data (import, block,
moderation, GDPR) goes through the views in ``admin/views/`` and the plain functions they call. Who sees a list is
decided by the plugin's permissions (permissions.py); numbers are masked for anyone without manage_subscribers.
"""
