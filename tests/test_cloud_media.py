"""Downloading media a citizen sent (``download_media``): the cloud backend against the fake Graph API, and the
failures that must come back as a classified WhatsAppError (too large, unknown, wrong token, cut, dropped)."""

import pytest
import requests

from tests import media_files
from tests.fake_graph import DOWNLOAD_PATH, RawBody
from wagtail_whatsapp.backends import get_backend
from wagtail_whatsapp.backends.base import ErrorKind, WhatsAppError
from wagtail_whatsapp.backends.cloud import CloudBackend


@pytest.fixture
def backend(fake_graph):
    backend = get_backend()
    assert isinstance(backend, CloudBackend)
    yield backend
    backend.close()


def downloads(fake):
    return [r for r in fake.requests if r.path == DOWNLOAD_PATH]


def test_a_citizens_image_is_downloaded_with_its_type(backend, fake_graph):
    photo = media_files.jpeg((32, 24))
    fake_graph.add_media("1234567890", photo, "image/jpeg")
    assert backend.download_media("1234567890") == (photo, "image/jpeg")
    lookup, download = fake_graph.requests[-2:]
    assert lookup.path.endswith("/1234567890") and download.path == DOWNLOAD_PATH
    # Meta's download URL wants the same Bearer token as the API.
    assert download.headers["authorization"] == f"Bearer {fake_graph.token}"


def test_uploaded_media_can_be_downloaded_back(backend):
    picture = media_files.padded(media_files.png(), 3000)
    media_id = backend.upload_media(picture, "image/png", "foto.png")
    assert backend.download_media(media_id) == (picture, "image/png")


def test_the_download_url_refuses_a_request_without_the_token(backend, fake_graph):
    fake_graph.add_media("42", b"\x89PNG...", "image/png")
    url = requests.get(backend._url("42"), headers={"Authorization": f"Bearer {fake_graph.token}"}, timeout=2).json()[
        "url"
    ]
    assert requests.get(url, timeout=2).status_code == 401


def test_unknown_media_is_a_clear_recipient_error(backend, fake_graph):
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("999")
    assert (info.value.kind, info.value.code, info.value.http_status) == (ErrorKind.RECIPIENT, 100, 400)
    assert "does not exist" in str(info.value)
    assert downloads(fake_graph) == []


def test_media_over_the_stated_size_limit_is_refused_before_downloading(fake_graph):
    fake_graph.add_media("big", b"x" * 5000, "video/mp4")
    backend = CloudBackend("1", access_token=fake_graph.token, base_url=fake_graph.url, max_download_bytes=1000)
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("big")
    assert info.value.kind == ErrorKind.RECIPIENT and "too large" in str(info.value)
    assert downloads(fake_graph) == []


def test_media_larger_than_meta_said_is_cut_off_at_the_limit(fake_graph):
    fake_graph.add_media("liar", b"x" * 5000, "video/mp4", file_size=10)
    backend = CloudBackend("1", access_token=fake_graph.token, base_url=fake_graph.url, max_download_bytes=1000)
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("liar")
    assert info.value.kind == ErrorKind.RECIPIENT and "too large" in str(info.value)


def test_the_default_limit_is_100_mb(backend):
    assert backend.max_download_bytes == 100 * 1024 * 1024


def test_a_wrong_token_is_fatal_and_never_shown(fake_graph):
    fake_graph.add_media("42", b"\x89PNG...", "image/png")
    backend = CloudBackend("1", access_token="stolen-token", base_url=fake_graph.url)
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("42")
    assert (info.value.kind, info.value.code) == (ErrorKind.FATAL, 190)
    assert "stolen-token" not in f"{info.value} {info.value!r} {info.value.details}"


def test_a_download_that_does_not_match_its_checksum_is_retryable(backend, fake_graph):
    fake_graph.add_media("cut", b"half a photo", "image/jpeg", sha256="0" * 64)
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("cut")
    assert info.value.kind == ErrorKind.RETRYABLE and "checksum" in str(info.value)


def test_an_empty_media_id_is_refused_without_a_request(backend, fake_graph):
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("")
    assert info.value.kind == ErrorKind.RECIPIENT and fake_graph.requests == []


def script_the_download(fake, download_answer, **lookup):
    """Meta's lookup answers a download URL (on the fake), which then answers ``download_answer``."""
    url = f"{fake.url}{DOWNLOAD_PATH}?mid=77"
    fake.scripted_answers = [(200, {"url": url, "mime_type": "image/jpeg", **lookup}), download_answer]


def test_a_dropped_download_is_a_retryable_error(backend, fake_graph):
    script_the_download(fake_graph, ("drop", None), file_size=10)
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("77")
    assert info.value.retryable and fake_graph.token not in f"{info.value} {info.value!r}"
    assert [r.path for r in fake_graph.requests] == ["/v25.0/77", DOWNLOAD_PATH]


def test_an_expired_download_url_is_classified(backend, fake_graph):
    script_the_download(fake_graph, (404, "Not Found"))
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("77")
    assert (info.value.kind, info.value.http_status) == (ErrorKind.RECIPIENT, 404)


def test_a_lookup_without_a_url_is_an_invalid_answer(backend, fake_graph):
    fake_graph.scripted_answers = [(200, {"id": "77"})]
    with pytest.raises(WhatsAppError) as info:
        backend.download_media("77")
    assert info.value.retryable and "download URL" in str(info.value)
    assert downloads(fake_graph) == []


def test_a_download_url_that_moved_is_followed(backend, fake_graph):
    """A download URL may redirect (a CDN's other node): the bytes come from where it points, with the token."""
    fake_graph.add_media("42", b"\x89PNG...", "image/png")
    lookup = {"url": f"{fake_graph.url}/elsewhere", "mime_type": "image/png"}
    moved = RawBody(b"", "text/plain", headers=(("Location", f"{fake_graph.url}{DOWNLOAD_PATH}?mid=42"),))
    fake_graph.scripted_answers = [(200, lookup), (302, moved)]
    assert backend.download_media("42") == (b"\x89PNG...", "image/png")
    assert [r.path for r in fake_graph.requests] == ["/v25.0/42", "/elsewhere", DOWNLOAD_PATH]
    assert fake_graph.requests[-1].headers["authorization"] == f"Bearer {fake_graph.token}"
