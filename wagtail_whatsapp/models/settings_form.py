"""The form of Settings → WhatsApp: Wagtail's, with the inline lists' management data checked against what was sent,
and no two topics or places answering to the same word.

modelcluster builds an inline list's existing rows from ``<prefix>-INITIAL_FORMS`` and reads each one's id without
checking it is there: a tampered POST claiming more existing rows than it sends ids for (a bot, a broken proxy) was a
500. The claim is cut to the ids actually sent; Django's formset then reports anything else wrong as a form error.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from wagtail_whatsapp.models.settings_replies import normalise

TOPICS = "topics"


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

    def clean(self):
        cleaned_data = super().clean()
        self._refuse_shared_topic_keywords()
        return cleaned_data

    def _refuse_shared_topic_keywords(self):
        """ "ISCRIVIMI EVENTI" must name one topic: a keyword (or, without one, a name) that folds like another row's
        would leave one of them impossible to choose by writing, so the later row is refused with the reason."""
        formset = self.formsets.get(TOPICS) if hasattr(self, "formsets") else None
        if formset is None:
            return
        seen = {}
        for form in formset.forms:
            if not form.is_valid() or (formset.can_delete and formset._should_delete_form(form)):
                continue
            data = form.cleaned_data
            word = normalise(str(data.get("keyword") or "").strip() or str(data.get("name") or ""))
            if not word:
                continue
            if word in seen:
                form.add_error(
                    "keyword" if str(data.get("keyword") or "").strip() else "name",
                    _("“%(word)s” already chooses “%(other)s”: give this one another keyword.")
                    % {"word": word, "other": seen[word]},
                )
            else:
                seen[word] = data.get("name")
