"""A Huey consumer inside the test process, for browser tests: the live server queues tasks, this thread runs them.

The tests' MemoryHuey normally runs tasks inline (``immediate``). A browser test that wants to watch a broadcast go
out the way an editor does (publish, then the report fills up while a consumer sends) turns that off and runs this
consumer: it dequeues and executes tasks exactly as ``run_huey``'s workers do, one at a time.

On the in-memory SQLite test database every thread must use the live server's connection (as Django's live server
itself does); on PostgreSQL (the scale path) the thread opens its own connection to the test database.
"""

import threading

from django.db import connections


class ConsumerThread(threading.Thread):
    def __init__(self, huey):
        super().__init__(name="huey-consumer-thread", daemon=True)
        self.huey = huey
        self.stopping = threading.Event()
        self.errors = []
        self.executed = []
        self.shared = connections["default"]
        self.sharing = self.shared.vendor == "sqlite" and self.shared.is_in_memory_db()

    def run(self):
        if self.sharing:
            connections["default"] = self.shared
        try:
            while not self.stopping.is_set():
                task = self.huey.dequeue()
                if task is None:
                    self.stopping.wait(0.05)
                    continue
                self.executed.append(task.name)
                try:
                    self.huey.execute(task)
                except Exception as exc:  # noqa: BLE001 (reported to the test, as a consumer would log it)
                    self.errors.append(f"{task.name}: {exc!r}")
        finally:
            if not self.sharing:
                connections["default"].close()

    def __enter__(self):
        self.huey.immediate = False
        if self.sharing:
            self.shared.inc_thread_sharing()
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        self.join(timeout=30)
        if self.sharing:
            self.shared.dec_thread_sharing()
        self.huey.immediate = True
