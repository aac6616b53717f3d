"""The example town's two WhatsApp groups (idempotent: running it again, or on a site that already has the groups,
only adds what is missing).

- "WhatsApp editors": edit and publish pages, send them via WhatsApp, see the reports.
- "WhatsApp moderators": moderate the inbox and see the reports; no page editing, numbers masked.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "WhatsApp editors"
MODERATORS = "WhatsApp moderators"

GROUP_PERMISSIONS = {
    EDITORS: [
        ("wagtailadmin", "admin", "access_admin"),
        ("wagtail_whatsapp", "subscriber", "send_broadcast"),
        ("wagtail_whatsapp", "subscriber", "view_reports"),
        ("wagtailimages", "image", "add_image"),
        ("wagtailimages", "image", "change_image"),
        ("wagtailimages", "image", "choose_image"),
        ("wagtaildocs", "document", "add_document"),
        ("wagtaildocs", "document", "change_document"),
        ("wagtaildocs", "document", "choose_document"),
    ],
    MODERATORS: [
        ("wagtailadmin", "admin", "access_admin"),
        ("wagtail_whatsapp", "subscriber", "moderate_inbox"),
        ("wagtail_whatsapp", "subscriber", "view_reports"),
    ],
}
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
COLLECTION_APPS = {"wagtailimages", "wagtaildocs"}


def _ensure_permissions(apps):
    # On a fresh database Django creates permissions after all migrations; create them now so they can be granted.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_groups(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    root_page = Page.objects.filter(depth=1).order_by("path").first()
    root_collection = Collection.objects.filter(depth=1).order_by("path").first()
    for name, codes in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        for app_label, model, codename in codes:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model, codename=codename
            ).first()
            if permission is None:
                continue
            if app_label in COLLECTION_APPS:
                # Image and document permissions are granted per collection in Wagtail.
                if root_collection is not None:
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=root_collection, permission=permission
                    )
            else:
                group.permissions.add(permission)
        if name == EDITORS and root_page is not None:
            for codename in EDITOR_PAGE_PERMISSIONS:
                permission = Permission.objects.filter(
                    content_type__app_label="wagtailcore", content_type__model="page", codename=codename
                ).first()
                if permission is not None:
                    GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=permission)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, MODERATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("town", "0001_initial"),
        ("wagtail_whatsapp", "__first__"),  # survives the regeneration of 0001_initial
        ("wagtailadmin", "0001_create_admin_access_permissions"),  # access_admin
        ("wagtailcore", "0094_alter_page_locale"),  # one Wagtail 7.x and 8.x both have
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
