"""The broadcast's Huey task: a queued broadcast is sent by a consumer, once its site's quiet hours are over.

With ``BROADCAST_SENDERS`` above 1 the task asks that many consumers in all to send the broadcast together: each
claims its own deliveries and takes slots of the same shared pace, so together they keep the number's cap busy where
one process could not (a cap of 1,000/s), and never exceed it.
"""

from huey.contrib.djhuey import db_task

from wagtail_whatsapp import conf
from wagtail_whatsapp.outbound.schedule import quiet_hours_delay
from wagtail_whatsapp.outbound.sender import send_broadcast


@db_task()
def send_broadcast_task(broadcast_id, joining=False):
    delay = quiet_hours_delay(broadcast_id)
    if delay:  # no broadcast starts in the site's quiet hours: come back when they end
        send_broadcast_task.schedule(args=(broadcast_id,), kwargs={"joining": joining}, delay=delay)
        return
    if not joining:
        for _other in range(conf.broadcast_senders() - 1):
            send_broadcast_task(broadcast_id, joining=True)
    send_broadcast(broadcast_id)
