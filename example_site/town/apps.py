from django.apps import AppConfig


class TownConfig(AppConfig):
    name = "town"
    verbose_name = "Comune"
    default_auto_field = "django.db.models.BigAutoField"
