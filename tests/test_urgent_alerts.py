"""Urgent alerts (civil protection): offered at any time to holders of ``send_urgent``, carried by a UTILITY template
when Meta approved one, ahead of the running broadcasts of the same number (which pause and go on by themselves),
and the report says how long it took to reach everyone."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from tests.broadcast_admin import approved_template, make_news_page, make_subscribers, make_user
from wagtail_whatsapp import conf
from wagtail_whatsapp.admin.views.progress import progress_summary
from wagtail_whatsapp.models import Broadcast, Delivery, WhatsAppSettings
from wagtail_whatsapp.outbound import costs, template_family
from wagtail_whatsapp.outbound import sender as sending
from wagtail_whatsapp.outbound.queue import send_broadcast_task
from wagtail_whatsapp.outbound.tasks import resume_stalled_broadcasts_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil_protection(django_user_model, site):
    return make_user(django_user_model, site, "protezione", ["send_broadcast", "send_urgent"])


@pytest.fixture
def family(site):
    """The site's text template is MARKETING (chosen in the settings); Meta also approved a UTILITY one."""
    marketing = approved_template(site)
    utility = approved_template(name="avviso_comune", category="UTILITY")
    return marketing, utility


def confirm_url(page):
    return reverse("wagtail_whatsapp_admin:broadcast_confirm", args=[page.pk])


# --- the template ---------------------------------------------------------------------------------------------------


def test_an_urgent_alert_takes_the_utility_template_of_the_kind(site, family):
    marketing, utility = family
    assert template_family.family(site)["text"].template == marketing
    assert template_family.family(site, urgent=True)["text"].template == utility
    # A UTILITY template of another kind (an image header) does not stand in for the text one.
    utility.components = [{"type": "HEADER", "format": "IMAGE"}, *utility.components]
    utility.save()
    assert template_family.family(site, urgent=True)["text"].template == marketing
    assert template_family.family(site, urgent=True)["image"].template == utility


def test_without_an_approved_utility_template_the_usual_one_carries_the_alert(site, family):
    marketing, utility = family
    utility.status = "PENDING"
    utility.save()
    assert template_family.family(site, urgent=True)["text"].template == marketing


# --- the confirmation page ------------------------------------------------------------------------------------------


def test_holders_are_offered_urgent_at_any_time_with_its_utility_template(
    client, civil_protection, site, family, broadcast_engine
):
    make_subscribers(site, outside_window=3, inside_window=2)
    page = make_news_page(site)
    client.force_login(civil_protection)
    html = client.get(confirm_url(page)).content.decode()
    assert "Send to 5 subscribers now" in html  # not the quiet hours
    assert 'name="urgent"' in html and "Urgent (civil protection)" in html
    assert "If urgent, citizens who have not written in the last 24 hours receive the template “avviso_comune”" in html
    assert "Send now, urgent: 5 subscribers" in html  # the button's words once ticked


def test_the_box_gives_the_urgent_alerts_own_cost(client, civil_protection, site, family):
    """The cost above is the usual broadcast's (its MARKETING template, the page's topics); ticked, the alert goes to
    everyone with the cheaper UTILITY template: the editor reads that cost too, before sending."""
    make_subscribers(site, outside_window=3, inside_window=2)
    page = make_news_page(site)
    client.force_login(civil_protection)
    html = client.get(confirm_url(page)).content.decode()
    prices = conf.prices()
    utility, marketing = prices.of("UTILITY"), prices.of("MARKETING")
    assert utility < marketing
    usual = costs.format_amount(3 * marketing, prices.currency)
    urgent = costs.format_amount(3 * utility, prices.currency)
    assert f"<strong data-cost-total>{usual}</strong>" in html
    assert (
        f"If urgent, it reaches every subscriber whatever their topics, and costs about {urgent}: 3 template messages"
        f" × {costs.format_price(utility, prices.currency)} (category Utility)."
    ) in " ".join(html.split())


def test_the_urgent_cost_is_not_repeated_when_it_is_the_usual_one(client, civil_protection, site):
    approved_template(site)  # no UTILITY template: the alert goes with the usual one, to the same subscribers
    make_subscribers(site, outside_window=3, inside_window=2)
    page = make_news_page(site)
    client.force_login(civil_protection)
    html = client.get(confirm_url(page)).content.decode()
    assert 'name="urgent"' in html and "data-urgent-cost" not in html


