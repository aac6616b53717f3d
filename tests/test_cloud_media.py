"""Downloading media a citizen sent (``download_media``): the cloud backend against the fake Graph API, and the
failures that must come back as a classified WhatsAppError (too large, unknown, wrong token, cut, dropped)."""

import pytest
import requests
import responses

from tests import media_files
from tests.fake_graph import DOWNLOAD_PATH
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
    url = backend.session.get(backend._url("42")).json()["url"]
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


BASE, TOKEN = "https://graph.test", "secret-token-never-shown"
LOOKUP = f"{BASE}/v25.0/77"
CDN = "https://lookaside.test/whatsapp_business/attachments/?mid=77"


@pytest.fixture
def offline_backend(settings):
    backend = CloudBackend("1", access_token=TOKEN, base_url=BASE, api_version="v25.0")
    yield backend
    backend.close()


def test_a_dropped_download_is_a_retryable_error(offline_backend):
    with responses.RequestsMock() as mock:
        mock.get(LOOKUP, json={"url": CDN, "mime_type": "image/jpeg", "file_size": 10})
        mock.get(CDN, body=requests.ConnectionError(f"reset while sending Bearer {TOKEN}"))
        with pytest.raises(WhatsAppError) as info:
            offline_backend.download_media("77")
    assert info.value.retryable and TOKEN not in str(info.value)


def test_an_expired_download_url_is_classified(offline_backend):
    with responses.RequestsMock() as mock:
        mock.get(LOOKUP, json={"url": CDN, "mime_type": "image/jpeg"})
        mock.get(CDN, body="Not Found", status=404)
        with pytest.raises(WhatsAppError) as info:
            offline_backend.download_media("77")
    assert (info.value.kind, info.value.http_status) == (ErrorKind.RECIPIENT, 404)


def test_a_lookup_without_a_url_is_an_invalid_answer(offline_backend):
    with responses.RequestsMock() as mock:
        mock.get(LOOKUP, json={"id": "77"})
        with pytest.raises(WhatsAppError) as info:
            offline_backend.download_media("77")
    assert info.value.retryable and "download URL" in str(info.value)
