"""`python -m build` on this checkout, one build at a time, and the wheel built once per test run.

A build without isolation writes ``build/`` and the egg-info into the checkout, so two pytest-xdist workers building
at once break each other's build: a lock file beside the system's temporary files keeps them in turn (pytest-xdist's
``--dist loadgroup`` would keep the tests on one worker, but does not group under pytest 9).
"""

import hashlib
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no xdist workers building side by side to keep apart there (`make test` is Unix's)
    fcntl = None

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def checkout_lock():
    name = "wagtail-whatsapp-build-" + hashlib.sha256(str(REPO).encode()).hexdigest()[:12] + ".lock"
    with open(Path(tempfile.gettempdir()) / name, "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build(kind, outdir):
    """Build ``--wheel`` or ``--sdist`` into outdir; the finished process (stdout and stderr as text)."""
    with checkout_lock():
        return _build(kind, outdir)


def _build(kind, outdir):
    return subprocess.run(
        [sys.executable, "-m", "build", kind, "--no-isolation", "--outdir", str(outdir), str(REPO)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )


def shared_wheel(tmp_path_factory):
    """The wheel, built by the first worker that asks and reused by the others (their temp dirs share a parent)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    out = root / "wheel"
    with checkout_lock():
        if not any(out.glob("wagtail_whatsapp-*.whl")):
            _build("--wheel", out)
    (path,) = out.glob("wagtail_whatsapp-*.whl")
    return path
