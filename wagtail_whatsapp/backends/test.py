"""A backend for tests, shipped with the package like django-anymail's test backend: it records every call and
answers as Meta would, without the network.

Point ``WAGTAIL_WHATSAPP["BACKEND"]`` at ``"wagtail_whatsapp.backends.test.TestBackend"`` and read what was sent from
``TestBackend.sent``. The state is kept on the class, since the plugin builds a backend per sender thread; call
``TestBackend.reset()`` before each test. Faults are set up the same way (``faults``, ``fail_with``, ``fatal_after``).
"""

import itertools
import threading

from wagtail_whatsapp.backends.base import (
    BaseBackend,
    BlockResult,
    ErrorKind,
    SendResult,
    TemplateInfo,
    WhatsAppError,
)
from wagtail_whatsapp.backends.interactive import list_message, reply_buttons
from wagtail_whatsapp.backends.template_components import template_components, template_definition

# What ``download_media`` gives back for any media id but "gone" (Meta's 131052: the media expired).
MEDIA_BYTES = b"\xff\xd8\xff\xe0fake-jpeg"


class TestBackend(BaseBackend):
    __test__ = False  # a backend, not a pytest test class

    lock = threading.RLock()
    calls = []  # (method, args) of every call that is not a send: blocking, media downloads
    sent = []  # one dict per message: to, type, payload (the message object Meta would get), callback_data, wamid
    uploads = []  # one dict per upload: size, mime_type, filename
    # TemplateInfo: what ``list_templates`` answers (templates created here join it). None: the account is not played,
    # and ``list_templates`` is not implemented (so the hourly sync skips instead of marking every template deleted).
    templates = None
    created = []  # the body of every template submitted for approval
    send_calls = 0
    failed_calls = 0
    faults = {}  # recipient → WhatsAppErrors raised by its next sends, one each (then it succeeds)
    fail_with = None  # a WhatsAppError raised by every call that is not a send
    fatal_after = None  # after this many sends every send fails with 190 (the access token expired)
    before_send = None  # callable(to, callback_data) run before each send: unsubscribe, cancel... mid-broadcast
    _ids = itertools.count(1)

    @classmethod
    def reset(cls):
        with cls.lock:
            cls.calls, cls.sent, cls.uploads, cls.faults = [], [], [], {}
            cls.templates, cls.created = None, []
            cls.send_calls = cls.failed_calls = 0
            cls.fail_with = cls.fatal_after = cls.before_send = None

    @classmethod
    def numbers(cls):
        """The recipients of the messages sent, in order."""
        return [message["to"] for message in cls.sent]

    def _record(self, name, *args):
        cls = type(self)
        with cls.lock:
            cls.calls.append((name, args))
        if cls.fail_with is not None:
            raise cls.fail_with

    def _send(self, to, kind, payload, callback_data):
        cls = type(self)
        with cls.lock:
            if cls.before_send is not None:
                cls.before_send(to, callback_data)
            cls.send_calls += 1
            if cls.fatal_after is not None and cls.send_calls > cls.fatal_after:
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

    def send_media(self, to, media_type, media_id, *, caption="", filename="", callback_data=""):
        payload = {"id": media_id, "caption": caption, **({"filename": filename} if filename else {})}
        return self._send(to, media_type, payload, callback_data)

    def send_buttons(self, to, body, buttons, *, footer="", callback_data=""):
        return self._send(to, "interactive", reply_buttons(body, buttons, footer), callback_data)

    def send_list(self, to, body, button, sections, *, footer="", callback_data=""):
        return self._send(to, "interactive", list_message(body, button, sections, footer), callback_data)

    def send_template(self, to, name, language, components=(), *, callback_data=""):
        if not isinstance(components, list | tuple):
            components = template_components(components)
        payload = {"name": name, "language": language, "components": list(components)}
        return self._send(to, "template", payload, callback_data)

    def upload_media(self, content, mime_type, filename="upload"):
        cls = type(self)
        with cls.lock:
            cls.uploads.append({"size": len(content), "mime_type": mime_type, "filename": filename})
            return f"media-{len(cls.uploads)}"

    def download_media(self, media_id):
        self._record("download_media", media_id)
        if media_id == "gone":
            raise WhatsAppError("Media not found", code=131052)
        return MEDIA_BYTES, "image/jpeg"

    def list_templates(self, waba_id):
        if type(self).templates is None:
            raise NotImplementedError
        self._record("list_templates", waba_id)
        return list(type(self).templates)

    def create_template(self, waba_id, template):
        """Recorded in ``created``; the template joins ``templates`` as PENDING, as Meta keeps it for review."""
        self._record("create_template", waba_id, template.name)
        cls = type(self)
        with cls.lock:
            created = TemplateInfo(**{**template.__dict__, "status": "PENDING", "template_id": f"tpl-{next(cls._ids)}"})
            cls.created.append(template_definition(template))
            cls.templates = [*(cls.templates or []), created]
        return created

    def upload_template_example(self, content, mime_type, filename="example"):
        self._record("upload_template_example", mime_type, filename)
        return f"4::example-{len(content)}-{mime_type}"

    def block_users(self, users):
        self._record("block_users", list(users))
        return BlockResult(added=list(users))

    def unblock_users(self, users):
        self._record("unblock_users", list(users))
        return BlockResult(added=list(users))
