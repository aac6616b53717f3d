"""SqliteHuey with ``synchronous=NORMAL``: in WAL mode a commit no longer waits for an fsync, which was most of the
webhook's answer time (see bench/webhook.py). An OS crash may lose the last queued tasks, never corrupt the queue;
the plugin re-processes any stored event whose task was lost (``process_stale_events``)."""

from huey import SqliteHuey
from huey.storage import SqliteStorage


class WalNormalSqliteStorage(SqliteStorage):
    def _create_connection(self):
        connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection


class FastSqliteHuey(SqliteHuey):
    storage_class = WalNormalSqliteStorage
