"""Send a plugin signal so that one failing receiver neither stops the others nor crashes the Huey worker."""

import logging

logger = logging.getLogger(__name__)


def send_signal(signal, sender, **kwargs):
    for receiver, response in signal.send_robust(sender=sender, **kwargs):
        if isinstance(response, Exception):
            logger.error("WhatsApp signal receiver %r failed: %r", receiver, response, exc_info=response)
