"""Run real processes (consumers, senders) on a file SQLite database: for crash, multi-process and bench runs."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def process_env(db_path, whatsapp=None, **extra):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.process_settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "example_site"), str(ROOT)]),
            "WW_DB_PATH": str(db_path),
            "WW_WHATSAPP": json.dumps(whatsapp or {}),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def run(args, db_path, whatsapp=None, timeout=600, **extra):
    """Run ``python <args>`` in the repository with the process settings; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=process_env(db_path, whatsapp, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def migrated_database(directory):
    """A migrated database file in ``directory`` (migrations run once; later calls copy the first result)."""
    directory = Path(directory)
    template = directory / "template.sqlite3"
    if not template.exists():
        result = run(["example_site/manage.py", "migrate", "--noinput", "-v0"], template)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
    return template


def copy_database(template, target):
    shutil.copy(template, target)
    return Path(target)


def django_setup(db_path, whatsapp=None):
    """Point this process at ``db_path`` (used by scripts that drive the database directly, like the benchmark)."""
    os.environ.update(process_env(db_path, whatsapp))
    for path in (str(ROOT / "example_site"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
