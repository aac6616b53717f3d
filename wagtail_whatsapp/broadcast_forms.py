"""Forms of the confirmation view: the confirm button (with the repeat tick) and the test send."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmBroadcastForm(forms.Form):
    confirm_repeat = forms.BooleanField(
        label=_("Yes, send this page again to every subscriber"),
        required=False,
    )

    def __init__(self, *args, is_repeat=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_repeat = is_repeat
        if not is_repeat:
            del self.fields["confirm_repeat"]

    def clean(self):
        cleaned = super().clean()
        if self.is_repeat and not cleaned.get("confirm_repeat"):
            self.add_error(
                "confirm_repeat",
                _("This page was already sent. Tick the box to confirm that citizens should receive it again."),
            )
        return cleaned


class TestSendForm(forms.Form):
    number = forms.CharField(
        label=_("Send a test to"),
        max_length=32,
        help_text=_("A WhatsApp number, e.g. 348 123 4567 or +39 348 123 4567. Only this number receives the test."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "+39 …"}),
    )
