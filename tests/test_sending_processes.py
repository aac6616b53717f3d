"""Real consumer processes on a file SQLite database against the fake Graph API: a SIGKILL, two consumers at once."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.process_site import ROOT, process_env, run
from tests.status_relay import accepted_callbacks

pytestmark = pytest.mark.slow


def whatsapp_settings(fake, cap, **extra):
    return {
        "BACKEND": "cloud",
        "API_BASE_URL": fake.url,
        "ACCESS_TOKEN": fake.token,
        "MESSAGES_PER_SECOND": cap,
        "DELIVERY_STATUS_GRACE_SECONDS": 1,
        "READ_TIMEOUT": 5.0,
        **extra,
    }


def setup(db, whatsapp, subscribers, pages):
    result = run(["-m", "tests.process_sender", "setup", str(subscribers), str(pages)], db, whatsapp)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def consumer(db, whatsapp, broadcast_id):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.process_sender", "send", str(broadcast_id)],
        cwd=ROOT,
        env=process_env(db, whatsapp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def summary(db, whatsapp, broadcast_id):
    result = run(["-m", "tests.process_sender", "summary", str(broadcast_id)], db, whatsapp)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_sigkilled_consumer_resumes_with_no_duplicate(fake_graph, process_database, tmp_path):
    fake_graph.latency = 0.05
    whatsapp = whatsapp_settings(fake_graph, cap=100)
    [broadcast_id] = setup(process_database, whatsapp, subscribers=300, pages=1)

    first = consumer(process_database, whatsapp, broadcast_id)
    deadline = time.time() + 60
    while len(fake_graph.accepted) < 80 and time.time() < deadline and first.poll() is None:
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    time.sleep(0.2)  # requests already on the wire reach the fake: Meta accepted them, the consumer never knew
    after_crash = summary(process_database, whatsapp, broadcast_id)
    assert after_crash["status"] == "sending"
    assert after_crash["deliveries"].get("sending", 0) > 0  # in flight or claimed at the crash: in doubt
    sent_before_restart = len(fake_graph.accepted)
    assert 80 <= sent_before_restart < 300

    # Meta's "sent" webhooks for what it accepted arrive (with our biz_opaque_callback_data).
    relay_file = tmp_path / "statuses.json"
    relay_file.write_text(json.dumps(accepted_callbacks(fake_graph)))
    relay = run(["-m", "tests.process_sender", "relay", str(relay_file)], process_database, whatsapp)
    assert relay.returncode == 0, relay.stderr

    second = consumer(process_database, whatsapp, broadcast_id)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["finished"] is True

    per_number = Counter(accepted.to for accepted in fake_graph.accepted)
    assert len(per_number) == 300 and set(per_number.values()) == {1}
    final = summary(process_database, whatsapp, broadcast_id)
    assert final["status"] == "done" and final["deliveries"] == {"sent": 300}


def test_two_consumers_together_never_exceed_the_cap(fake_graph, process_database):
    cap = 40
    fake_graph.latency = 0.05
    fake_graph.rate_limit_per_second = cap  # the fake answers 130429 above the cap, as Meta would
    whatsapp = whatsapp_settings(fake_graph, cap=cap)
    broadcasts = setup(process_database, whatsapp, subscribers=150, pages=2)

    consumers = [consumer(process_database, whatsapp, broadcast_id) for broadcast_id in broadcasts]
    for process in consumers:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err

    assert len(fake_graph.accepted) == 300 and fake_graph.duplicates() == {}
    assert fake_graph.errors[130429] == 0
    assert fake_graph.max_in_any_window(1.0) <= cap
    for broadcast_id in broadcasts:
        assert summary(process_database, whatsapp, broadcast_id)["status"] == "done"


def test_two_consumers_send_one_broadcast_together_with_no_duplicate(fake_graph, process_database):
    """``BROADCAST_SENDERS`` = 2: two consumers join the same broadcast, share its deliveries and its cap."""
    cap = 40
    fake_graph.latency = 0.05
    fake_graph.rate_limit_per_second = cap
    whatsapp = whatsapp_settings(fake_graph, cap=cap, BROADCAST_SENDERS=2)
    [broadcast_id] = setup(process_database, whatsapp, subscribers=200, pages=1)

    consumers = [consumer(process_database, whatsapp, broadcast_id) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in consumers]
    assert all(process.returncode == 0 for process in consumers), [err for _out, err in outputs]

    assert len(fake_graph.accepted) == 200 and fake_graph.duplicates() == {}
    assert fake_graph.errors[130429] == 0 and fake_graph.max_in_any_window(1.0) <= cap
    assert summary(process_database, whatsapp, broadcast_id) == {
        "status": "done",
        "reason": "",
        "deliveries": {"sent": 200},
    }
    # Both ran on it to the end, and exactly one of them closed it.
    finished = [json.loads(out.strip().splitlines()[-1])["finished"] for out, _err in outputs]
    assert sorted(finished) == [False, True]
