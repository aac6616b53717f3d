"""Entry points of the real processes used by tests and the benchmark (``python -m tests.process_sender ...``).

- ``send <broadcast_id>``: a consumer sending one broadcast (what the Huey task runs); prints its peak memory.
- ``limiter <seconds> <threads> <output>``: threads taking slots of the shared pace; writes the slot times as JSON.
- ``setup <subscribers> <pages>``: a site, published news pages and subscribers; one queued broadcast per page
  (printed as a JSON list of ids).
- ``relay <file>``: Meta's "sent" status webhooks for the accepted messages in ``file`` (JSON [[callback, wamid]]).
- ``summary <broadcast_id>``: the broadcast's status and its deliveries counted by status, as JSON.
"""

import json
import resource
import sys
import threading
import time


def _setup():
    import django

    django.setup()


def send(broadcast_id):
    import os

    from wagtail_whatsapp.outbound.sender import send_broadcast

    times_file = os.environ.get("WW_SEND_TIMES")
    if times_file:  # the benchmark: when each call left this process, as the sender decided it
        _record_send_times()
    started = time.time()
    finished = send_broadcast(int(broadcast_id))
    if times_file:
        with open(times_file, "w") as handle:
            json.dump(SEND_TIMES, handle)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"finished": finished, "seconds": time.time() - started, "peak_rss_kib": peak_kib}))


SEND_TIMES = []


def _record_send_times():
    from wagtail_whatsapp.backends import cloud

    for name in ("send_text", "send_media", "send_template"):
        original = getattr(cloud.CloudBackend, name)

        def recorded(self, *args, _original=original, **kwargs):
            SEND_TIMES.append(time.time())  # list.append is atomic under the GIL
            return _original(self, *args, **kwargs)

        setattr(cloud.CloudBackend, name, recorded)


def limiter(seconds, threads, output):
    from django.db import connection

    from wagtail_whatsapp.outbound.ratelimit import limiter_for

    deadline = time.time() + float(seconds)
    times, lock = [], threading.Lock()

    def take():
        shared = limiter_for("bench")
        while time.time() < deadline:
            if shared.acquire():
                with lock:
                    times.append(time.time())
        connection.close()

    pool = [threading.Thread(target=take) for _ in range(int(threads))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    with open(output, "w") as handle:
        json.dump(times, handle)


def setup(subscriber_count, page_count):
    from django.db import transaction
    from wagtail.models import Page, Site

    from tests.broadcasting import news_page, subscribers
    from town.models import HomePage
    from wagtail_whatsapp.outbound.broadcasts import start_broadcast

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Comune di Esempio", slug="comune"))
    Site.objects.all().delete()
    site = Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    subscribers(site, int(subscriber_count), in_window=int(subscriber_count))
    ids = []
    for n in range(int(page_count)):
        with transaction.atomic():
            ids.append(start_broadcast(news_page(site, title=f"Notizia {n}")).pk)
    print(json.dumps(ids))


def relay(path):
    from tests.status_relay import deliver_sent_statuses

    with open(path) as handle:
        deliver_sent_statuses([tuple(pair) for pair in json.load(handle)])


def summary(broadcast_id):
    from django.db.models import Count

    from wagtail_whatsapp.models import Broadcast, Delivery

    broadcast = Broadcast.objects.get(pk=int(broadcast_id))
    counts = dict(Delivery.objects.filter(broadcast=broadcast).values_list("status").annotate(n=Count("pk")))
    print(json.dumps({"status": broadcast.status, "reason": broadcast.status_reason, "deliveries": counts}))


if __name__ == "__main__":
    _setup()
    command, *arguments = sys.argv[1:]
    commands = {"send": send, "limiter": limiter, "setup": setup, "relay": relay, "summary": summary}
    commands[command](*arguments)
