"""The broadcast's Huey task: a queued broadcast is sent by a consumer, once its site's quiet hours are over.

With ``BROADCAST_SENDERS`` above 1 the task asks that many consumers in all to send the broadcast together: each
claims its own deliveries and takes slots of the same shared pace, so together they keep the number's cap busy where
one process could not (a cap of 1,000/s), and never exceed it.

A broadcast holds its Huey worker until it ends, so a consumer runs at most ``BROADCASTS_PER_CONSUMER`` at once: its
other workers stay free for the status webhooks and the replies, which would otherwise wait behind the broadcasts
(ten towns' broadcasts on four consumers once took every worker of two of them). A task that finds no room goes back
to the queue for a few seconds, for a consumer with room or this one later.
"""

import threading

from huey.contrib.djhuey import db_task

from wagtail_whatsapp import conf
from wagtail_whatsapp.outbound.schedule import quiet_hours_delay
from wagtail_whatsapp.outbound.sender import send_broadcast
from wagtail_whatsapp.outbound.urgent import resume_released

NO_ROOM_RETRY_SECONDS = 5
_running = threading.Lock()
_running_count = 0


def _take_room():
    global _running_count  # noqa: PLW0603 - the consumer process's own count of the broadcasts it runs
    with _running:
        if _running_count >= conf.broadcasts_per_consumer():
            return False
        _running_count += 1
        return True


def _give_room_back():
    global _running_count  # noqa: PLW0603
    with _running:
        _running_count -= 1


@db_task()
def send_broadcast_task(broadcast_id, joining=False):
    if not _take_room():
        send_broadcast_task.schedule(args=(broadcast_id,), kwargs={"joining": joining}, delay=NO_ROOM_RETRY_SECONDS)
        return
    try:
        _send_when_allowed(broadcast_id, joining)
    finally:
        _give_room_back()


def _send_when_allowed(broadcast_id, joining):
    delay = quiet_hours_delay(broadcast_id)
    if delay:  # no broadcast starts in the site's quiet hours: come back when they end
        send_broadcast_task.schedule(args=(broadcast_id,), kwargs={"joining": joining}, delay=delay)
        return
    if not joining:
        for _other in range(conf.broadcast_senders() - 1):
            send_broadcast_task(broadcast_id, joining=True)
    send_broadcast(broadcast_id)
    # The broadcasts that paused for this one, if it was urgent and no longer runs, go on now (urgent.py).
    for resumed_id in resume_released():
        send_broadcast_task(resumed_id)
