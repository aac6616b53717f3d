"""The example town's "WhatsApp budget holders" group: whoever may send a broadcast that goes over the site's monthly
WhatsApp budget (the plugin's ``exceed_budget`` permission). Give it, on top of "WhatsApp editors", to the person who
answers for the spending (e.g. the head of the communication office). Idempotent, like 0002."""

from importlib import import_module

from django.db import migrations

BUDGET_HOLDERS = "WhatsApp budget holders"
PERMISSIONS = [("wagtailadmin", "admin", "access_admin"), ("wagtail_whatsapp", "subscriber", "exceed_budget")]


def create_group(apps, schema_editor):
    import_module("town.migrations.0002_whatsapp_groups")._ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=BUDGET_HOLDERS)
    for app_label, model, codename in PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=BUDGET_HOLDERS).delete()


class Migration(migrations.Migration):
    dependencies = [("town", "0002_whatsapp_groups"), ("wagtail_whatsapp", "0002_costs")]

    operations = [migrations.RunPython(create_group, remove_group)]
