"""Backends talk to WhatsApp: ``cloud`` (Meta's Graph API), the only code that knows Meta's URLs and JSON, and
``test`` (a recording double for tests); the offline ``sandbox`` backend lives in ``wagtail_whatsapp/sandbox/``."""

from wagtail_whatsapp import conf


def get_backend(phone_number_id=None, **options):
    """A backend for ``phone_number_id`` (one town's number), of the class named by ``WAGTAIL_WHATSAPP['BACKEND']``."""
    backend_class = conf.backend_class()
    return backend_class(phone_number_id=phone_number_id or conf.default_phone_number_id(), **options)
