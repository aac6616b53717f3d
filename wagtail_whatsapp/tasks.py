"""Where Huey's consumer finds the plugin's tasks (``huey.contrib.djhuey`` imports each app's ``tasks`` module).

The tasks live with their road: ``inbound/tasks.py`` (stored webhook events), ``outbound/queue.py`` and
``outbound/tasks.py`` (broadcasts, templates), ``subscribers/tasks.py`` (retention), and the sandbox's status feed in
``sandbox/backend.py``. Importing them here registers them with the consumer.
"""

from wagtail_whatsapp.inbound import tasks as inbound_tasks  # noqa: F401
from wagtail_whatsapp.outbound import tasks as outbound_tasks  # noqa: F401
from wagtail_whatsapp.sandbox import backend as sandbox_backend  # noqa: F401
from wagtail_whatsapp.subscribers import tasks as subscribers_tasks  # noqa: F401