def test_the_box_and_the_template_in_italian(client, civil_protection, site, family):
    from wagtail.users.models import UserProfile

    make_subscribers(site, outside_window=3, inside_window=2)
    page = make_news_page(site)
    profile = UserProfile.get_for_user(civil_protection)
    profile.preferred_language = "it"
    profile.save()
    client.force_login(civil_protection)
    html = client.get(confirm_url(page)).content.decode()
    assert "Urgente (protezione civile)" in html
    assert "avviso_comune" in html and "(Servizio)" in html
    assert "Se è urgente, arriva a tutti gli iscritti, qualunque argomento abbiano scelto, e costa circa" in html


def test_without_the_permission_there_is_no_box_and_a_forged_post_is_refused(client, sender, site, family):
    make_subscribers(site, outside_window=3, inside_window=2)
    page = make_news_page(site)
    client.force_login(sender)
    html = client.get(confirm_url(page)).content.decode()
    assert 'name="urgent"' not in html and "avviso_comune" not in html
    response = client.post(confirm_url(page), {"urgent": "on"})
    assert response.status_code == 403
    assert "You do not have permission to send urgent broadcasts." in response.content.decode()
    assert not Broadcast.objects.exists()


def test_an_urgent_alert_goes_with_the_utility_template(
    client, civil_protection, site, family, test_backend, django_capture_on_commit_callbacks
):
    make_subscribers(site, outside_window=3, inside_window=2)
    page = make_news_page(site)
    client.force_login(civil_protection)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(page), {"urgent": "on"})
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    broadcast.refresh_from_db()
    assert broadcast.urgent and broadcast.status == Broadcast.Status.DONE
    assert broadcast.template.name == "avviso_comune"
    templates = {m["payload"]["name"] for m in test_backend.sent if m["type"] == "template"}
    assert templates == {"avviso_comune"} and len(test_backend.sent) == 5


# --- ahead of the running broadcasts --------------------------------------------------------------------------------


@pytest.fixture
def other_number(site):
    """A second site that sends from a number of its own, with two subscribers."""
    other = Site.objects.create(hostname="frazione.example", root_page=site.root_page, site_name="Frazione")
    WhatsAppSettings.objects.create(site=other, phone_number_id="999000111")
    make_subscribers(other, outside_window=0, inside_window=2, start=3489000000)
    return other


def sent_to(broadcast):
    pks = set(Delivery.objects.filter(broadcast=broadcast).values_list("pk", flat=True))
    return [m for m in sending_log() if Delivery.pk_from_callback_data(m["callback_data"]) in pks]


def sending_log():
    from wagtail_whatsapp.backends.test import TestBackend

    return TestBackend.sent


