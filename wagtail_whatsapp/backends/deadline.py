"""A call that leaves by a given time or not at all.

The sender reserves each message a slot of Meta's pace; a message that goes out well after its slot lands in the
next second beside the messages of that second's own slots, and together they can be more than the cap (Meta then
refuses some with 130429). On a busy machine a thread can be held up anywhere between the check of its slot and the
write to the socket, so the check is repeated by the backend right before the request is written: the sender sets
the time (``leave_by``), a backend that puts calls on a wire checks it (``check``) and raises ``CallTooLate``, with
nothing sent, once it has passed.
"""

import threading
import time
from contextlib import contextmanager

_current = threading.local()


class CallTooLate(Exception):
    """The call was not made: the time its caller set for it to leave had passed."""


@contextmanager
def leave_by(moment):
    """Calls this thread makes inside the block leave by ``moment`` (Unix time), or raise ``CallTooLate``."""
    previous, _current.moment = getattr(_current, "moment", None), moment
    try:
        yield
    finally:
        _current.moment = previous


def current():
    """The time set by ``leave_by`` for this thread's calls, or None."""
    return getattr(_current, "moment", None)


def check():
    """Raise ``CallTooLate`` when this thread's call would leave after the time set by ``leave_by``."""
    moment = current()
    if moment is not None and time.time() > moment:
        raise CallTooLate
