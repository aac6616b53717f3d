"""Bounded downloads: bytes read in chunks and dropped as soon as they pass a cap, so that one oversized file never
fills a worker's memory. Knows nothing of Meta's URLs or JSON (cloud/ does); transport errors are the caller's."""

import hashlib

from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.backends.errors import TEMPORARY_DELAY

MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024  # WhatsApp's own ceiling (documents): no citizen's photo is bigger
CHUNK_BYTES = 64 * 1024


def too_large(what, size, limit, more=False):
    """RECIPIENT: the same media would be refused again, whoever asks."""
    megabytes = f"{'over ' if more else ''}{size / 1024 / 1024:.1f} MB"
    return WhatsAppError(
        f"{what} is too large to download ({megabytes}; the limit is {limit / 1024 / 1024:.1f} MB).",
        kind=ErrorKind.RECIPIENT,
        details=f"size {size} bytes, limit {limit} bytes",
    )


def read_capped(response, limit, what):
    """``(bytes, content_type)`` of a streamed urllib3 response; a too_large error as soon as it passes
    ``limit`` (by its Content-Length, or while reading when that is missing or lies)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(what, int(declared), limit)
    chunks, received = [], 0
    for chunk in response.stream(CHUNK_BYTES):
        received += len(chunk)
        if received > limit:
            raise too_large(what, received, limit, more=True)
        chunks.append(chunk)
    return b"".join(chunks), response.headers.get("Content-Type", "").split(";")[0].strip()


def check_sha256(content, expected, what):
    """RETRYABLE when the bytes do not match the checksum announced for them: the download was cut or corrupted."""
    if isinstance(expected, str) and expected and hashlib.sha256(content).hexdigest() != expected.strip().lower():
        raise WhatsAppError(
            f"The download of {what} does not match its checksum; it was cut or corrupted.",
            kind=ErrorKind.RETRYABLE,
            retry_after=TEMPORARY_DELAY,
        )