def test_a_running_broadcast_pauses_for_an_urgent_alert_and_goes_on_by_itself(
    site, other_number, test_backend, broadcast_engine, monkeypatch, django_capture_on_commit_callbacks
):
    # Another consumer takes the alert while this one sends: the sender checks between its claims.
    monkeypatch.setattr(sending, "RECONCILE_EVERY", 0.0)
    monkeypatch.setattr(sending, "CLAIM_BATCH", 1)
    make_subscribers(site, outside_window=0, inside_window=10)
    news, alert_page = make_news_page(site), make_news_page(site, title="Allerta meteo: scuole chiuse")
    with django_capture_on_commit_callbacks(execute=False):
        ordinary = broadcast_engine.start_broadcast(news)
        elsewhere = broadcast_engine.start_broadcast(news, site=other_number)
        # Prepared as scheduled: it starts (QUEUED) while the ordinary broadcast is half-way.
        alert = broadcast_engine.start_broadcast(alert_page, urgent=True, at=timezone.now() + timedelta(hours=1))

    def the_alert_starts_after_three(to, callback_data):
        if len(test_backend.sent) == 3:
            Broadcast.objects.filter(pk=alert.pk).update(status=Broadcast.Status.QUEUED)

    test_backend.before_send = the_alert_starts_after_three
    send_broadcast_task(ordinary.pk)
    test_backend.before_send = None
    ordinary.refresh_from_db()
    assert ordinary.status == Broadcast.Status.PAUSED
    assert ordinary.status_reason.startswith("Paused for an urgent alert")
    assert 3 <= len(sent_to(ordinary)) < 10
    assert progress_summary(ordinary)["resumes_by_itself"]  # the report does not ask the editor to resume it

    # Another number's broadcast shares neither the pace nor the limit: it is untouched.
    send_broadcast_task(elsewhere.pk)
    elsewhere.refresh_from_db()
    assert elsewhere.status == Broadcast.Status.DONE and len(sent_to(elsewhere)) == 2

    before_alert = len(sent_to(ordinary))
    send_broadcast_task(alert.pk)  # the alert goes out, then the ordinary broadcast goes on with no one's action
    alert.refresh_from_db(), ordinary.refresh_from_db()
    assert alert.status == Broadcast.Status.DONE and ordinary.status == Broadcast.Status.DONE
    assert ordinary.status_reason == "" and ordinary.yielded_to is None
    log = sending_log()
    alert_positions = [log.index(m) for m in sent_to(alert)]
    rest_positions = [log.index(m) for m in sent_to(ordinary)[before_alert:]]
    assert len(alert_positions) == 10 and rest_positions
    assert max(alert_positions) < min(rest_positions)  # everyone got the alert before the rest of the news
    assert len(sent_to(ordinary)) == 10  # and nobody got the news twice
    assert Delivery.objects.filter(broadcast=ordinary, status=Delivery.Status.SENT).count() == 10


