"""Italian ships with the package: every translatable string has an Italian translation, compiled and current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "wagtail_whatsapp"
PO = APP / "locale" / "it" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages Django extracts from the current code, in a scratch copy of the app."""
    copy = tmp_path_factory.mktemp("extract") / "wagtail_whatsapp"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    (copy / "locale").mkdir()
    result = subprocess.run(
        # django-admin, not `python -m django`: the app's own numbers.py must not shadow the standard library's.
        [Path(sys.executable).parent / "django-admin", "makemessages", "-l", "it", "--no-wrap"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": f"{REPO}:{REPO / 'example_site'}",
            "PATH": "/usr/bin:/bin",
        },
    )
    assert result.returncode == 0, result.stderr
    return polib.pofile(str(copy / "locale" / "it" / "LC_MESSAGES" / "django.po"))


def translated(entry):
    if entry.obsolete or "fuzzy" in entry.flags:
        return False
    if entry.msgid_plural:
        return all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def test_every_string_in_the_code_has_an_italian_translation(extracted):
    shipped = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(PO)) if translated(e)}
    missing = [e.msgid for e in extracted if (e.msgctxt, e.msgid) not in shipped]
    assert missing == [], f"{len(missing)} strings without Italian: run `make messages` and translate them"


def test_compiled_catalogue_matches_the_po_file():
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO))}
    for entry in polib.pofile(str(PO)):
        if translated(entry) and entry.msgid:
            assert compiled.get((entry.msgctxt, entry.msgid)) == (entry.msgstr, entry.msgstr_plural), entry.msgid


def test_the_plugin_speaks_italian():
    from wagtail_whatsapp.models import Subscriber

    with translation.override("it"):
        assert str(Subscriber._meta.verbose_name_plural) == "iscritti"
        assert str(Subscriber.Status.ACTIVE.label) == "Attivo"


def test_the_admin_renders_in_italian_and_english(admin_client, site):
    italian = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Iscritti" in italian and "Subscribers" not in italian
    english = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Subscribers" in english
