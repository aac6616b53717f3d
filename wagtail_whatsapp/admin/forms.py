"""The admin's forms: subscribers (import, one number, erasure, reasons) and the editor's confirmation view
(the confirm button with the repeat and budget ticks and the choice of media, and the test send)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from wagtail_whatsapp.numbers import InvalidNumber, normalise_identity

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


class ConfirmBroadcastForm(forms.Form):
    media = ChosenMediaField()
    confirm_repeat = forms.BooleanField(
        label=_("Yes, send this page again to every subscriber"),
        required=False,
    )
    confirm_over_budget = forms.BooleanField(
        label=_("Yes, send it although it goes over this month's budget"),
        required=False,
    )

    def __init__(self, *args, is_repeat=False, over_budget=False, **kwargs):
        """``over_budget``: the broadcast would exceed the monthly budget and the user may allow it."""
        super().__init__(*args, **kwargs)
        self.is_repeat, self.over_budget = is_repeat, over_budget
        if not is_repeat:
            del self.fields["confirm_repeat"]
        if not over_budget:
            del self.fields["confirm_over_budget"]

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
        return cleaned


class TestSendForm(forms.Form):
    media = ChosenMediaField()  # the test goes with the media the confirmation page shows

    number = forms.CharField(
        label=_("Send a test to"),
        max_length=32,
        help_text=_("A WhatsApp number, e.g. 348 123 4567 or +39 348 123 4567. Only this number receives the test."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "+39 …"}),
    )
