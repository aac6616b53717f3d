"""The scale path for real: broadcasts sent by TWO Huey consumer processes (`manage.py run_huey` of the example site,
RedisHuey, PostgreSQL) to the fake Graph API running as its own process.

Run by `make test-scale` (tests/services/run-scale.sh starts PostgreSQL and Redis); skipped without HUEY_REDIS_URL.
What a town would notice: together the consumers never go over the rate cap in any one-second window (the fake,
like Meta, would refuse with 130429), and nobody receives the same page twice.
"""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.broadcasting import news_page, subscribers

# Transactional (the consumers are other processes); the rollback restores the root page the migrations made, which the
# flush after each test removes.
pytestmark = [pytest.mark.scale, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REPO = Path(__file__).resolve().parent.parent
MANAGE = REPO / "example_site" / "manage.py"
CAP = 25  # messages per second for the two consumers together: low, so the run is short and the cap is what limits
SUBSCRIBERS = 250  # per page; the first half wrote in the last 24 hours (free-form text), the rest get the template
PAGES = 2  # one broadcast each: a consumer with one worker sends one at a time, so both consumers are needed


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (the local fake)
        return json.load(answer)


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def stop(process, signum=signal.SIGINT, timeout=30):
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def fake_graph_process():
    """``python -m tests.fake_graph`` on an ephemeral port: 50 ms per call, 130429 above the cap as Meta answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_graph", "--port", "0", "--latency", "0.05", "--rate-limit", str(CAP)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip().removeprefix("FAKE_GRAPH_URL=")
        token = process.stdout.readline().strip().removeprefix("FAKE_GRAPH_TOKEN=")
        assert url.startswith("http://127.0.0.1:"), url
        yield url, token
    finally:
        stop(process, signal.SIGTERM)


@pytest.fixture
def consumer_env(transactional_db, fake_graph_process, tmp_path):
    """The example site's environment for the subprocesses: this test's PostgreSQL database, Redis, the fake."""
    from django.db import connection
    from huey import RedisHuey

    url, token = fake_graph_process
    database_url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "DJANGO_", "DATABASE_"))}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "esempio.settings",
        "PYTHONPATH": str(REPO),  # this checkout's plugin, whatever the virtualenv has installed
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "EXAMPLE_SITE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "HUEY_REDIS_URL": os.environ["HUEY_REDIS_URL"],
        # Pooled as docs/operations.md advises for many towns: fewer connections than sending threads, so a thread
        # that kept its connection while waiting for Meta would starve the others (and the broadcast would stall).
        "DATABASE_POOL_SIZE": "3",
        "WHATSAPP_BACKEND": "cloud",
        "WHATSAPP_API_BASE_URL": url,
        "WHATSAPP_ACCESS_TOKEN": token,
        "WHATSAPP_APP_SECRET": "scale-app-secret",
        "WHATSAPP_VERIFY_TOKEN": "scale-verify-token",
        "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
        "WHATSAPP_WABA_ID": "102290129340398",
        "WHATSAPP_MESSAGES_PER_SECOND": str(CAP),
        "PYTHONUNBUFFERED": "1",
    }
    # A queue left over from an earlier run must not send anything into this one.
    RedisHuey("wagtail_whatsapp_example", url=os.environ["HUEY_REDIS_URL"]).flush()
    return env


@pytest.fixture
def consumers(consumer_env, tmp_path):
    """Two `run_huey` processes with one worker each; their logs are returned for the checks."""
    yield from run_consumers(consumer_env, [tmp_path / f"consumer-{n}.log" for n in (1, 2)], "--workers", "1")


@pytest.fixture
def process_workers(consumer_env, tmp_path):
    """One `run_huey` whose two workers are processes forked from it (docs/operations.md, a high cap)."""
    yield from run_consumers(consumer_env, [tmp_path / "consumer.log"], "--workers", "2", "--worker-type", "process")


def run_consumers(consumer_env, logs, *options):
    processes = []
    try:
        for log in logs:
            with open(log, "w") as output:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, str(MANAGE), "run_huey", *options],
                        cwd=REPO,
                        env=consumer_env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.time() + 90
        while not all("consumer started" in log.read_text().lower() for log in logs):
            assert time.time() < deadline, "\n".join(log.read_text() for log in logs)
            assert all(process.poll() is None for process in processes), "\n".join(log.read_text() for log in logs)
            time.sleep(0.2)
        yield logs
    finally:
        for process in processes:
            stop(process)


def test_two_consumers_share_the_cap_and_nobody_gets_a_page_twice(site, consumers, consumer_env, fake_graph_process):
    pages = send_pages_and_wait(site, consumer_env)
    # Both consumer processes sent a broadcast, at the same time.
    for log in [log.read_text() for log in consumers]:
        assert len(re.findall(r"Executing wagtail_whatsapp\.outbound\.queue\.send_broadcast_task", log)) >= 1, log
    check_sent_once_within_the_cap(fake_graph_process, pages)


def test_forked_worker_processes_share_the_cap_and_nobody_gets_a_page_twice(
    site, process_workers, consumer_env, fake_graph_process
):
    """The consumer used the database (its system checks) before forking its workers: each worker must still talk
    to PostgreSQL on a connection of its own (``wagtail_whatsapp/forking.py``), or their answers would mix."""
    pages = send_pages_and_wait(site, consumer_env)
    [log] = [log.read_text() for log in process_workers]
    senders = re.findall(r":(\d+):Executing wagtail_whatsapp\.outbound\.queue\.send_broadcast_task", log)
    assert len(set(senders)) == PAGES, log  # each broadcast from its own worker process
    assert "Traceback" not in log, log
    check_sent_once_within_the_cap(fake_graph_process, pages)


def send_pages_and_wait(site, consumer_env):
    from wagtail_whatsapp.models import Broadcast, MessageTemplate, WhatsAppSettings

    # The town's templates come from its account, as in production (the consumers also sync them every hour).
    manage(consumer_env, "whatsapp_sync_templates")
    whatsapp = WhatsAppSettings.for_site(site)
    whatsapp.text_template = MessageTemplate.objects.get(name="allerta_meteo", status="APPROVED")
    whatsapp.template_parameter_mapping = "1 = title"
    whatsapp.save()
    subscribers(site, SUBSCRIBERS, in_window=SUBSCRIBERS // 2)
    pages = [news_page(site, title=f"Avviso numero {n}") for n in range(PAGES)]

    # The editor's "Send via WhatsApp" from a shell: each command only queues its broadcast in Redis.
    for page in pages:
        manage(consumer_env, "whatsapp_broadcast", str(page.pk), "--yes")

    deadline = time.time() + 60 + PAGES * SUBSCRIBERS / CAP
    while Broadcast.objects.filter(status=Broadcast.Status.DONE).count() < PAGES:
        assert time.time() < deadline, [(b.status, b.sent_count) for b in Broadcast.objects.all()]
        assert not Broadcast.objects.filter(status__in=["paused", "failed", "cancelled"]).exists()
        time.sleep(0.5)

    return pages


def check_sent_once_within_the_cap(fake_graph_process, pages):
    from wagtail_whatsapp.models import Broadcast

    url, _ = fake_graph_process
    accepted, stats = get_json(f"{url}/_fake/accepted"), get_json(f"{url}/_fake/stats")
    by_page = {page.pk: [a for a in accepted if page_of(a, pages) == page.pk] for page in pages}
    first_ends = min(max(a["at"] for a in sent) for sent in by_page.values())
    last_starts = max(min(a["at"] for a in sent) for sent in by_page.values())
    assert last_starts < first_ends, "the two broadcasts did not overlap: one consumer sent both"

    # Every subscriber received each page exactly once.
    assert len(accepted) == PAGES * SUBSCRIBERS
    for sent in by_page.values():
        per_number = Counter(a["to"] for a in sent)
        assert len(per_number) == SUBSCRIBERS and set(per_number.values()) == {1}
    assert stats["duplicates"] == 0

    # Together they never went over the cap in any one-second window, and nothing was refused for going over it.
    assert stats["max_in_any_second"] <= CAP, stats["per_second"]
    assert stats["errors"] == {}
    for broadcast in Broadcast.objects.all():
        assert (broadcast.sent_count, broadcast.failed_count) == (SUBSCRIBERS, 0)


def page_of(accepted, pages):
    """Which page a message carries: its title, in the text or in the template's first parameter."""
    text = json.dumps(accepted["body"], ensure_ascii=False)
    [page_pk] = [page.pk for page in pages if page.title in text]
    return page_pk
