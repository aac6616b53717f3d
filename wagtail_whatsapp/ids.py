"""Database ids written as text by someone else: a query string, the callback data Meta sends back."""

MAX_ID = 2**63 - 1  # the largest id a database column holds (SQLite raises OverflowError past it)


def parse_id(value):
    """The positive id ``value`` spells, or None when it cannot be one.

    ``str.isdigit`` alone is not enough: "²" is a digit to Python but not to ``int``, and a 10,000-digit string is
    more than ``int`` converts."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


class CallbackDataMixin:
    """A row that goes out to Meta as ``biz_opaque_callback_data`` (``CALLBACK_PREFIX`` + its id) and is found again
    from what Meta echoes in its status webhooks."""

    CALLBACK_PREFIX = ""

    @property
    def callback_data(self):
        return self.callback_data_for(self.pk)

    @classmethod
    def callback_data_for(cls, pk):
        """The callback data of the row ``pk``, without an instance (a sender builds a thousand a second)."""
        return f"{cls.CALLBACK_PREFIX}{pk}"

    @classmethod
    def pk_from_callback_data(cls, callback_data):
        """The row's id in the callback data Meta echoed, or None (another kind of row's, or tampered with)."""
        if not isinstance(callback_data, str) or not callback_data.startswith(cls.CALLBACK_PREFIX):
            return None
        return parse_id(callback_data[len(cls.CALLBACK_PREFIX) :])
