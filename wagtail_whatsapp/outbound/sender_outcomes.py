"""How a running broadcast changes its own status: refused before its first call, paused by its sender (a fault to
fix, or the daily messaging limit until a time), done or failed once nothing is left. Each is one conditional UPDATE
from *sending*, so an editor's pause or cancel committed meanwhile is never overwritten."""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail_whatsapp.models import Broadcast
from wagtail_whatsapp.outbound import delivery_claims as claims
from wagtail_whatsapp.outbound import messaging_limit, template_checks

logger = logging.getLogger(__name__)


def _sending(broadcast_id):
    return Broadcast.objects.filter(pk=broadcast_id, status=Broadcast.Status.SENDING)


def refuse_unfit_template(broadcast):
    """Before the first Graph call: parameters that do not fit the synced template (Meta would refuse each citizen
    with 132000 or 132012) fail the broadcast at once, with the reason. True when refused."""
    found = template_checks.broadcast_problems(broadcast)
    if not found:
        return False
    reason = _("Not sent: the template does not fit this message. %(problems)s") % {"problems": " ".join(found)}
    _sending(broadcast.pk).update(status=Broadcast.Status.FAILED, status_reason=reason, finished_at=timezone.now())
    logger.warning("WhatsApp: broadcast %s refused before sending: %s", broadcast.pk, " ".join(found))
    return True


def pause(broadcast_id, reason):
    _sending(broadcast_id).update(status=Broadcast.Status.PAUSED, status_reason=reason)


def pause_until(broadcast_id, quota, when):
    """Only deliveries due much later are left (the daily messaging limit): pause, and go on by itself then."""
    reason = messaging_limit.pause_reason(quota.limit if quota else None, when)
    _sending(broadcast_id).update(status=Broadcast.Status.PAUSED, status_reason=reason, resume_at=when)
    logger.info("WhatsApp: broadcast %s waits for the messaging limit until %s", broadcast_id, when)


def finish_if_complete(broadcast_id):
    """Done (or failed, when every message failed) once no delivery is pending or under way. True when it finished."""
    if claims.outstanding(broadcast_id):
        return False
    nothing_sent = claims.any_failed(broadcast_id) and not claims.any_sent(broadcast_id)
    status = Broadcast.Status.FAILED if nothing_sent else Broadcast.Status.DONE
    return bool(_sending(broadcast_id).update(status=status, finished_at=timezone.now()))
