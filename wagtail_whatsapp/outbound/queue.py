"""The broadcast's Huey task: a queued broadcast is sent by a consumer, once its site's quiet hours are over."""

from huey.contrib.djhuey import db_task

from wagtail_whatsapp.outbound.schedule import quiet_hours_delay
from wagtail_whatsapp.outbound.sender import send_broadcast


@db_task()
def send_broadcast_task(broadcast_id):
    delay = quiet_hours_delay(broadcast_id)
    if delay:  # no broadcast starts in the site's quiet hours: come back when they end
        send_broadcast_task.schedule(args=(broadcast_id,), delay=delay)
        return
    send_broadcast(broadcast_id)
