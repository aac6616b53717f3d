"""A site's template family in Settings → WhatsApp, as an abstract model ``WhatsAppSettings`` inherits.

The template family: one approved template per kind of message, for citizens outside the 24-hour window, and the
page field each template parameter takes. A blank kind is picked by the plugin among the synced templates
(outbound/template_family.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail_whatsapp.outbound.template_mapping import TemplateMappingError, parse_mapping, validate_mapping


def _family_field(verbose_name, help_text):
    return models.ForeignKey(
        "wagtail_whatsapp.MessageTemplate",
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"status": "APPROVED"},
        help_text=help_text,
    )


class TemplateFamilySettings(models.Model):
    text_template = _family_field(_("text-only template"), _("For pages without an image, video or document."))
    image_template = _family_field(_("image template"), _("An image header: for pages whose image goes."))
    video_template = _family_field(_("video template"), _("A video header: for pages whose video goes."))
    document_template = _family_field(_("document template"), _("A document header: for notices whose PDF goes."))
    event_template = _family_field(
        _("event template"), _("Carries the date, time and place: for events without an image, video or document.")
    )
    template_parameter_mapping = models.TextField(
        _("template parameters"),
        blank=True,
        help_text=_(
            "One line per template parameter, for every template of the family: “1 = title”. Page fields: title, "
            "summary, text, url, date, time, place, site_name. Without a line a named parameter takes the page "
            "field of its name (in English or Italian: testo, titolo, data, ora, luogo...)."
        ),
    )

    # Kind of message → the field choosing its template (the kinds are those of outbound/template_family.py).
    TEMPLATE_FIELDS = {
        "text": "text_template",
        "image": "image_template",
        "video": "video_template",
        "document": "document_template",
        "event": "event_template",
    }

    class Meta:
        abstract = True

    def chosen_templates(self):
        """``{kind: MessageTemplate or None}`` as chosen in Settings → WhatsApp, for every kind of the family."""
        return {kind: getattr(self, field) for kind, field in self.TEMPLATE_FIELDS.items()}

    def template_family_errors(self):
        """``{field: message}`` for the family's fields: a template no longer approved, a mapping the chosen
        templates cannot take (``WhatsAppSettings.clean`` raises them with the other tabs' errors)."""
        errors = {}
        chosen = {kind: template for kind, template in self.chosen_templates().items() if template is not None}
        for kind, template in chosen.items():
            if not template.is_approved:
                errors[self.TEMPLATE_FIELDS[kind]] = _("Only an approved template can be used.")
        try:
            mapping = parse_mapping(self.template_parameter_mapping)
            if mapping and chosen:
                validate_mapping(mapping, list(chosen.values()))
        except TemplateMappingError as exc:
            errors["template_parameter_mapping"] = str(exc)
        return errors
