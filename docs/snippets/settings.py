import os

INSTALLED_APPS += [
    "wagtail_whatsapp",
    "wagtail.contrib.settings",  # the per-site "WhatsApp" settings
    "wagtail_modeladmin",  # the WhatsApp admin lists
    "huey.contrib.djhuey",  # the queue
]

# The service speaks Italian: its public pages, default texts and RSS feed follow the site's language.
LANGUAGE_CODE = "it"
TIME_ZONE = "Europe/Rome"

# Secrets come from the environment, never the database. An unset variable reads as "", and `manage.py check` names
# the setting it leaves empty. The sandbox needs only the last two secrets; the cloud backend needs all five values.
WAGTAIL_WHATSAPP = {
    "BACKEND": os.environ.get("WHATSAPP_BACKEND", "cloud"),  # "sandbox" keeps every message in the database
    "ACCESS_TOKEN": os.environ.get("WHATSAPP_ACCESS_TOKEN", ""),
    "PHONE_NUMBER_ID": os.environ.get("WHATSAPP_PHONE_NUMBER_ID", ""),
    "WABA_ID": os.environ.get("WHATSAPP_WABA_ID", ""),
    "APP_SECRET": os.environ.get("WHATSAPP_APP_SECRET", ""),  # "new,old" while rotating it
    "VERIFY_TOKEN": os.environ.get("WHATSAPP_VERIFY_TOKEN", ""),
    "APP_ID": os.environ.get("WHATSAPP_APP_ID", ""),  # only `whatsapp_create_templates` needs it (media examples)
}

# A real queue consumer (`manage.py run_huey`), also in development: djhuey's default runs tasks inside the request
# when DEBUG is on. The queue's file sits beside the site's database; HUEY_SQLITE_FILE moves it to a folder that exists.
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "filename": os.environ.get("HUEY_SQLITE_FILE", str(BASE_DIR / "huey.sqlite3")),
    "immediate": False,
}
