"""The package as the index carries it: a wheel with every file, complete metadata, an sdist built without warnings.

Installing the wheel into a brand-new `wagtail start` project, as the docs tell, is tests/test_new_project.py."""

import email.parser
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.checkout_builds import build

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "wagtail_whatsapp"
MATRIX = REPO / ".ci" / "test-matrix"

pytestmark = pytest.mark.slow


def shipped_files():
    """Every non-Python file the app needs at run time, plus its migrations."""
    wanted = []
    for folder, patterns in (("templates", ["*"]), ("static", ["*"]), ("locale", ["*.po", "*.mo"])):
        for pattern in patterns:
            wanted += [p for p in (APP / folder).rglob(pattern) if p.is_file()]
    wanted += list((APP / "migrations").glob("*.py"))
    return sorted({str(p.relative_to(REPO)) for p in wanted if "__pycache__" not in p.parts})


def test_wheel_contains_templates_static_files_locale_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = shipped_files()
    assert any(name.endswith("0001_initial.py") for name in expected)
    missing = [name for name in expected if name not in names]
    assert missing == []
    assert "wagtail_whatsapp/apps.py" in names
    assert not [n for n in names if n.startswith(("tests/", "example_site/", "bench/"))]


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def matrix_cells():
    """(python, Django, Wagtail, Huey) of every cell of .ci/test-matrix, e.g. ("3.11", "5.2", "7.3", "2.5")."""
    rows = re.findall(
        r'^  "\w[\w.]*\s+(\d\.\d+)\s+([\d.]+)\.\*\s+([\d.]+)\.\*\s+([\d.]+)\.\*"$', MATRIX.read_text(), re.M
    )
    assert rows, "no cell found in .ci/test-matrix"
    return rows


def test_wheel_metadata_is_complete_and_true_to_the_tested_versions(wheel):
    metadata = wheel_metadata(wheel)
    assert metadata["License-Expression"] == "BSD-3-Clause"
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL"))
    assert set(urls) == {"Documentation", "Source", "Issues", "Changelog"}
    assert all(url.startswith(urls["Source"]) and "example" not in url for url in urls.values())
    assert "example.invalid" not in metadata["Home-page"]
    # An extra only the example site (not in the wheel) would use is no extra at all.
    assert "example" not in metadata.get_all("Provides-Extra")
    assert "setuptools>=77" in " ".join(metadata.get_all("Requires-Dist"))

    classifiers = set(metadata.get_all("Classifier"))
    tested_pythons = {python for python, _, _, _ in matrix_cells()}
    tested_djangos = {django for _, django, _, _ in matrix_cells()}
    tested_wagtails = {wagtail.split(".")[0] for _, _, wagtail, _ in matrix_cells()}
    claimed = {c.rsplit(" :: ", 1)[1] for c in classifiers if re.match(r"Programming Language :: Python :: 3\.\d+$", c)}
    assert claimed == tested_pythons
    assert {c.rsplit(" :: ", 1)[1] for c in classifiers if re.match(r"Framework :: Django :: \d", c)} == tested_djangos
    assert {
        c.rsplit(" :: ", 1)[1] for c in classifiers if re.match(r"Framework :: Wagtail :: \d", c)
    } == tested_wagtails
    requires = {r.split(";")[0].replace(" ", "") for r in metadata.get_all("Requires-Dist")}
    newest_django = max(tested_djangos, key=lambda v: tuple(map(int, v.split("."))))
    major, minor = map(int, newest_django.split("."))
    assert f"Django<{major}.{minor + 1},>=5.2" in requires  # the pin stops where the matrix stops
    oldest_wagtail = min((w for _, _, w, _ in matrix_cells()), key=lambda v: tuple(map(int, v.split("."))))
    assert any(r.startswith("wagtail<9,>=" + oldest_wagtail) for r in requires)
    oldest_huey = min((h for _, _, _, h in matrix_cells()), key=lambda v: tuple(map(int, v.split("."))))
    assert f"huey>={oldest_huey}" in requires  # the floor is tested too


def test_sdist_builds_without_warnings_and_ships_no_half_test_suite(tmp_path):
    out = tmp_path / "dist"
    built = build("--sdist", out)
    manifest_warnings = re.findall(
        r"^warning: no (?:previously-included )?files .*$", built.stdout + built.stderr, re.M
    )
    assert manifest_warnings == []
    (sdist,) = out.glob("wagtail_whatsapp-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    # The test suite needs the checkout (conftest, settings, fixtures, the example site): the sdist carries none of it.
    assert not [n for n in names if n.startswith(("tests/", "example_site/", "bench/"))]
    assert {"README.md", "LICENSE", "CHANGELOG.md", "docs/installation.md", "docs/snippets/settings.py"} <= names
    assert [name for name in shipped_files() if name not in names] == []
