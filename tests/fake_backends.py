"""A backend that records calls instead of talking to Meta, for admin tests (blocking, media download)."""

from wagtail_whatsapp.backends.base import BaseBackend, BlockResult, WhatsAppError

MEDIA_BYTES = b"\xff\xd8\xff\xe0fake-jpeg"


class RecordingBackend(BaseBackend):
    calls = []  # (method, args); cleared by the fixture that installs the backend
    fail_with = None  # a WhatsAppError to raise from every call

    def _record(self, name, *args):
        RecordingBackend.calls.append((name, args))
        if RecordingBackend.fail_with is not None:
            raise RecordingBackend.fail_with

    def block_users(self, users):
        self._record("block_users", list(users))
        return BlockResult(added=list(users))

    def unblock_users(self, users):
        self._record("unblock_users", list(users))
        return BlockResult(added=list(users))

    def download_media(self, media_id):
        self._record("download_media", media_id)
        if media_id == "gone":
            raise WhatsAppError("Media not found", code=131052)
        return MEDIA_BYTES, "image/jpeg"


class NoMediaBackend(BaseBackend):
    """A backend that implements nothing, like a half-configured one."""
