"""A backend for fast engine tests: records every call, and fails on demand like the Graph API would."""

import itertools
import threading

from wagtail_whatsapp.backends.base import BaseBackend, ErrorKind, SendResult, WhatsAppError


class SendingTestBackend(BaseBackend):
    """Class-level state (reset by the ``broadcast_backend`` fixture), since the sender builds its own instances."""

    lock = threading.RLock()
    sent = []  # dicts: to, type, payload, callback_data, wamid
    uploads = []
    calls = 0
    failed_calls = 0
    faults = {}  # recipient → list of WhatsAppError raised by its next calls (then it succeeds)
    fatal_after = None  # after this many calls every call fails with 190 (token expired)
    before_send = None  # callable(to, callback_data) run before each send: unsubscribe, cancel... mid-broadcast
    _ids = itertools.count(1)

    @classmethod
    def reset(cls):
        cls.sent, cls.uploads, cls.faults = [], [], {}
        cls.calls = cls.failed_calls = 0
        cls.fatal_after = cls.before_send = None

    @classmethod
    def numbers(cls):
        return [message["to"] for message in cls.sent]

    def _send(self, to, kind, payload, callback_data):
        cls = type(self)
        with cls.lock:
            if cls.before_send is not None:
                cls.before_send(to, callback_data)
            cls.calls += 1
            if cls.fatal_after is not None and cls.calls > cls.fatal_after:
                cls.failed_calls += 1
                raise WhatsAppError("Error validating access token", kind=ErrorKind.FATAL, code=190, http_status=401)
            pending = cls.faults.get(to)
            if pending:
                cls.failed_calls += 1
                raise pending.pop(0)
            wamid = f"wamid.TEST{next(cls._ids)}"
            cls.sent.append(
                {"to": to, "type": kind, "payload": payload, "callback_data": callback_data, "wamid": wamid}
            )
            return SendResult(wamid=wamid, wa_id=to)

    def send_text(self, to, body, *, preview_url=False, callback_data=""):
        return self._send(to, "text", {"body": body, "preview_url": preview_url}, callback_data)

    def send_media(self, to, media_type, media_id, *, caption="", callback_data=""):
        return self._send(to, media_type, {"id": media_id, "caption": caption}, callback_data)

    def send_template(self, to, name, language, components=(), *, callback_data=""):
        payload = {"name": name, "language": language, "components": list(components)}
        return self._send(to, "template", payload, callback_data)

    def upload_media(self, content, mime_type, filename="upload"):
        with type(self).lock:
            type(self).uploads.append({"size": len(content), "mime_type": mime_type, "filename": filename})
            return f"media-{len(type(self).uploads)}"
