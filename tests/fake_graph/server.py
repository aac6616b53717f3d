"""FakeGraph: state, lifecycle and the Graph API endpoints (see the package docstring for what it does like Meta)."""

import base64
import bisect
import hashlib
import itertools
import json
import random
import threading
import time
from collections import Counter
from urllib.parse import quote

from .accounts import default_phone_number_fields, default_templates
from .faults import FaultKnobs
from .handler import Handler, RawBody, Server
from .records import Accepted, Figures, RecordedRequest
from .templates import validate_new_template, validate_template_send
from .validation import Refusal, digits, meta_error, parse_upload, validate_message

DEFAULT_TOKEN = "fake-graph-token"
# Meta hands out download URLs on another host (lookaside.fbsbx.com); the fake serves them itself, under this path.
DOWNLOAD_PATH = "/whatsapp_business/attachments/"


class FakeGraph(FaultKnobs, Figures):
    def __init__(self, host="127.0.0.1", port=0, token=DEFAULT_TOKEN, seed=0, **knobs):
        self.host, self.port, self.token = host, port, token
        self.lock = threading.Lock()
        self.seed = seed
        self._init_faults()
        self.templates = default_templates()
        self.template_page_size = 100
        self.created_status = "PENDING"  # what a template submitted for review starts as
        self.phone_number_fields = default_phone_number_fields()
        self.configure(**knobs)
        self.server = None
        self.reset()

    def configure(self, **knobs):
        for name, value in knobs.items():
            if name.startswith("_") or not hasattr(self, name) or callable(getattr(self, name)):
                raise ValueError(f"Unknown fake Graph API knob: {name}")
            setattr(self, name, value)
        if "seed" in knobs:
            self.rng = random.Random(self.seed)

    def reset(self):
        with self.lock:
            self._reset_faults()
            self.requests, self.accepted, self.media = [], [], {}
            self.media_content = {}  # media id → bytes, for downloads
            self.errors = Counter()
            self.api_calls = 0
            self.connections_opened = 0
            self._ids = itertools.count(1)

    def add_media(self, media_id, content, mime_type, *, file_size=None, sha256=None):
        """Make ``media_id`` downloadable, as if a citizen had sent it. ``file_size``/``sha256`` override what the
        fake states about it (to play a Meta answer that does not match the bytes)."""
        with self.lock:
            self.media[str(media_id)] = {
                "mime_type": mime_type,
                "size": len(content) if file_size is None else file_size,
                "filename": None,
            }
            self.media_content[str(media_id)] = (content, sha256 or hashlib.sha256(content).hexdigest())

    def add_template(self, name, language, components, *, status="APPROVED", category="MARKETING", **fields):
        """Put a template in the account (replacing one of the same name and language), as WhatsApp Manager would."""
        template = {"name": name, "language": language, "status": status, "category": category, **fields}
        template.update(components=components, id=template.get("id") or str(10**15 + next(self._ids)))
        with self.lock:
            self.templates = [t for t in self.templates if (t["name"], t["language"]) != (name, language)]
            self.templates.append(template)
        return template

    def add_stored_template(self, template):
        """The same for a MessageTemplate row of a test (the templates the site believes Meta holds)."""
        fields = {"parameter_format": template.parameter_format} if template.parameter_format else {}
        return self.add_template(
            template.name,
            template.language,
            template.components,
            status=template.status,
            category=template.category,
            **fields,
        )

    def count_connection(self):
        with self.lock:
            self.connections_opened += 1

    # Lifecycle

    def start(self):
        handler = type("Handler", (Handler,), {"fake": self})
        self.server = Server((self.host, self.port), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), name="fake-graph", daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    # Request handling (called from the handler threads)

    def _next_wamid(self):
        raw = f"fake-{next(self._ids)}-{self.rng.getrandbits(48):012x}".encode()
        return "wamid." + base64.b64encode(raw).decode()

    def handle(self, method, path, query, headers, body, arrived=None):
        """(status, payload) or ("hold"/"drop", payload-after-hold). ``arrived``: when the request reached the machine
        (handler.py), else now."""
        # Meta counts a message when it arrives, not when our simulated latency is over: the rate limit and the
        # accepted times use the arrival, so the fake's own thread scheduling under load does not bunch them.
        arrived = time.time() if arrived is None else arrived
        parsed = None
        if body and headers.get("content-type", "").startswith("application/json"):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = ValueError
        with self.lock:
            self.requests.append(RecordedRequest(method, path, query, headers, body, parsed, arrived))
        scripted = self._scripted_answer()
        if scripted:
            return scripted
        # Bearer everywhere; Meta's resumable upload also takes "OAuth <token>".
        if headers.get("authorization") not in (f"Bearer {self.token}", f"OAuth {self.token}"):
            return self._refuse(Refusal(190, "Invalid OAuth access token", status=401))
        if self._token_expired():
            return self._refuse(Refusal(190, "Session has expired", status=401))
        self._wait_latency()
        parts = [p for p in path.split("/") if p]
        try:
            if parsed is ValueError:
                raise Refusal(100, "The request body is not valid JSON")
            if path == DOWNLOAD_PATH and method == "GET":
                return self._download(query)
            if len(parts) == 3 and parts[2] == "messages" and method == "POST":
                return self._messages(parsed, arrived)
            if len(parts) == 3 and parts[2] == "media" and method == "POST":
                return self._upload(headers, body)
            if len(parts) == 3 and parts[2] == "block_users" and method in ("POST", "DELETE"):
                return self._block(parsed)
            if len(parts) == 3 and parts[2] == "message_templates" and method == "GET":
                return self._templates(query)
            if len(parts) == 3 and parts[2] == "message_templates" and method == "POST":
                return self._create_template(parsed)
            if len(parts) == 3 and parts[2] == "uploads" and method == "POST":
                return 200, {"id": f"upload:{next(self._ids)}"}
            if len(parts) == 2 and parts[1].startswith("upload:") and method == "POST":
                return self._upload_example(headers, body)
            if len(parts) == 2 and method == "GET":
                return self._node(parts[1], query)
            raise Refusal(100, f"Unsupported {method} request", status=400)
        except Refusal as refusal:
            return self._refuse(refusal)

    def _refuse(self, refusal):
        with self.lock:
            self.errors[refusal.code] += 1
        return refusal.status, meta_error(refusal.code, refusal.details, refusal.message)

    def _messages(self, body, arrived):
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            raise Refusal(100, "The parameter messaging_product is required.")
        if body.get("status") == "read":
            if not body.get("message_id"):
                raise Refusal(100, "The parameter message_id is required.")
            return 200, {"success": True}
        kind = validate_message(body)
        if kind == "template":
            with self.lock:
                templates = list(self.templates)
            validate_template_send(body["template"], templates)
        to = body["to"]
        with self.lock:
            server_error = self._server_error()
            if server_error:
                return server_error
            timeout = self._draw(self.timeout_rate)
            recipient_error = self._recipient_error(to)
            if recipient_error:
                return recipient_error
            now = arrived
            if self._rate_limited(now):
                return 400, meta_error(130429)
            wamid = self._next_wamid()
            answer = {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": digits(to)}],
                "messages": [{"id": wamid, **({"message_status": "accepted"} if kind == "template" else {})}],
            }
            if not timeout or self.timeout_accepts:
                bisect.insort(self._recent, now)
                self.accepted.append(Accepted(to=to, body=body, wamid=wamid, at=now))
        if timeout:
            return self.timeout_mode, answer
        return 200, answer

    def _create_template(self, body):
        """Meta keeps a new template PENDING for review (``created_status``); the list then shows it."""
        with self.lock:
            template = validate_new_template(body, self.templates)
            template.update(id=str(10**15 + next(self._ids)), status=self.created_status)
            self.templates.append(template)
        return 200, {"id": template["id"], "status": template["status"], "category": template["category"]}

    def _upload_example(self, headers, body):
        if headers.get("file_offset") != "0" or not body:
            raise Refusal(100, "The upload needs file_offset: 0 and the file's bytes.")
        return 200, {"h": f"4::fake-handle-{hashlib.sha256(body).hexdigest()[:12]}"}

    def _upload(self, headers, body):
        content, mime_type, filename = parse_upload(headers, body)
        with self.lock:
            media_id = str(10**15 + next(self._ids))
            self.media[media_id] = {"mime_type": mime_type, "size": len(content), "filename": filename}
            self.media_content[media_id] = (content, hashlib.sha256(content).hexdigest())
        return 200, {"id": media_id}

    def _node(self, node_id, query):
        """``GET /<id>``: a media id answers its download URL (valid 5 minutes at Meta); other ids with ``fields``
        are taken for the phone number; anything else does not exist, as Meta says (code 100)."""
        with self.lock:
            info, stored = self.media.get(node_id), self.media_content.get(node_id)
        if info and stored:
            return 200, {
                "messaging_product": "whatsapp",
                "url": f"{self.url}{DOWNLOAD_PATH}?mid={quote(node_id)}&hash={stored[1][:16]}",
                "mime_type": info["mime_type"],
                "sha256": stored[1],
                "file_size": info["size"],
                "id": node_id,
            }
        if query.get("fields"):
            return 200, {"id": node_id, **self.phone_number_fields}
        raise Refusal(
            100,
            message=f"Unsupported get request. Object with ID '{node_id}' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation.",
        )

    def _download(self, query):
        with self.lock:
            info, stored = self.media.get(query.get("mid", "")), self.media_content.get(query.get("mid", ""))
        if not info or not stored:
            raise Refusal(100, "The media does not exist or its URL has expired.", status=404)
        return 200, RawBody(stored[0], info["mime_type"])

    def _block(self, body):
        body = body if isinstance(body, dict) else {}
        users = body.get("block_users")
        if body.get("messaging_product") != "whatsapp" or not isinstance(users, list) or not users:
            raise Refusal(100, "The parameters messaging_product and block_users are required.")
        added, failed = [], []
        for entry in users:
            user = str(entry.get("user", "")) if isinstance(entry, dict) else ""
            code = self._block_failure(user)
            item = {"input": user, "wa_id": digits(user)}
            if code:
                failed.append({**item, "errors": [{**meta_error(code)["error"], "fbtrace_id": None}]})
            else:
                added.append(item)
        answer = {"messaging_product": "whatsapp", "block_users": {"added_users": added}}
        if not failed:
            return 200, answer
        answer["block_users"]["failed_users"] = failed
        answer.update(meta_error(139100, "Failed to block some users, see the block_users response list for details"))
        return 400, answer

    def _templates(self, query):
        size = int(query.get("limit", self.template_page_size))
        size = max(1, min(size, self.template_page_size))
        start = int(base64.b64decode(query["after"]).decode()) if query.get("after") else 0
        fields = query.get("fields", "name,status,id").split(",")
        page = [{k: v for k, v in t.items() if k in fields} for t in self.templates[start : start + size]]
        end = start + len(page)
        paging = {"cursors": {"before": base64.b64encode(str(start).encode()).decode()}}
        paging["cursors"]["after"] = base64.b64encode(str(end).encode()).decode()
        if end < len(self.templates):
            paging["next"] = f"{self.url}/fake/message_templates?after={paging['cursors']['after']}"
        return 200, {"data": page, "paging": paging}
