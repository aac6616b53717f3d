"""The tabs and panels of Settings → WhatsApp."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface

from wagtail_whatsapp.admin.widgets import TolerantPageChooserPanel
from wagtail_whatsapp.models.settings_form import WhatsAppSettingsForm

SETTINGS_PANELS = TabbedInterface(
    [
        ObjectList(
            [
                MultiFieldPanel(
                    [FieldPanel("service_name"), FieldPanel("display_number"), FieldPanel("phone_number_id")],
                    heading=_("Number"),
                ),
                MultiFieldPanel(
                    [
                        FieldPanel("subscribe_keywords"),
                        FieldPanel("unsubscribe_keywords"),
                        FieldPanel("understand_phrasings"),
                    ],
                    heading=_("Keywords"),
                ),
                MultiFieldPanel(
                    [
                        FieldPanel("welcome_message"),
                        FieldPanel("double_opt_in"),
                        FieldPanel("confirmation_message"),
                        FieldPanel("goodbye_message"),
                        FieldPanel("not_subscribed_message"),
                        FieldPanel("already_subscribed_message"),
                        FieldPanel("notice_enabled"),
                        FieldPanel("notice_message"),
                        FieldPanel("notice_interval_days"),
                    ],
                    heading=_("Replies"),
                ),
            ],
            heading=_("Number and replies"),
        ),
        ObjectList(
            [
                FieldPanel("topics_keyword"),
                InlinePanel("topics", heading=_("Topics and places"), label=_("Topic or place"), max_num=10),
            ],
            heading=_("Topics and places"),
        ),
        ObjectList(
            [
                MultiFieldPanel(
                    [TolerantPageChooserPanel("policy_page"), TolerantPageChooserPanel("privacy_page")],
                    heading=_("Policy and privacy"),
                ),
                MultiFieldPanel(
                    [
                        FieldPanel("town_name"),
                        FieldPanel("town_address"),
                        FieldPanel("contact_phone"),
                        FieldPanel("contact_email"),
                        FieldPanel("contact_pec"),
                        FieldPanel("contact_page_url"),
                        FieldPanel("dpo_contact"),
                    ],
                    heading=_("Town and contacts"),
                ),
            ],
            heading=_("Pages and town"),
        ),
        ObjectList(
            [
                MultiFieldPanel([FieldPanel("waba_id")], heading=_("Account")),
                MultiFieldPanel(
                    [
                        HelpPanel(
                            _(
                                "Citizens who have not written in the last 24 hours receive a page through an "
                                "approved template: one per kind of message. Leave a kind blank and the plugin "
                                "picks an approved template of that kind itself; the confirmation page says which."
                            )
                        ),
                        FieldPanel("text_template"),
                        FieldPanel("image_template"),
                        FieldPanel("video_template"),
                        FieldPanel("document_template"),
                        FieldPanel("event_template"),
                        FieldPanel("template_parameter_mapping"),
                    ],
                    heading=_("Template family"),
                ),
                MultiFieldPanel(
                    [FieldPanel("quiet_hours_start"), FieldPanel("quiet_hours_end")],
                    heading=_("Quiet hours"),
                ),
                MultiFieldPanel([FieldPanel("monthly_budget")], heading=_("Budget")),
            ],
            heading=_("Broadcasting"),
        ),
        ObjectList(
            [
                MultiFieldPanel(
                    [
                        FieldPanel("moderation_offensive_words"),
                        FieldPanel("moderation_promotion_words"),
                        FieldPanel("moderation_fundraising_words"),
                        FieldPanel("moderation_allowed_domains"),
                    ],
                    heading=_("Moderation"),
                ),
                MultiFieldPanel(
                    [FieldPanel("inbox_retention_days"), FieldPanel("delivery_retention_days")],
                    heading=_("Retention"),
                ),
            ],
            heading=_("Moderation and retention"),
        ),
    ],
    base_form_class=WhatsAppSettingsForm,
)
