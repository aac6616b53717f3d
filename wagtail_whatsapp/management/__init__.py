"""Django management commands of the plugin (``manage.py whatsapp_*``): send a page, create the public pages,
play a citizen, sync the message templates."""
