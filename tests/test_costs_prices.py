"""``WAGTAIL_WHATSAPP['PRICES']``: Meta's published figures by default, a whole rate card when a town sets its own,
and a system-check error naming what is wrong (issue 12)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from wagtail_whatsapp import conf
from wagtail_whatsapp.checks import check_settings
from wagtail_whatsapp.outbound import costs

EURO_CARD = {"CURRENCY": "EUR", "AS_OF": "2026-04-01", "MARKETING": 0.0572, "UTILITY": "0.0248", "AUTHENTICATION": 0}


def test_the_defaults_are_metas_rate_card_for_italy():
    prices = conf.prices()
    assert (prices.currency, prices.as_of) == ("USD", datetime.date(2026, 1, 1))
    assert prices.by_category == {
        "MARKETING": Decimal("0.0691"),
        "UTILITY": Decimal("0.0300"),
        "AUTHENTICATION": Decimal("0.0300"),
    }
    assert prices.of("service") == 0 and prices.of("marketing") == Decimal("0.0691")


def test_a_town_sets_its_own_card(settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "PRICES": EURO_CARD}
    prices = conf.prices()
    assert (prices.currency, prices.as_of, prices.of("UTILITY")) == (
        "EUR",
        datetime.date(2026, 4, 1),
        Decimal("0.0248"),
    )
    assert prices.of("MARKETING") == Decimal("0.0572")  # a float goes through its text: no binary noise


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"MARKETING": None}, "MARKETING"),
        ({"UTILITY": -1}, "UTILITY"),
        ({"AUTHENTICATION": "cheap"}, "AUTHENTICATION"),
        ({"MARKETING": True}, "MARKETING"),
        ({"MARKETING": "NaN"}, "MARKETING"),
        ({"CURRENCY": "euro"}, "CURRENCY"),
        ({"AS_OF": "last spring"}, "AS_OF"),
    ],
)
def test_a_wrong_value_is_a_check_error_naming_it(settings, change, named):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "PRICES": {**EURO_CARD, **change}}
    with pytest.raises(ImproperlyConfigured, match=named):
        conf.prices()
    errors = [message for message in check_settings() if message.is_serious()]
    assert len(errors) == 1 and named in errors[0].msg


def test_half_a_card_is_refused(settings):
    settings.WAGTAIL_WHATSAPP = {**settings.WAGTAIL_WHATSAPP, "PRICES": {"CURRENCY": "EUR", "MARKETING": "0.05"}}
    with pytest.raises(ImproperlyConfigured, match="lacks AS_OF, UTILITY, AUTHENTICATION"):
        conf.prices()


def test_amounts_are_rounded_and_written_the_italian_way():
    with translation.override("it"):
        assert costs.format_amount(Decimal("1234.5678"), "EUR") == "1.234,57 €"
        assert costs.format_price(Decimal("0.0691"), "EUR") == "0,0691 €"
        assert costs.format_amount(Decimal("0.2073"), "USD") == "0,21 USD"
    with translation.override("en"):
        assert costs.format_amount(Decimal("1234.5"), "USD") == "1,234.50 USD"


def test_a_category_without_a_price_counts_as_the_dearest():
    assert costs.price_of("marketing_lite") == (Decimal("0.0691"), "MARKETING")
    assert costs.price_of("utility") == (Decimal("0.0300"), "UTILITY")
    assert costs.is_dearer("UTILITY", "MARKETING") and not costs.is_dearer("MARKETING", "UTILITY")
    assert not costs.is_dearer("UTILITY", "AUTHENTICATION")  # same price: nothing to accept
