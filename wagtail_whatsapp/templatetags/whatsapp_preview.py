from django import template

from wagtail_whatsapp.formatting import whatsapp_to_html

register = template.Library()


@register.filter
def whatsapp_format(text):
    """``{{ message|whatsapp_format }}``: the message as WhatsApp renders it (see formatting.py)."""
    return whatsapp_to_html(text)
