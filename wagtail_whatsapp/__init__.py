"""One-way WhatsApp news service for Wagtail sites."""

__version__ = "0.1.0"
