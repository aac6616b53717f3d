"""The migrations work on the oldest Wagtail supported (7.3): no dependency on a wagtailcore migration it lacks.

`makemigrations` on a newer Wagtail adds a dependency on that Wagtail's latest wagtailcore migration; on Wagtail 7.3 the
graph then fails to load (NodeNotFoundError) before any test runs (`make test-matrix`, the oldest cell)."""

from django.db.migrations.loader import MigrationLoader

OLDEST_WAGTAILCORE = 94  # 0094_alter_page_locale: the last wagtailcore migration Wagtail 7.3 has


def test_no_migration_of_the_plugin_or_the_example_needs_a_newer_wagtail():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    too_new = [
        (app, name, dependency)
        for (app, name), migration in loader.disk_migrations.items()
        if app in ("wagtail_whatsapp", "town")
        for dependency in migration.dependencies
        if dependency[0] == "wagtailcore"
        and dependency[1][:4].isdigit()  # "__first__" and the like: any Wagtail has them
        and int(dependency[1][:4]) > OLDEST_WAGTAILCORE
    ]
    assert too_new == []