def test_the_alerts_start_pauses_the_broadcasts_sending_from_its_number(
    site, other_number, test_backend, broadcast_engine, django_capture_on_commit_callbacks
):
    make_subscribers(site, outside_window=0, inside_window=4)
    news, alert_page = make_news_page(site), make_news_page(site, title="Allerta meteo: scuole chiuse")
    with django_capture_on_commit_callbacks(execute=False):
        ordinary = broadcast_engine.start_broadcast(news)
        elsewhere = broadcast_engine.start_broadcast(news, site=other_number)
    # Both are being sent by other consumers right now.
    Broadcast.objects.filter(pk__in=[ordinary.pk, elsewhere.pk]).update(
        status=Broadcast.Status.SENDING, heartbeat_at=timezone.now()
    )
    seen = []
    test_backend.before_send = lambda to, data: seen.append(
        list(
            Broadcast.objects.filter(pk__in=[ordinary.pk, elsewhere.pk]).order_by("pk").values_list("status", flat=True)
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        alert = broadcast_engine.start_broadcast(alert_page, urgent=True)
    # While the alert went out, the same number's broadcast was paused, the other number's was not.
    assert seen[:4] == [["paused", "sending"]] * 4
    alert.refresh_from_db(), ordinary.refresh_from_db(), elsewhere.refresh_from_db()
    assert alert.status == Broadcast.Status.DONE
    assert ordinary.status == Broadcast.Status.DONE and len(sent_to(ordinary)) == 4  # resumed by itself, after
    assert elsewhere.status == Broadcast.Status.SENDING  # never touched
    assert [m["payload"]["body"].startswith("*Allerta") for m in sending_log()] == [True] * 4 + [False] * 4


def test_a_broadcast_left_paused_by_a_crashed_alert_goes_on_with_the_minute_task(
    site, test_backend, broadcast_engine, django_capture_on_commit_callbacks
):
    make_subscribers(site, outside_window=0, inside_window=3)
    news = make_news_page(site)
    with django_capture_on_commit_callbacks(execute=False):
        ordinary = broadcast_engine.start_broadcast(news)
    # The alert was cancelled, or its consumer died, before it could resume the broadcasts it stopped.
    alert = Broadcast.objects.create(site=site, title="x", message="x", urgent=True, status=Broadcast.Status.CANCELLED)
    Broadcast.objects.filter(pk=ordinary.pk).update(
        status=Broadcast.Status.PAUSED, status_reason="Paused for an urgent alert", yielded_to=alert.pk
    )
    # Meanwhile another alert goes out on the number (another consumer sends it): the broadcast waits for it too.
    second = Broadcast.objects.create(
        site=site, title="y", message="y", urgent=True, status=Broadcast.Status.SENDING, heartbeat_at=timezone.now()
    )
    resume_stalled_broadcasts_task.call_local()
    ordinary.refresh_from_db()
    assert ordinary.status == Broadcast.Status.PAUSED and ordinary.yielded_to == second.pk
    assert not test_backend.sent
    Broadcast.objects.filter(pk=second.pk).update(status=Broadcast.Status.DONE)
    resume_stalled_broadcasts_task.call_local()
    ordinary.refresh_from_db()
    assert ordinary.status == Broadcast.Status.DONE and len(test_backend.sent) == 3


def test_an_editors_resume_during_the_alert_pauses_again(
    site, test_backend, broadcast_engine, django_capture_on_commit_callbacks
):
    make_subscribers(site, outside_window=0, inside_window=3)
    alert = Broadcast.objects.create(
        site=site, title="x", message="x", urgent=True, status=Broadcast.Status.SENDING, heartbeat_at=timezone.now()
    )
    news = make_news_page(site)
    with django_capture_on_commit_callbacks(execute=True):
        ordinary = broadcast_engine.start_broadcast(news)
    ordinary.refresh_from_db()
    assert ordinary.status == Broadcast.Status.PAUSED and ordinary.yielded_to == alert.pk
    assert not test_backend.sent
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_engine.resume_broadcast(ordinary)
    ordinary.refresh_from_db()
    assert ordinary.status == Broadcast.Status.PAUSED and ordinary.yielded_to == alert.pk


# --- the report -----------------------------------------------------------------------------------------------------


def test_the_report_shows_the_time_to_the_last_delivered(client, civil_protection, site):
    started = timezone.now() - timedelta(hours=1)
    broadcast = Broadcast.objects.create(
        site=site, title="Allerta", message="x", urgent=True, status=Broadcast.Status.DONE, started_at=started
    )
    subscribers = make_subscribers(site, outside_window=3, inside_window=0)
    statuses = [
        (Delivery.Status.DELIVERED, {"delivered_at": started + timedelta(minutes=2)}),
        # Read without its "delivered": counted at its read time, the last one.
        (Delivery.Status.READ, {"read_at": started + timedelta(minutes=4, seconds=30)}),
        # A failure later still is not a delivery.
        (Delivery.Status.FAILED, {"failed_at": started + timedelta(minutes=50)}),
    ]
    for subscriber, (status, times) in zip(subscribers, statuses, strict=True):
        Delivery.objects.create(broadcast=broadcast, subscriber=subscriber, status=status, **times)
    client.force_login(civil_protection)
    html = client.get(reverse("wagtail_whatsapp_admin:broadcast_report", args=[broadcast.pk])).content.decode()
    assert 'data-time-to-last-delivered="270"' in html
    assert "Time to the last delivered message: 4 min 30 s from the start of the sending." in html
    progress = client.get(reverse("wagtail_whatsapp_admin:broadcast_progress", args=[broadcast.pk])).json()
    assert progress["time_to_last_delivered"] == {"seconds": 270, "label": "4 min 30 s"}


def test_while_no_urgent_alert_runs_a_senders_check_is_one_query(site, django_assert_num_queries):
    """Every sender asks every two seconds; ten numbers' senders at once made it a good share of their queries."""
    from wagtail_whatsapp.outbound import urgent

    ordinary = Broadcast.objects.create(site=site, title="x", message="x", status=Broadcast.Status.SENDING)
    Broadcast.objects.create(site=site, title="y", message="y", urgent=True, status=Broadcast.Status.DONE)
    with django_assert_num_queries(1):
        assert urgent.urgent_ahead(ordinary.pk, conf.default_phone_number_id()) is None
    alert = Broadcast.objects.create(site=site, title="z", message="z", urgent=True, status=Broadcast.Status.SENDING)
    assert urgent.urgent_ahead(ordinary.pk, conf.default_phone_number_id()) == alert.pk
    assert urgent.urgent_ahead(alert.pk, conf.default_phone_number_id()) is None  # an alert makes way for nobody
