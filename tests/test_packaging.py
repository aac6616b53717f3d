"""The package as a town installs it: a wheel with every file, installable into a brand-new Wagtail project."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "wagtail_whatsapp"

pytestmark = pytest.mark.slow


# The new project must not see this test run's settings module.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}


def run(*args, **kwargs):
    kwargs.setdefault("env", CLEAN_ENV)
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, REPO, cwd=REPO)
    (path,) = out.glob("wagtail_whatsapp-*.whl")
    return path


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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PROJECT_SETTINGS = """

INSTALLED_APPS += [
    "wagtail_whatsapp",
    "wagtail.contrib.settings",
    "wagtail_modeladmin",
    "huey.contrib.djhuey",
]
WAGTAIL_WHATSAPP = {
    "BACKEND": "sandbox",
    "APP_SECRET": "installed-from-wheel",
    "VERIFY_TOKEN": "installed-from-wheel",
}
HUEY = {"huey_class": "huey.SqliteHuey", "filename": str(BASE_DIR / "huey.sqlite3"), "immediate": False}
"""


def test_wheel_installs_into_a_new_wagtail_project_and_serves_pages(wheel, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--disable-pip-version-check", "-q", wheel)
    project = tmp_path / "townsite"
    project.mkdir()
    run(venv / "bin" / "wagtail", "start", "townsite", project)
    with open(project / "townsite" / "settings" / "base.py", "a") as settings:
        settings.write(PROJECT_SETTINGS)
    urls = project / "townsite" / "urls.py"
    text = urls.read_text()
    text = re.sub(
        r"(urlpatterns = urlpatterns \+ \[)",
        '\\1\n    path("whatsapp/", include("wagtail_whatsapp.urls")),',
        text,
        count=1,
    )
    assert 'include("wagtail_whatsapp.urls")' in text
    urls.write_text(text)

    env = CLEAN_ENV
    run(python, "manage.py", "check", cwd=project, env=env)
    run(python, "manage.py", "migrate", "--noinput", cwd=project, env=env)
    shown = run(python, "manage.py", "showmigrations", "wagtail_whatsapp", cwd=project, env=env).stdout
    assert "[X] 0001_initial" in shown

    port = free_port()
    server = subprocess.Popen(
        [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200
                    assert b"Welcome to your new Wagtail site" in response.read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=5) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
