"""The admin's forms: subscribers (import, one number, erasure, reasons) and the editor's confirmation view
(the confirm button with the repeat and budget ticks, the choice of media and of the time, and the test send)."""

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.models import Site

from wagtail_whatsapp.numbers import InvalidNumber, normalise_identity
from wagtail_whatsapp.outbound.scheduled_broadcasts import schedule_problem

MAX_IMPORT_BYTES = 10 * 1024 * 1024


class SiteChoiceMixin(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.all(), empty_label=None)


class SubscriberImportForm(SiteChoiceMixin):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One number per row, with or without a header (phone, numero, telefono; optional name, nome). "
            "Commas or semicolons."
        ),
    )
    confirm_consent = forms.BooleanField(
        label=_("These people asked to receive the town's WhatsApp news"),
        help_text=_("Import only a list of people who opted in; their consent source is recorded as “imported”."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class NumberForm(SiteChoiceMixin):
    """One citizen, by phone number or, for those WhatsApp shows only by username, by WhatsApp user ID."""

    number = forms.CharField(
        label=_("Phone number or WhatsApp user ID"),
        max_length=140,
        help_text=_("E.g. +39 348 123 4511, or a WhatsApp user ID such as US.13491208655302741918"),
    )

    def clean_number(self):
        try:
            number, user_id = normalise_identity(self.cleaned_data["number"])
        except InvalidNumber:
            raise forms.ValidationError(_("Neither a valid phone number nor a WhatsApp user ID.")) from None
        return number or user_id


class EraseForm(NumberForm):
    confirm = forms.BooleanField(
        label=_("I understand that this deletes the data of this number for good"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


MEDIA_LABELS = {"image": _("The image"), "video": _("The video"), "document": _("The PDF document")}


class MediaChoiceForm(forms.Form):
    """Which one of the page's media goes (a WhatsApp message carries one): shown when the page has several, sent
    as a GET so the preview follows the choice."""

    media = forms.ChoiceField(label=_("What goes with the text"), widget=forms.RadioSelect)

    def __init__(self, *args, media_options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["media"].choices = [(kind, MEDIA_LABELS[kind]) for kind in media_options]


class ChosenMediaField(forms.ChoiceField):
    """The media the confirmation page showed, carried by the confirm and test forms (blank: the page's choice)."""

    def __init__(self):
        choices = [("", "")] + [(kind, kind) for kind in MEDIA_LABELS]
        super().__init__(choices=choices, required=False, widget=forms.HiddenInput)


def _in_site_time():
    return gettext("In the site's time (%(zone)s).") % {"zone": timezone.get_current_timezone_name()}


class ScheduledForField(forms.DateTimeField):
    """A broadcast's date and time, with Wagtail's date-time picker, in the site's time (``TIME_ZONE``; read when
    the form is shown, as Django reads the typed time)."""

    def __init__(self, required=True):
        super().__init__(
            label=_("Date and time"),
            widget=AdminDateTimeInput,
            required=required,
            help_text=lazy(_in_site_time, str)(),
        )


class ScheduleForm(forms.Form):
    """The new time of a scheduled broadcast."""

    scheduled_for = ScheduledForField()

    def clean_scheduled_for(self):
        when = self.cleaned_data["scheduled_for"]
        problem = schedule_problem(when)
        if problem:
            raise forms.ValidationError(problem)
        return when


class ConfirmBroadcastForm(forms.Form):
    NOW, LATER = "now", "later"

    media = ChosenMediaField()
    when = forms.ChoiceField(
        label=_("When"),
        choices=[(NOW, _("Send now")), (LATER, _("Schedule for…"))],
        widget=forms.RadioSelect,
        initial=NOW,
        required=False,  # a POST without it sends now, as before scheduling existed
    )
    scheduled_for = ScheduledForField(required=False)
    confirm_repeat = forms.BooleanField(
        label=_("Yes, send this page again to every subscriber"),
        required=False,
    )
    confirm_over_budget = forms.BooleanField(
        label=_("Yes, send it although it goes over this month's budget"),
        required=False,
    )
    urgent = forms.BooleanField(
        label=_("Urgent (civil protection)"),
        help_text=_(
            "Only for notices that cannot wait (civil protection, water, roads closed): it goes now to every "
            "subscriber, even in the quiet hours, ahead of the other broadcasts of this number, which pause and then "
            "go on by themselves. The page's history says so."
        ),
        required=False,
    )

    def __init__(self, *args, is_repeat=False, over_budget=False, may_be_urgent=False, starts_at=None, **kwargs):
        """``over_budget``: the broadcast would exceed the monthly budget and the user may allow it.
        ``may_be_urgent``: the user holds ``send_urgent`` (offered at any time, not only in the quiet hours).
        ``starts_at``: when "now" really starts (the end of the quiet hours), or None."""
        super().__init__(*args, **kwargs)
        self.is_repeat, self.over_budget = is_repeat, over_budget
        if starts_at is not None:
            self.fields["when"].choices = [
                (self.NOW, _("At %(time)s, when the quiet hours end") % {"time": starts_at.strftime("%H:%M")}),
                (self.LATER, _("Schedule for…")),
            ]
        if not is_repeat:
            del self.fields["confirm_repeat"]
        if not over_budget:
            del self.fields["confirm_over_budget"]
        if not may_be_urgent:
            del self.fields["urgent"]

    def clean(self):
        cleaned = super().clean()
        if self.is_repeat and not cleaned.get("confirm_repeat"):
            self.add_error(
                "confirm_repeat",
                _("This page was already sent. Tick the box to confirm that citizens should receive it again."),
            )
        if self.over_budget and not cleaned.get("confirm_over_budget"):
            self.add_error(
                "confirm_over_budget",
                _("This broadcast goes over the monthly budget. Tick the box to confirm that it should go anyway."),
            )
        if cleaned.get("when") == self.LATER:
            self.clean_time(cleaned)
        else:
            # A date typed, then abandoned for "Send now", is no error: nothing is scheduled.
            self.errors.pop("scheduled_for", None)
            cleaned["scheduled_for"] = None
        return cleaned

    def clean_time(self, cleaned):
        when = cleaned.get("scheduled_for")
        if "scheduled_for" in self.errors:
            return  # not a date and time (the field said so)
        if when is None:
            self.add_error("scheduled_for", _("Choose the date and time of the broadcast."))
        elif problem := schedule_problem(when):
            self.add_error("scheduled_for", problem)
        if cleaned.get("urgent"):
            self.add_error("urgent", _("An urgent broadcast goes now: untick “Urgent” to schedule it."))

    @property
    def scheduled_time(self):
        """The time the editor chose, or None to send now (after ``is_valid()``)."""
        return self.cleaned_data.get("scheduled_for") if self.cleaned_data.get("when") == self.LATER else None


class TestSendForm(forms.Form):
    media = ChosenMediaField()  # the test goes with the media the confirmation page shows

    number = forms.CharField(
        label=_("Send a test to"),
        max_length=32,
        help_text=_("A WhatsApp number, e.g. 348 123 4567 or +39 348 123 4567. Only this number receives the test."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "+39 …"}),
    )
