"""Italian ships with the package: every translatable string has an Italian translation, compiled and current."""

import re
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


def plural_forms(catalogue):
    """How many plural forms the catalogue's language has (Italian: 2), from its Plural-Forms header."""
    return int(re.search(r"nplurals\s*=\s*(\d+)", catalogue.metadata["Plural-Forms"]).group(1))


def translated(entry, forms):
    if entry.obsolete or "fuzzy" in entry.flags:
        return False
    if entry.msgid_plural:
        # Every form filled: "1 iscritto" and "2 iscritti" are two translations, and a missing one shows English.
        return sorted(entry.msgstr_plural) == list(range(forms)) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def untranslated(extracted, shipped_catalogue):
    """The extracted messages the shipped catalogue does not translate: missing, fuzzy, empty, a plural form left
    empty, or a plural message shipped as a singular one (or with another plural)."""
    forms = plural_forms(shipped_catalogue)
    shipped = {(e.msgctxt, e.msgid): e for e in shipped_catalogue if translated(e, forms)}
    return [
        e.msgid
        for e in extracted
        if (e.msgctxt, e.msgid) not in shipped or shipped[(e.msgctxt, e.msgid)].msgid_plural != e.msgid_plural
    ]


def test_every_string_in_the_code_has_an_italian_translation(extracted):
    missing = untranslated(extracted, polib.pofile(str(PO)))
    assert missing == [], f"{len(missing)} strings without Italian: {missing[:10]}"


def test_a_plural_with_an_empty_form_counts_as_untranslated(tmp_path):
    header = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
    )
    code = polib.POFile()
    code.append(polib.POEntry(msgid="%(n)s subscriber", msgid_plural="%(n)s subscribers", msgstr_plural={0: "", 1: ""}))
    code.append(polib.POEntry(msgid="Read"))
    for body, expected in [
        # both forms: translated
        (
            'msgid "%(n)s subscriber"\nmsgid_plural "%(n)s subscribers"\nmsgstr[0] "%(n)s iscritto"\n'
            'msgstr[1] "%(n)s iscritti"\nmsgid "Read"\nmsgstr "Letto"\n',
            [],
        ),
        # the plural form left empty
        (
            'msgid "%(n)s subscriber"\nmsgid_plural "%(n)s subscribers"\nmsgstr[0] "%(n)s iscritto"\n'
            'msgstr[1] ""\nmsgid "Read"\nmsgstr "Letto"\n',
            ["%(n)s subscriber"],
        ),
        # only one form written at all
        (
            'msgid "%(n)s subscriber"\nmsgid_plural "%(n)s subscribers"\nmsgstr[0] "%(n)s iscritto"\n'
            'msgid "Read"\nmsgstr "Letto"\n',
            ["%(n)s subscriber"],
        ),
        # shipped as a singular message: ngettext would fall back to English
        ('msgid "%(n)s subscriber"\nmsgstr "%(n)s iscritti"\nmsgid "Read"\nmsgstr ""\n', ["%(n)s subscriber", "Read"]),
    ]:
        po = tmp_path / "django.po"
        po.write_text(header + "\n" + body.replace('\nmsgid "Read', '\n\nmsgid "Read'), encoding="utf-8")
        assert untranslated(code, polib.pofile(str(po))) == expected, body


def test_compiled_catalogue_matches_the_po_file():
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO))}
    catalogue = polib.pofile(str(PO))
    for entry in catalogue:
        if translated(entry, plural_forms(catalogue)) and entry.msgid:
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
