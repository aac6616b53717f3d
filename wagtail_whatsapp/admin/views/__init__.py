"""Admin views: thin wrappers that check a permission, read a form and call the plain functions of the plugin
(broadcasts and reports, subscribers, GDPR requests, the moderation inbox)."""
