"""Meta's whole side for a benchmark: the fake Graph API that also calls back with signed, batched status webhooks.

For every accepted message Meta sends three statuses (sent, delivered, read), with our ``biz_opaque_callback_data``
and its ``pricing``, batched into POSTs of up to ``--batch`` statuses, signed with the app secret
(``X-Hub-Signature-256``), to the site's webhook. They leave ``--delays`` seconds after the message was accepted; a
few sending threads post them, as Meta's webhook senders do. Same command line as ``bench/fake_graph_arrivals.py``,
plus::

    --webhook-url http://127.0.0.1:PORT/whatsapp/webhook/ --app-secret S [--delays 0.5,1.0,2.0] [--batch 100]

``GET /_fake/stats`` adds ``webhook_posts``, ``webhook_statuses``, ``webhook_failures`` and, per phone number id,
``per_number`` (accepted count, messages/s, the most in any second as arrived).
"""

import argparse
import gc
import hashlib
import heapq
import hmac
import http.client
import json
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fake_graph_arrivals import ArrivalFakeGraph, max_in_any_window  # noqa: E402
from tests.fake_graph import cli  # noqa: E402

KINDS = ("sent", "delivered", "read")
PRICING = {"billable": True, "pricing_model": "PMP", "category": "marketing", "type": "regular"}


class StatusCaller:
    """Posts the statuses of accepted messages back to the webhook, batched and signed."""

    def __init__(self, url, secret, delays, batch, senders=4, tick=0.2):
        self.url, self.secret, self.delays, self.batch, self.tick = urlsplit(url), secret.encode(), delays, batch, tick
        self.due = []  # heap of (due time, sequence, number id, status dict)
        self.sequence = 0
        self.lock = threading.Lock()
        self.posts = self.statuses = self.failures = 0
        self.outbox = []
        self.outbox_ready = threading.Condition()
        for _ in range(senders):
            threading.Thread(target=self._post_loop, daemon=True).start()
        threading.Thread(target=self._batch_loop, daemon=True).start()

    def accepted(self, number_id, to, wamid, callback_data, at):
        with self.lock:
            for kind, delay in zip(KINDS, self.delays, strict=True):
                status = {
                    "id": wamid,
                    "status": kind,
                    "timestamp": str(int(at + delay)),
                    "recipient_id": to,
                    "biz_opaque_callback_data": callback_data,
                    "pricing": PRICING,
                }
                self.sequence += 1
                heapq.heappush(self.due, (at + delay, self.sequence, number_id, status))

    def _batch_loop(self):
        while True:
            time.sleep(self.tick)
            now = time.time()
            by_number = defaultdict(list)
            with self.lock:
                while self.due and self.due[0][0] <= now:
                    _due, _seq, number_id, status = heapq.heappop(self.due)
                    by_number[number_id].append(status)
            posts = []
            for number_id, statuses in by_number.items():
                for start in range(0, len(statuses), self.batch):
                    posts.append(envelope(number_id, statuses[start : start + self.batch]))
            if posts:
                with self.outbox_ready:
                    self.outbox.extend(posts)
                    self.outbox_ready.notify_all()

    def _post_loop(self):
        connection = None
        while True:
            with self.outbox_ready:
                while not self.outbox:
                    self.outbox_ready.wait()
                payload = self.outbox.pop(0)
            body = json.dumps(payload, separators=(",", ":")).encode()
            signature = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
            headers["X-Forwarded-Proto"] = "https"  # as the TLS proxy in front of gunicorn sets it
            count = len(payload["entry"][0]["changes"][0]["value"]["statuses"])
            for _attempt in range(5):  # Meta retries a webhook that did not answer 200
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
                    connection.request("POST", self.url.path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    if response.status == 200:
                        with self.lock:
                            self.posts += 1
                            self.statuses += count
                        break
                except (OSError, http.client.HTTPException):
                    connection = None
                with self.lock:
                    self.failures += 1
                time.sleep(0.5)

    def stats(self):
        with self.lock:
            return {
                "webhook_posts": self.posts,
                "webhook_statuses": self.statuses,
                "webhook_failures": self.failures,
                "webhook_waiting": len(self.due) + len(self.outbox),
            }


def envelope(number_id, statuses):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "390351234567", "phone_number_id": number_id},
        "statuses": statuses,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "2", "changes": [{"value": value, "field": "messages"}]}],
    }


class FakeMeta(ArrivalFakeGraph):
    caller = None  # set by main()

    def reset(self):
        super().reset()
        self.numbers = {}  # wamid → phone number id of the accepted message
        self.resets = getattr(self, "resets", -1) + 1

    def _next_wamid(self):
        # reset() restarts the fake's ids; Meta's wamids never repeat, and the site stores a status once per wamid.
        return super()._next_wamid() + f"R{self.resets}"

    def handle(self, method, path, query, headers, body, arrived=None):
        status, payload = super().handle(method, path, query, headers, body, arrived)
        if status == 200 and isinstance(payload, dict) and payload.get("messages") and method == "POST":
            wamid = payload["messages"][0]["id"]
            number_id = [part for part in path.split("/") if part][1]
            accepted = next((a for a in reversed(self.accepted[-200:]) if a.wamid == wamid), None)
            if accepted is not None:
                with self.lock:
                    self.numbers[wamid] = number_id
                if self.caller is not None:
                    callback = accepted.body.get("biz_opaque_callback_data", "")
                    self.caller.accepted(number_id, accepted.to, wamid, callback, accepted.at)
        return status, payload

    def stats(self):
        stats = super().stats()
        arrived = {id(request.json): request.at for request in list(self.requests) if request.json is not None}
        per_number = defaultdict(list)
        for accepted in list(self.accepted):
            if id(accepted.body) in arrived:
                per_number[self.numbers.get(accepted.wamid, "?")].append(arrived[id(accepted.body)])
        stats["per_number"] = {}
        for number_id, times in per_number.items():
            times.sort()
            span = times[-1] - times[0] if len(times) > 1 else 0.0
            stats["per_number"][number_id] = {
                "accepted": len(times),
                "messages_per_second": round((len(times) - 1) / span, 2) if span else float(len(times)),
                "max_in_any_second": max_in_any_window(times),
            }
        if self.caller is not None:
            stats.update(self.caller.stats())
        return stats


def main():
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--app-secret", default="")
    parser.add_argument("--delays", default="0.5,1.0,2.0")
    parser.add_argument("--batch", type=int, default=100)
    ours, rest = parser.parse_known_args()
    if ours.webhook_url:
        delays = [float(value) for value in ours.delays.split(",")]
        FakeMeta.caller = StatusCaller(ours.webhook_url, ours.app_secret, delays, ours.batch)
    gc.disable()  # see bench/fake_graph_arrivals.py
    cli.FakeGraph = FakeMeta
    cli.main(rest)


if __name__ == "__main__":
    main()
