"""``whatsapp_broadcast``, ``whatsapp_setup``, ``whatsapp_simulate_inbound``, ``whatsapp_sync_templates``: each a
thin shell over the same functions the admin calls."""
