"""Settings → WhatsApp (account, broadcast template mapping, retention, word lists, quiet hours) and the home panel."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.whatsapp_data import make_broadcast, make_subscriber
from wagtail_whatsapp.admin.dashboard import subscribers_over_time, svg_chart
from wagtail_whatsapp.models import ConsentRecord, Delivery, MessageTemplate, Subscriber, WhatsAppSettings
from wagtail_whatsapp.outbound.template_mapping import TemplateMappingError, parse_mapping

pytestmark = pytest.mark.django_db


def _template(status="APPROVED", body="Novità dal Comune: {{1}}. Leggi: {{2}}"):
    return MessageTemplate.objects.create(
        waba_id="102290129340398",
        name=f"notizia_{status.lower()}",
        language="it",
        status=status,
        components=[{"type": "BODY", "text": body}],
    )


def _settings(site, **fields):
    wa_settings = WhatsAppSettings.for_site(site)
    for name, value in fields.items():
        setattr(wa_settings, name, value)
    return wa_settings


def test_settings_page_shows_the_new_fields_and_no_secret(admin_client, site):
    approved, pending = _template(), _template("PENDING")
    html = admin_client.get(
        reverse("wagtailsettings:edit", args=["wagtail_whatsapp", "whatsappsettings", site.pk])
    ).content.decode()
    for label in ("whatsapp business account id", "quiet hours", "offensive words", "keep received messages"):
        assert label in html.lower()
    assert approved.name in html and pending.name not in html  # only approved templates are offered
    for secret in ("test-access-token", "test-app-secret", "test-verify-token"):
        assert secret not in html


# The inline panel of topics and places, empty (its management form is part of every POST of the settings).
TOPICS_NONE = {"topics-TOTAL_FORMS": "0", "topics-INITIAL_FORMS": "0", "topics-MIN_NUM_FORMS": "0"}


def test_settings_page_saves_a_valid_mapping(admin_client, site):
    template = _template()
    url = reverse("wagtailsettings:edit", args=["wagtail_whatsapp", "whatsappsettings", site.pk])
    response = admin_client.get(url)
    data = {}
    form = response.context["form"]
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    data = {key: ("on" if value is True else value) for key, value in data.items() if value is not False}
    data.update(image_template=template.pk, template_parameter_mapping="1 = title\n2 = url", waba_id="1022")
    data.update(quiet_hours_start="22:00", quiet_hours_end="07:00")
    data.update(TOPICS_NONE)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    saved = WhatsAppSettings.for_site(site)
    assert saved.image_template == template and saved.in_quiet_hours(time(23, 30))

    data["template_parameter_mapping"] = "1 = title\n3 = url"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "The template has no parameter 3." in response.content.decode()


def test_mapping_is_validated_against_the_template(site):
    template = _template()
    _settings(site, image_template=template, template_parameter_mapping="1 = title\n2 = url").full_clean()
    with pytest.raises(ValidationError) as error:
        _settings(site, image_template=template, template_parameter_mapping="1 = title\n3 = url").full_clean()
    assert "template_parameter_mapping" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _settings(site, video_template=_template("REJECTED")).full_clean()
    assert "video_template" in error.value.message_dict


@pytest.mark.parametrize(
    "text, message",
    [("1 title", "Line 1"), ("1 = body_html", "not a page field"), ("1 = title\n{{1}} = url", "given twice")],
)
def test_mapping_errors_name_the_line(text, message):
    with pytest.raises(TemplateMappingError, match=message):
        parse_mapping(text)


def test_named_parameters_are_accepted():
    assert parse_mapping("{{headline}} = title\n\nlink = url") == {"headline": "title", "link": "url"}


def test_quiet_hours_need_both_ends_and_may_cross_midnight(site):
    with pytest.raises(ValidationError):
        _settings(site, quiet_hours_start=time(22)).full_clean()
    night = _settings(site, quiet_hours_start=time(22), quiet_hours_end=time(7))
    assert night.in_quiet_hours(time(23)) and night.in_quiet_hours(time(6, 59))
    assert not night.in_quiet_hours(time(7)) and not night.in_quiet_hours(time(12))
    lunch = _settings(site, quiet_hours_start=time(13), quiet_hours_end=time(15))
    assert lunch.in_quiet_hours(time(14)) and not lunch.in_quiet_hours(time(16))


def test_home_panel_shows_the_figures_and_a_server_drawn_chart(admin_client, site):
    now = timezone.now()
    active = [make_subscriber(site, f"+39348123450{i}", subscribed_at=now - timedelta(days=20)) for i in range(3)]
    make_subscriber(
        site, "+393481234599", status=Subscriber.Status.UNSUBSCRIBED, subscribed_at=now - timedelta(days=30)
    )
    ConsentRecord.objects.create(site=site, action=ConsentRecord.Action.UNSUBSCRIBE)
    ConsentRecord.objects.create(site=site, action=ConsentRecord.Action.SUBSCRIBE)
    make_broadcast(site, active, [Delivery.Status.READ, Delivery.Status.DELIVERED, Delivery.Status.FAILED])
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "data-whatsapp-panel" in html
    assert '<strong data-figure="active">3</strong>' in html
    assert '<strong data-figure="joined">1</strong>' in html
    assert '<strong data-figure="left">1</strong>' in html
    assert "delivered to 67%" in html and "Strada chiusa" in html
    assert "<svg" in html and "<polyline" in html
    assert "cdn" not in html.split("data-whatsapp-panel")[1].split("</section>")[0].lower()


def test_home_panel_is_for_whatsapp_staff_only(client, site, whatsapp_user):
    client.force_login(whatsapp_user())
    assert "data-whatsapp-panel" not in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(whatsapp_user("view_reports"))
    assert "data-whatsapp-panel" in client.get(reverse("wagtailadmin_home")).content.decode()


def test_chart_series_walks_back_from_todays_count(site):
    now = timezone.now()
    make_subscriber(site, "+393481234501", subscribed_at=now - timedelta(days=40))
    make_subscriber(site, "+393481234502", subscribed_at=now - timedelta(days=5))
    left = make_subscriber(
        site, "+393481234503", status=Subscriber.Status.UNSUBSCRIBED, subscribed_at=now - timedelta(days=40)
    )
    left.unsubscribed_at = now - timedelta(days=10)
    left.save()
    series = subscribers_over_time(days=30, now=now)
    assert len(series) == 30
    assert series[-1][1] == 2  # today: two active
    assert series[0][1] == 2  # 29 days ago: the one who left later, and the first one
    assert min(value for _day, value in series) == 1  # between the leaving and the late joining
    assert "<title>" in svg_chart(series)
