"""The form of Settings → WhatsApp: Wagtail's, with the inline lists' management data checked against what was sent.

modelcluster builds an inline list's existing rows from ``<prefix>-INITIAL_FORMS`` and reads each one's id without
checking it is there: a tampered POST claiming more existing rows than it sends ids for (a bot, a broken proxy) was a
500. The claim is cut to the ids actually sent; Django's formset then reports anything else wrong as a form error.
"""

from wagtail.admin.forms import WagtailAdminModelForm


def with_sent_initial_counts(data, prefixes):
    """``data`` with each prefix's INITIAL_FORMS no larger than the run of row ids sent from row 0."""
    data = data.copy()
    for prefix in prefixes:
        key = f"{prefix}-INITIAL_FORMS"
        try:
            claimed = int(data.get(key, ""))
        except (TypeError, ValueError):
            continue  # not a number: Django's management form refuses it with a message
        sent = 0
        while sent < claimed and f"{prefix}-{sent}-id" in data:
            sent += 1
        data[key] = str(sent)
    return data


class WhatsAppSettingsForm(WagtailAdminModelForm):
    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            prefix = kwargs.get("prefix")
            names = getattr(self._meta, "formsets", None) or {}
            data = with_sent_initial_counts(data, [f"{prefix}-{name}" if prefix else name for name in names])
        super().__init__(data, *args, **kwargs)
