"""A fake of Meta's Graph API (WhatsApp Cloud API): a real HTTP server on 127.0.0.1, for tests and benchmarks.

In tests use the ``fake_graph`` fixture (tests/conftest.py): it starts a ``FakeGraph`` on an ephemeral port, points
``WAGTAIL_WHATSAPP`` at it (cloud backend, its token, READ_TIMEOUT 1.0 s) and stops it after the test.

What it does like Meta
- Checks ``Authorization: Bearer <token>`` (``fake.token``): otherwise HTTP 401 with code 190.
- ``POST /<version>/<phone-number-id>/messages``: validates the body (messaging_product, to, a known type, text ≤ 4,096,
  caption ≤ 1,024, media with an id or a link, template with a name and a language) and refuses with Meta's error
  shape, code 100 (an interactive reply-buttons message: a body ≤ 1,024, one to three buttons of unique ids and
  titles ≤ 20, else 131009); answers ``{"messaging_product", "contacts", "messages": [{"id": "wamid..."}]}`` with a
  unique wamid (templates add ``message_status: accepted``). ``{"status": "read"}`` bodies answer ``{"success": true}``.
- ``POST .../media`` (multipart: messaging_product=whatsapp, file with its type) → ``{"id"}``; kept in ``fake.media``.
- ``GET /<version>/<media-id>``: for a media id uploaded to the fake or registered with
  ``fake.add_media(media_id, content, mime_type)`` answers ``{url, mime_type, sha256, file_size, id}``; the ``url``
  is on the fake itself (Meta's is on lookaside.fbsbx.com) and answers the bytes to the same Bearer token. Any other
  id without ``fields`` answers code 100 ("Object with ID ... does not exist"), as Meta does.
- ``POST``/``DELETE .../block_users``: numbers in ``block_failures`` ({number: code}) fail; a partial failure answers
  HTTP 400 with the per-user lists AND an ``error`` 139100, as Meta does.
- ``GET /<version>/<waba-id>/message_templates``: ``fake.templates`` in pages of ``template_page_size`` (or ``limit``),
  with ``paging.cursors.after`` and ``paging.next`` on every page but the last.
- Template messages are checked against ``fake.templates`` as Meta checks them (tests/fake_graph/templates.py): an
  unknown or unapproved template answers 132001 (132015 paused, 132016 disabled); a media header without its media,
  or a media where the template has none, 132012; a wrong number of header, body or URL-button parameters, 132000;
  a parameter holding a newline, a tab or five spaces, 132018; a body over 1,024 characters once filled, 132005.
  ``fake.add_template(name, language, components)`` / ``fake.add_stored_template(message_template)`` put one in.
- ``POST /<version>/<waba-id>/message_templates`` creates a template as Meta's review expects it (a lowercase name, a
  category, one BODY, examples for media headers, body parameters and URL variables; no variable at the body's
  start or end; an existing name and language answers code 100); it joins ``fake.templates`` with the status
  ``created_status`` (PENDING). The resumable upload of an example (``POST /<app-id>/uploads`` then
  ``POST /upload:<id>`` with ``file_offset: 0``) answers a header handle ``{"h"}``.
- ``GET /<version>/<phone-number-id>?fields=...`` (any id that is not a media id): ``fake.phone_number_fields``
  (throughput, messaging limit...).

Fault knobs (attributes; set them in a test, e.g. ``fake_graph.latency = 0.2``, or POST JSON to ``/_fake/config``)
- ``latency``: seconds slept before every API answer.
- ``error_5xx_rate``: share of sends answered HTTP 500 with Meta's code 2 (``error_5xx_style="html"``: a 502 HTML page).
  Refused sends are not accepted.
- ``timeout_rate``: share of sends that get no answer: ``timeout_mode="hold"`` sleeps ``hold_seconds`` (default 2.0,
  longer than the fixture's READ_TIMEOUT of 1.0) before answering; ``"drop"`` closes the connection without an answer.
  ``timeout_accepts`` (default True): the message was sent all the same, as may happen at Meta; it is in ``accepted``.
- ``rate_limit_per_second``: more accepted sends than this in any sliding 1-second window → 130429.
- ``recipient_errors``: {number: code}, e.g. {"+393330000001": 131026}: sends to that number fail with that code.
- ``token_fails_after``: after N authenticated API calls every call fails with 190 (a token that expired mid-send).
- ``scripted_answers``: a list of ``(status, payload)`` answering the next API calls in order, before any check, to
  play what Meta or a gateway may answer and the fake would not (an empty 200, an HTML page, an error quoting the
  token...): a dict payload is sent as JSON, a str as HTML, a ``RawBody(bytes, content_type, headers)`` as it is
  (a redirect's Location...); the status ``"drop"`` closes the connection without an answer, ``"hold"`` answers
  after ``hold_seconds``.
- ``seed``: the random generator behind the rates, for repeatable runs (``reset()`` reseeds it).
Decisions are drawn in the order requests arrive, so with concurrency they are repeatable in share, not per message.
A request in a proxy's absolute form (``POST http://graph.example/v25.0/...``) is served like any other: point
HTTP_PROXY at the fake to play a town's proxy (the ``host`` header says which host the client meant).

What it records (``reset()`` clears it)
- ``requests``: every request (method, path, query, headers, body, json, and the time it arrived: on Linux the
  kernel's receive time, so a busy fake does not bunch what the client spread); ``connections_opened``: the TCP
  connections clients opened (keep-alive clients open few).
- ``accepted``: every accepted message (to, body, wamid, time); ``duplicates()``: the same body to the same number
  accepted more than once; ``per_second_counts()``, ``max_in_any_window(1.0)``, ``stats()``.

Package layout: server.py (FakeGraph and its endpoints), validation.py (Meta's error shape, body checks),
templates.py (template sends and creation), faults.py (the fault knobs),
records.py (recorded requests, figures), accounts.py (templates, phone number),
handler.py (HTTP), cli.py + __main__.py (standalone).

Standalone, e.g. for a benchmark: ``python -m tests.fake_graph --port 18400 --latency 0.15 --rate-limit 80``
prints ``FAKE_GRAPH_URL=http://127.0.0.1:18400`` and ``FAKE_GRAPH_TOKEN=...``; ``GET /_fake/stats`` answers the
figures as JSON (messages_per_second, max_in_any_second, duplicates...), ``GET /_fake/accepted`` every accepted
message (to, at, wamid, body), ``POST /_fake/reset`` clears them,
``POST /_fake/config`` sets knobs; ``--stats-file`` writes the stats there on exit (SIGINT or SIGTERM).
"""

from .accounts import default_phone_number_fields, default_templates
from .cli import main
from .handler import RawBody
from .records import Accepted, RecordedRequest
from .server import DEFAULT_TOKEN, DOWNLOAD_PATH, FakeGraph
from .validation import ERROR_TITLES, MESSAGE_TYPES, Refusal, digits, meta_error

__all__ = [
    "DEFAULT_TOKEN",
    "DOWNLOAD_PATH",
    "ERROR_TITLES",
    "MESSAGE_TYPES",
    "Accepted",
    "FakeGraph",
    "RawBody",
    "RecordedRequest",
    "Refusal",
    "default_phone_number_fields",
    "default_templates",
    "digits",
    "main",
    "meta_error",
]
