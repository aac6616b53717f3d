"""Admin widgets and panels that stand up to a tampered form."""

from django.core.exceptions import ValidationError
from wagtail.admin.panels import PageChooserPanel
from wagtail.admin.widgets import AdminPageChooser


class TolerantPageChooser(AdminPageChooser):
    """Wagtail's page chooser. Redisplaying a form whose page id is not a number (a hand-made POST) shows the field
    empty, beside the form's own "Select a valid choice" error, where Wagtail's chooser would fail with a 500."""

    def get_instance(self, value):
        try:
            return super().get_instance(value)
        except (TypeError, ValueError, ValidationError):
            return None


class TolerantPageChooserPanel(PageChooserPanel):
    """``PageChooserPanel`` with ``TolerantPageChooser`` (built with the form: widgets need the app registry)."""

    def get_form_options(self):
        options = super().get_form_options()
        options.setdefault("widgets", {})[self.field_name] = TolerantPageChooser(
            target_models=self.page_type, can_choose_root=self.can_choose_root
        )
        return options
