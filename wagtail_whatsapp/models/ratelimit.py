from django.db import models


class RateLimitBucket(models.Model):
    """The shared sending pace of one phone number, in the database so every consumer process shares it.

    ``next_slot_at`` is the (Unix) time of the next free sending slot; see ``wagtail_whatsapp.outbound.ratelimit``.
    """

    key = models.CharField(max_length=128, unique=True)
    next_slot_at = models.FloatField(default=0.0)
    # After a 130429 from Meta every sender slows down until this time.
    slow_until = models.FloatField(default=0.0)

    class Meta:
        verbose_name = "rate limit bucket"

    def __str__(self):
        return self.key
