"""A fake WhatsApp Cloud API (Graph) on 127.0.0.1, speaking the real protocol.

- `POST /{phone_number_id}/messages` (bearer token): text, interactive and template messages,
  to a phone (`to`) or to a business-scoped user id (`recipient`); answers `{"messages":
  [{"id": "wamid…"}]}`. WhatsApp's 24-hour window: a free-form message to a user who has not
  written within `window_hours` (see `user_wrote`) is accepted and then failed in a status
  webhook with error 131047, as Meta does; a template must exist and be APPROVED (132001).
- `fail_next(code)` makes the next message POSTs fail with a Graph error: 131050 (the user
  stopped marketing messages), 130429 (throughput), 131056 (pair rate), 131047 at once.
- `POST /{waba_id}/message_templates` makes a template (PENDING; duplicate name and language
  refused with code 100, as Meta refuses it), `GET` lists them (filtered by `name`);
  `approve()` approves.
- With `webhook_url` and `app_secret` set, every message accepted gets signed status webhooks
  (`sent`, with `pricing`: category and billable), and `inbound(...)` posts a user's message
  (with `from` and/or `from_user_id`, and `contacts`) as Meta delivers it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes import QuietHandler

PHONE_NUMBER_ID = "1234567890"
WABA_ID = "998877665544"
TOKEN = "meta-test-token"


@dataclass
class GraphMessage:
    id: str
    payload: dict[str, Any]
    created: float = field(default_factory=time.time)

    @property
    def to(self) -> str:
        return str(self.payload.get("to") or self.payload.get("recipient") or "")

    @property
    def kind(self) -> str:
        return str(self.payload.get("type"))

    @property
    def text(self) -> str:
        if self.kind == "text":
            return str(self.payload["text"]["body"])
        if self.kind == "interactive":
            return str(self.payload["interactive"]["body"]["text"])
        return ""


class FakeMeta:
    """Start with `with FakeMeta() as fake:`; `fake.url` is the Graph base URL."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.messages: list[GraphMessage] = []
        self.templates: list[dict[str, Any]] = []
        self.failures: list[tuple[int, int, str]] = []
        self.window_hours = 24.0
        self.last_inbound: dict[str, float] = {}  # phone digits or user id -> when they wrote
        self.webhook_url: str | None = None
        self.app_secret: str | None = None
        self.pricing_category = {"template": "utility"}  # else "service"
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._posts: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeMeta:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for thread in self._posts:
            thread.join(timeout=5)
        self._server.shutdown()
        self._server.server_close()

    # --- what tests set up ---------------------------------------------------------------

    def user_wrote(self, who: str, when: float | None = None) -> None:
        with self.lock:
            self.last_inbound[who.lstrip("+")] = time.time() if when is None else when

    def fail_next(self, code: int, count: int = 1, status: int = 400,
                  message: str = "failed") -> None:
        with self.lock:
            self.failures.extend([(status, code, message)] * count)

    def approve(self, name: str | None = None) -> None:
        with self.lock:
            for template in self.templates:
                if name is None or template["name"] == name:
                    template["status"] = "APPROVED"

    def sent_to(self, who: str) -> list[GraphMessage]:
        with self.lock:
            return [m for m in self.messages if m.to == who.lstrip("+")]

    # --- webhooks ------------------------------------------------------------------------

    def _sign(self, body: bytes) -> str:
        assert self.app_secret
        return "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()

    def post_webhook(self, value: dict[str, Any]) -> int:
        """POST one signed `messages` notification to the app; its HTTP status."""
        assert self.webhook_url
        payload = {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
                "display_phone_number": "9779800000000", "phone_number_id": PHONE_NUMBER_ID},
                **value}}]}]}
        body = json.dumps(payload).encode()
        request = urllib.request.Request(self.webhook_url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": self._sign(body)})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def inbound(self, text: str, phone: str | None = None, user_id: str | None = None,
                name: str = "Sita") -> int:
        """A user's text message as Meta delivers it; `phone` may be left out (a username)."""
        message: dict[str, Any] = {"id": "wamid." + uuid.uuid4().hex, "type": "text",
                                   "timestamp": str(int(time.time())), "text": {"body": text}}
        contact: dict[str, Any] = {"profile": {"name": name}}
        if phone:
            message["from"] = contact["wa_id"] = phone.lstrip("+")
        if user_id:
            message["from_user_id"] = contact["user_id"] = user_id
        self.user_wrote(phone or user_id or "")
        if phone and user_id:
            self.user_wrote(user_id)
        return self.post_webhook({"contacts": [contact], "messages": [message]})

    def _status(self, sent: GraphMessage, status: str, error: int | None = None) -> None:
        item: dict[str, Any] = {"id": sent.id, "status": status,
                                "timestamp": str(int(time.time()))}
        if "to" in sent.payload:
            item["recipient_id"] = sent.payload["to"]
        else:
            item["recipient_user_id"] = sent.payload["recipient"]
        if error is None:
            item["pricing"] = {"billable": sent.kind == "template", "pricing_model": "PMP",
                               "category": self.pricing_category.get(sent.kind, "service"),
                               "type": "regular"}
        else:
            item["errors"] = [{"code": error, "title": "Re-engagement message"}]
        self.post_webhook({"statuses": [item]})

    def _later(self, sent: GraphMessage, status: str, error: int | None = None) -> None:
        if not (self.webhook_url and self.app_secret):
            return
        thread = threading.Thread(target=self._status, args=(sent, status, error), daemon=True)
        self._posts.append(thread)
        thread.start()

    # --- the Graph API -------------------------------------------------------------------

    def _send(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if self.failures:
                status, code, text = self.failures.pop(0)
                return status, {"error": {"message": text, "type": "OAuthException",
                                          "code": code, "fbtrace_id": "A" + uuid.uuid4().hex}}
            who = str(payload.get("to") or payload.get("recipient") or "")
            if not who:
                return 400, {"error": {"message": "to or recipient is required", "code": 100}}
            if payload.get("type") == "template":
                wanted = payload.get("template") or {}
                found = next((t for t in self.templates if t["name"] == wanted.get("name")
                              and t["language"] == (wanted.get("language") or {}).get("code")
                              and t["status"] == "APPROVED"), None)
                if found is None:
                    return 404, {"error": {"message": "Template name does not exist in the "
                                           "translation", "code": 132001}}
                refused = False
            else:
                wrote = self.last_inbound.get(who)
                refused = wrote is None or time.time() - wrote > self.window_hours * 3600
            sent = GraphMessage("wamid." + uuid.uuid4().hex, payload)
            self.messages.append(sent)
        if refused:
            self._later(sent, "failed", 131047)
        else:
            self._later(sent, "sent")
        key = "input"
        contact = {key: who, "wa_id": who} if "to" in payload else {key: who, "user_id": who}
        return 200, {"messaging_product": "whatsapp", "contacts": [contact],
                     "messages": [{"id": sent.id}]}

    def _make_template(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if any(t["name"] == body.get("name") and t["language"] == body.get("language")
                   for t in self.templates):
                return 400, {"error": {"message": "Content in this language already exists",
                                       "code": 100, "error_subcode": 2388024}}
            template = {"id": str(uuid.uuid4().int)[:16], "name": body.get("name"),
                        "language": body.get("language"), "category": body.get("category"),
                        "components": body.get("components"), "status": "PENDING"}
            self.templates.append(template)
        return 200, {"id": template["id"], "status": "PENDING", "category": body["category"]}

    def _list_templates(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            found = [dict(t) for t in self.templates
                     if not query.get("name") or t["name"] == query["name"]]
        return {"data": [{k: t.get(k) for k in ("id", "name", "language", "status",
                                                  "category")} | {"rejected_reason": "NONE"}
                         for t in found], "paging": {}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def _authorised(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {fake.token}":
                    return True
                self._json(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
                return False

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urllib.parse.urlsplit(self.path)
                if not self._authorised():
                    return
                if url.path.endswith(f"/{WABA_ID}/message_templates"):
                    self._json(200, fake._list_templates(dict(urllib.parse.parse_qsl(
                        url.query))))
                else:
                    self._json(404, {"error": {"message": "Unknown path", "code": 100}})

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                path = urllib.parse.urlsplit(self.path).path
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self._authorised():
                    return
                if path.endswith(f"/{PHONE_NUMBER_ID}/messages"):
                    self._json(*fake._send(body))
                elif path.endswith(f"/{WABA_ID}/message_templates"):
                    self._json(*fake._make_template(body))
                else:
                    self._json(404, {"error": {"message": "Unknown path", "code": 100}})

        return Handler
