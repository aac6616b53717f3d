"""``whatsapp_create_templates``: the recommended Italian family submitted to Meta with the examples its review
needs, idempotent, the sync then storing their status; the sandbox approves them at once."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests import media_files
from wagtail_whatsapp.models import MessageTemplate

pytestmark = pytest.mark.django_db
FAMILY = {
    "comune_avviso",
    "comune_notizia_immagine",
    "comune_notizia_video",
    "comune_avviso_documento",
    "comune_evento",
}


@pytest.fixture
def account(settings, fake_graph):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "APP_ID": "4155"}
    return fake_graph


def run(*args):
    out = io.StringIO()
    call_command("whatsapp_create_templates", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def video_file(tmp_path):
    path = tmp_path / "esempio.mp4"
    path.write_bytes(media_files.mp4())
    return path


def test_the_family_is_submitted_with_meta_s_examples_and_synced_as_pending(site, account, video_file):
    out = run("--category", "utility", "--example-video", str(video_file))
    created = [r.json for r in account.requests if r.method == "POST" and r.path.endswith("/message_templates")]
    assert {body["name"] for body in created} == FAMILY
    assert {body["category"] for body in created} == {"UTILITY"} and {body["language"] for body in created} == {"it"}
    for body in created:
        components = {component["type"]: component for component in body["components"]}
        assert components["BODY"]["example"]["body_text_named_params"]
        (button,) = components["BUTTONS"]["buttons"]
        assert button["url"] == "http://testserver/{{1}}" and button["example"]
        if "HEADER" in components:
            assert components["HEADER"]["example"]["header_handle"][0].startswith("4::fake-handle-")
    uploads = [r for r in account.requests if r.path.startswith("/v25.0/upload:")]
    assert len(uploads) == 3  # an image, a video, a PDF: one example each
    # The sync ran: the family is stored with the status Meta gave (pending review).
    stored = MessageTemplate.objects.filter(name__in=FAMILY)
    assert {t.name for t in stored} == FAMILY and {t.status for t in stored} == {"PENDING"}
    assert "comune_avviso: submitted, PENDING." in out


def test_a_second_run_leaves_existing_names_alone(site, account, video_file):
    run("--example-video", str(video_file))
    before = len(account.templates)
    out = run("--example-video", str(video_file))
    assert len(account.templates) == before
    assert out.count("already at Meta, left alone.") == 5


def test_a_name_already_at_meta_is_not_submitted_again(site, account):
    account.add_template("comune_avviso", "it", [{"type": "BODY", "text": "Avviso"}], status="REJECTED")
    out = run()
    created = {r.json["name"] for r in account.requests if r.method == "POST" and r.path.endswith("/message_templates")}
    assert "comune_avviso" not in created and "comune_evento" in created
    # Without a video for the example, the video template waits, and the town is told how to send it.
    assert "comune_notizia_video" not in created
    assert "comune_notizia_video: not submitted, no example video: give --example-video" in out


def test_a_bad_example_is_a_clear_error(site, account, tmp_path):
    path = tmp_path / "video.mp4"
    path.write_bytes(media_files.mp4(video=b"hvc1"))
    with pytest.raises(CommandError, match="The example for the video header cannot go"):
        run("--example-video", str(path))
    with pytest.raises(CommandError, match="cannot be read"):
        run("--example-video", str(tmp_path / "missing.mp4"))


def test_without_an_account_id_the_command_says_what_to_set(site, settings, fake_graph):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "WABA_ID": ""}
    with pytest.raises(CommandError, match="No WhatsApp Business Account ID"):
        run()


def test_in_the_sandbox_the_family_is_there_and_approved(site, settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "BACKEND": "sandbox"}
    out = run()
    assert out.count("already at Meta, left alone.") == 5
    call_command("whatsapp_sync_templates", stdout=io.StringIO())
    stored = MessageTemplate.objects.filter(name__in=FAMILY)
    assert {t.status for t in stored} == {"APPROVED"} and stored.count() == 5


def test_the_test_backend_records_what_was_submitted(site, test_backend):
    test_backend.templates = []  # the account is played: it holds no template yet
    run("--category", "MARKETING")
    assert {body["name"] for body in test_backend.created} == FAMILY - {"comune_notizia_video"}
    assert all(body["category"] == "MARKETING" for body in test_backend.created)
    assert {t.status for t in test_backend.templates} == {"PENDING"}
