"""The backend interface: what the rest of the plugin may ask of WhatsApp, with typed results and errors.

Callers never see Meta's raw JSON. A backend is built for one phone number (one town) with ``get_backend``.
"""

import enum
from dataclasses import dataclass, field


class ErrorKind(enum.Enum):
    RETRYABLE = "retryable"  # temporary trouble: try again after ``retry_after``
    RATE_LIMITED = "rate_limited"  # too fast: slow the whole broadcast down, then retry
    RECIPIENT = "recipient"  # permanent for this recipient or this message: never retry it
    FATAL = "fatal"  # every recipient would fail the same way (token, permissions, template, policy): stop


class WhatsAppError(Exception):
    """A failed call, classified so that callers decide on ``kind``, never on messages or HTTP statuses."""

    def __init__(
        self,
        message,
        *,
        kind=ErrorKind.RETRYABLE,
        code=None,
        subcode=None,
        details="",
        http_status=None,
        retry_after=None,
        ambiguous=False,
        fbtrace_id="",
    ):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code
        self.subcode = subcode
        self.details = details
        self.http_status = http_status
        self.retry_after = retry_after
        # True when the request may have reached Meta (timeout after sending): the message may have gone out.
        self.ambiguous = ambiguous
        self.fbtrace_id = fbtrace_id

    @property
    def retryable(self):
        return self.kind in (ErrorKind.RETRYABLE, ErrorKind.RATE_LIMITED)

    def __str__(self):
        code = f"#{self.code} " if self.code is not None else ""
        return f"{code}{self.message}"

    def __repr__(self):
        return f"<WhatsAppError {self.kind.value} code={self.code} {self.message!r}>"


@dataclass(frozen=True)
class SendResult:
    wamid: str
    wa_id: str = ""
    message_status: str = ""  # templates only: accepted, held_for_quality_assessment or paused


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    language: str
    status: str
    category: str = ""
    template_id: str = ""
    parameter_format: str = ""
    components: list = field(default_factory=list)


@dataclass(frozen=True)
class PhoneNumberInfo:
    phone_number_id: str
    throughput_level: str = ""
    messaging_limit_tier: str = ""
    display_phone_number: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateParameters:
    """What fills an approved template, without Meta's JSON: backends turn it into the ``components`` they need.

    ``body`` is a list of values for positional templates ({{1}}, {{2}}...) or a dict for named ones ({{town}}...).
    ``url_button_suffixes`` holds the variable end of each URL button, in button order (not yet percent-encoded; the
    backend encodes it), with None for a button that takes no parameter.
    """

    header_media_type: str = ""  # "image", "video" or "document", or "" for a template without a media header
    header_media_id: str = ""
    header_filename: str = ""  # the name citizens see on a document header
    header_text: str | None = None  # the value of a text header's {{1}}, when the header has one
    body: object = ()
    url_button_suffixes: tuple = ()


@dataclass(frozen=True)
class ReplyButton:
    """A quick-reply button of an interactive message: ``title`` is what the citizen sees and taps (at most 20
    characters), ``id`` what comes back in the webhook's ``button_reply`` (at most 256)."""

    id: str
    title: str


@dataclass(frozen=True)
class ListRow:
    """A row of an interactive list message: ``title`` (at most 24 characters) is what the citizen picks, ``id`` what
    comes back in the webhook's ``list_reply`` (at most 200)."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class ListSection:
    title: str
    rows: tuple = ()


@dataclass(frozen=True)
class BlockResult:
    added: list = field(default_factory=list)  # users blocked (or unblocked)
    failed: dict = field(default_factory=dict)  # user → WhatsAppError


class BaseBackend:
    """Interface of every backend. ``callback_data`` is Meta's ``biz_opaque_callback_data``: echoed in statuses."""

    def __init__(self, phone_number_id="", **options):
        self.phone_number_id = phone_number_id
        self.options = options

    def send_text(self, to, body, *, preview_url=False, callback_data=""):
        raise NotImplementedError

    def send_media(self, to, media_type, media_id, *, caption="", filename="", callback_data=""):
        """Send an uploaded image, video or document (``media_type`` is ``"image"``, ``"video"`` or ``"document"``;
        ``filename`` is the name citizens see on a document)."""
        raise NotImplementedError

    def send_buttons(self, to, body, buttons, *, footer="", callback_data=""):
        """Send ``body`` with up to three quick-reply ``buttons`` (ReplyButtons): Meta's interactive ``button`` message,
        free-form, so only inside the citizen's 24-hour window. Raises ValueError for what Meta would refuse."""
        raise NotImplementedError

    def send_list(self, to, body, button, sections, *, footer="", callback_data=""):
        """Send ``body`` with a list of ``sections`` (ListSections) the citizen opens with ``button``: Meta's
        interactive ``list`` message, free-form, so only inside the 24-hour window. Raises ValueError for what Meta
        would refuse."""
        raise NotImplementedError

    def send_template(self, to, name, language, components=(), *, callback_data=""):
        """``components`` is a TemplateParameters, or a list of Meta-shaped component dicts passed through as-is."""
        raise NotImplementedError

    def upload_media(self, content, mime_type, filename="upload"):
        """Upload bytes; returns the media id, valid for 30 days."""
        raise NotImplementedError

    def download_media(self, media_id):
        """Fetch media a citizen sent: returns ``(content_bytes, mime_type)``. Meta's download URL lives about five
        minutes, so the admin asks for it each time it shows the media (views/inbox.py)."""
        raise NotImplementedError

    def mark_as_read(self, wamid):
        raise NotImplementedError

    def block_users(self, users):
        """Block numbers (E.164) at Meta: a BlockResult with the blocked ones and a WhatsAppError per failure."""
        raise NotImplementedError

    def unblock_users(self, users):
        raise NotImplementedError

    def list_templates(self, waba_id):
        """Every template of the WhatsApp Business Account, all pages followed: a list of TemplateInfo."""
        raise NotImplementedError

    def create_template(self, waba_id, template):
        """Submit a ``TemplateInfo`` (name, language, category, parameter_format, components with Meta's examples)
        to Meta for approval; returns a TemplateInfo with Meta's id and status (PENDING, or APPROVED at once)."""
        raise NotImplementedError

    def upload_template_example(self, content, mime_type, filename="example"):
        """Upload an example file for a media header of a template to submit: returns Meta's ``header_handle``."""
        raise NotImplementedError

    def get_phone_number_info(self):
        raise NotImplementedError

    def close(self):
        """Release pooled connections."""
