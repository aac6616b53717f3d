"""Template tags for the admin's previews: WhatsApp's text formatting (*bold*, _italic_, links) as a phone shows it."""
