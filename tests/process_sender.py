"""Entry points of the real processes used by tests and the benchmark (``python -m tests.process_sender ...``).

- ``send <broadcast_id>``: a consumer sending one broadcast (what the Huey task runs); prints its peak memory.
- ``limiter <seconds> <threads> <output>``: threads taking slots of the shared pace; writes the slot times as JSON.
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
    from wagtail_whatsapp.sending import send_broadcast

    started = time.time()
    finished = send_broadcast(int(broadcast_id))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"finished": finished, "seconds": time.time() - started, "peak_rss_kib": peak_kib}))


def limiter(seconds, threads, output):
    from django.db import connection

    from wagtail_whatsapp.ratelimit import limiter_for

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


if __name__ == "__main__":
    _setup()
    command, *arguments = sys.argv[1:]
    {"send": send, "limiter": limiter}[command](*arguments)
