"""A Huey consumer inside the test process, for browser tests: the live server queues tasks, this thread runs them.

The tests' MemoryHuey normally runs tasks inline (``immediate``). A browser test that wants to watch a broadcast go
out the way an editor does (publish, then the report fills up while a consumer sends) turns that off and runs this
consumer: it dequeues and executes tasks exactly as ``run_huey``'s workers do, one at a time.

The thread opens its own connection to the test database (a file on SQLite, see tests/settings.py), as a worker
process does: it never shares the live server's or the test's connection, whose transactions would interleave.
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

    def run(self):
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
            connections["default"].close()

    def __enter__(self):
        self.huey.immediate = False
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        self.join(timeout=30)
        self.huey.immediate = True
