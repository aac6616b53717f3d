"""One-way WhatsApp news service for Wagtail sites. The map of the package is docs/architecture.md: inbound/ (Meta →
site), outbound/ (editor → citizens), backends/, sandbox/, admin/, pages/, subscribers/, models/."""

__version__ = "0.1.0"
