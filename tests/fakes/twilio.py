"""A fake Twilio REST API on 127.0.0.1 that the real `twilio` client talks to.

It speaks the Messages resource the way Twilio does (form-encoded POST with basic auth, JSON
answer with a `SM…` sid, error bodies with `code` and `message`) and, when asked, calls the
message's StatusCallback with a correctly signed request, as Twilio would.

It speaks the Content API too, on the same server (point the client's content domain at
`url`): `POST /v1/Content` with a JSON template answers with an `HX…` sid and records the
template in `contents`; a message sent with `ContentSid` and `ContentVariables` gets the body
that template renders, and `SentMessage.options` lists its buttons or list items. Bodies over
1,600 characters are refused with error 21617, as Twilio refuses them.

It lists messages as Twilio does (`GET …/Messages.json` with `To`, `From` and the `DateSent`
filters, which compare whole GMT dates, newest first), so a sender can ask whether a message
already left. `hold_next()` makes the next message POSTs wait for `release()` before they are
answered: with `record=True` Twilio has taken the message (a worker killed meanwhile never
learns its sid), with `record=False` the request is lost on the way and nothing is sent.

WhatsApp's 24-hour window, when `enforce_window` is on: `user_wrote(phone)` records that the
user wrote (tests call it with each inbound message); a free-form send (a `Body`, or a content
template not approved for WhatsApp) to a user who has not written within `window_hours` is
accepted (201) and then failed with error 63016 in a signed status callback, as Twilio does.
The Content API serves approval requests too: `POST /v1/Content/{sid}/ApprovalRequests/whatsapp`
records one (`approval_requests`), `GET /v1/Content/{sid}/ApprovalRequests` answers its status
(`received` until `approve()` or with `auto_approve`), and `GET /v1/Content` lists templates.

It also serves inbound media the way Twilio does: `add_media(data)` gives a `MediaUrl` under
the Messages resource that needs basic auth and answers with a redirect to a second server
(Twilio's media host) serving the bytes, where no credentials belong. `add_media(data,
trickle=2.0)` has the media host send them one byte every two seconds (a stalled download);
`redirect_media(location)` gives a MediaUrl whose API answer redirects to `location` instead
(the provider turned hostile, or spoofed).
"""
from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from twilio.request_validator import RequestValidator

from tests.fakes import QuietHandler


@dataclass
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str
    params: dict[str, str]
    created: float = field(default_factory=time.time)
    content: dict[str, Any] | None = None  # the template of a ContentSid message
    status: str = "sent"  # the fake hands a message on at once; callbacks move it further

    def resource(self, account_sid: str) -> dict[str, Any]:
        """The message as Twilio's REST API shows it."""
        stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(self.created))
        return {"sid": self.sid, "account_sid": account_sid, "to": self.to,
                "from": self.from_, "body": self.body, "status": self.status,
                "num_segments": "1", "direction": "outbound-api", "date_created": stamp,
                "date_updated": stamp, "date_sent": stamp,
                "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{self.sid}.json"}

    @property
    def options(self) -> list[str]:
        """The titles of the buttons or list items this message carried."""
        types = (self.content or {}).get("types") or {}
        quick = types.get("twilio/quick-reply") or {}
        picker = types.get("twilio/list-picker") or {}
        return ([a["title"] for a in quick.get("actions") or []]
                or [i["item"] for i in picker.get("items") or []])


def render(template: dict[str, Any], variables: dict[str, str]) -> str:
    """The body a content template gives with these variables (WhatsApp's richest type)."""
    types = template.get("types") or {}
    for kind in ("twilio/quick-reply", "twilio/list-picker", "twilio/text"):
        if types.get(kind):
            body = str(types[kind].get("body", ""))
            return re.sub(r"\{\{(\w+)\}\}",
                          lambda m: variables.get(m.group(1), m.group(0)), body)
    return ""


def sent_day(message: SentMessage) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(message.created))


class FakeTwilio:
    """Start with `with FakeTwilio(sid, token) as fake:`; `fake.url` is the base URL."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-token") -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[SentMessage] = []
        # (http status, twilio code, message) per coming message POST; None lets one through.
        self.failures: list[tuple[int, int, str] | None] = []
        self.holds: list[bool] = []  # per coming message POST: recorded before it waits?
        self.held = 0  # message POSTs that arrived and waited for release()
        self._released = threading.Event()
        self.callback_statuses: tuple[str, ...] = ()
        self.lock = threading.Lock()
        self.condition = threading.Condition(self.lock)
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_fetches: list[tuple[str, bool]] = []  # (where, carried credentials)
        self.cdn_failures = 0  # the media host answers this many next requests with 500
        self.media_redirects: dict[str, str] = {}  # media sid -> where its API answer points
        self.media_trickle: dict[str, float] = {}  # media sid -> seconds between its bytes
        self.trickling = 0  # trickled downloads being served right now
        self.trickle_hung_up: list[bool] = []  # per finished trickle: the client hung up first
        self.contents: dict[str, dict[str, Any]] = {}  # content templates made, by sid
        self.content_failures: list[tuple[int, int, str]] = []
        self.approvals: dict[str, dict[str, Any]] = {}  # content sid -> its WhatsApp approval
        self.approval_requests: list[tuple[str, dict[str, Any]]] = []
        self.auto_approve = False
        self.enforce_window = False
        self.window_hours = 24.0
        self.last_inbound: dict[str, float] = {}  # "whatsapp:+977…" -> when the user wrote
        self.refused: list[SentMessage] = []  # free-form sends failed with 63016
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._cdn = ThreadingHTTPServer(("127.0.0.1", 0), self._cdn_handler())
        self._cdn_thread = threading.Thread(target=self._cdn.serve_forever, daemon=True,
                                            kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def cdn_url(self) -> str:
        host, port = self._cdn.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        self._cdn_thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        for server in (self._server, self._cdn):
            server.shutdown()
            server.server_close()

    def add_media(self, data: bytes, content_type: str = "image/jpeg",
                  trickle: float = 0.0) -> str:
        """Keep `data` as an inbound message's media; returns its MediaUrl. With `trickle`,
        the media host sends it one byte every `trickle` seconds."""
        media_sid = "ME" + uuid.uuid4().hex
        with self.lock:
            self.media[media_sid] = (data, content_type)
            if trickle:
                self.media_trickle[media_sid] = trickle
        return self._media_url(media_sid)

    def redirect_media(self, location: str) -> str:
        """A MediaUrl whose (authorised) API answer is a redirect to `location`."""
        media_sid = "ME" + uuid.uuid4().hex
        with self.lock:
            self.media_redirects[media_sid] = location
        return self._media_url(media_sid)

    def _media_url(self, media_sid: str) -> str:
        message_sid = "MM" + uuid.uuid4().hex
        return (f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}"
                f"/Media/{media_sid}")

    def _fetched(self, where: str, header: str | None) -> None:
        with self.lock:
            self.media_fetches.append((where, bool(header)))

    def fail_next(self, count: int = 1, status: int = 500, code: int = 20500,
                  message: str = "Internal Server Error", after: int = 0) -> None:
        """The next `count` message POSTs fail, once `after` more have gone through."""
        with self.lock:
            self.failures.extend([None] * after + [(status, code, message)] * count)

    def hold_next(self, count: int = 1, record: bool = True) -> None:
        """The next `count` message POSTs wait for `release()` before anything is answered:
        recorded first (`record`, Twilio has the message) or dropped when released (the
        request was lost and nothing is sent)."""
        with self.lock:
            self._released.clear()
            self.holds.extend([record] * count)

    def wait_held(self, count: int = 1, timeout: float = 45.0) -> int:
        """Block until `count` held POSTs have arrived; returns how many have."""
        deadline = time.time() + timeout
        with self.condition:
            while self.held < count and time.time() < deadline:
                self.condition.wait(timeout=max(0.0, deadline - time.time()))
            return self.held

    def release(self) -> None:
        """Let held POSTs finish (their senders may be long gone)."""
        self._released.set()

    def _hold(self) -> bool | None:
        """Whether this POST is held (and then recorded or not); None: answered as usual."""
        with self.lock:
            return self.holds.pop(0) if self.holds else None

    def _arrived(self) -> None:
        with self.condition:
            self.held += 1
            self.condition.notify_all()

    def listing(self, query: dict[str, str]) -> dict[str, Any]:
        """A page of the Messages list, newest first, filtered as Twilio filters: To, From,
        DateSent (exact date), DateSent> and DateSent< (on or after / before, whole days)."""
        def day(value: str) -> str:
            return value[:10]  # YYYY-MM-DD of a date or an ISO 8601 datetime

        with self.lock:
            found = list(reversed(self.messages))
        for key, keep in (
            ("To", lambda m, v: m.to == v), ("From", lambda m, v: m.from_ == v),
            ("DateSent", lambda m, v: sent_day(m) == day(v)),
            ("DateSent>", lambda m, v: sent_day(m) >= day(v)),
            ("DateSent<", lambda m, v: sent_day(m) <= day(v)),
        ):
            if query.get(key):
                found = [m for m in found if keep(m, query[key])]
        size = int(query.get("PageSize") or 50)
        page = int(query.get("Page") or 0)
        shown = found[page * size:(page + 1) * size]
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        more = (page + 1) * size < len(found)
        return {"messages": [m.resource(self.account_sid) for m in shown],
                "page": page, "page_size": size, "start": page * size,
                "end": page * size + len(shown), "uri": f"{base}?Page={page}",
                "first_page_uri": f"{base}?Page=0", "previous_page_uri": None,
                "next_page_uri": f"{base}?PageSize={size}&Page={page + 1}" if more else None}

    def fail_content(self, count: int = 1, status: int = 400, code: int = 20001,
                     message: str = "Invalid content") -> None:
        """The next `count` template creations fail."""
        with self.lock:
            self.content_failures.extend([(status, code, message)] * count)

    def _make_content(self, template: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if self.content_failures:
                status, code, message = self.content_failures.pop(0)
                return status, {"code": code, "message": message, "status": status}
            types = {k: v for k, v in (template.get("types") or {}).items() if v is not None}
            if not types or not template.get("friendly_name"):
                return 400, {"code": 20001, "message": "types and friendly_name are required",
                             "status": 400}
            sid = "HX" + uuid.uuid4().hex
            stored = {**template, "types": types, "sid": sid,
                      "account_sid": self.account_sid}
            self.contents[sid] = stored
        return 201, {**stored, "url": f"https://content.twilio.com/v1/Content/{sid}",
                     "date_created": "2024-01-01T00:00:00Z",
                     "date_updated": "2024-01-01T00:00:00Z", "links": {}}

    def user_wrote(self, phone: str, when: float | None = None) -> None:
        """The WhatsApp user `phone` wrote to us (at `when`, default now): their window opens."""
        with self.lock:
            self.last_inbound[f"whatsapp:{phone}"] = time.time() if when is None else when

    def approve(self, name: str | None = None, status: str = "approved") -> int:
        """Give every approval request (or those of template `name`) `status`; how many."""
        with self.lock:
            changed = 0
            for approval in self.approvals.values():
                if name is None or approval["name"] == name:
                    approval["status"] = status
                    changed += 1
            return changed

    def _approval(self, sid: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if sid not in self.contents:
                return 404, {"code": 20404, "message": "Not found", "status": 404}
            approval = {"name": body.get("name"), "category": body.get("category"),
                        "content_type": "twilio/text", "rejection_reason": "",
                        "status": "approved" if self.auto_approve else "received",
                        "allow_category_change": True}
            self.approvals[sid] = approval
            self.approval_requests.append((sid, body))
        return 201, dict(approval)

    def _approval_status(self, sid: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if sid not in self.contents:
                return 404, {"code": 20404, "message": "Not found", "status": 404}
            approval = self.approvals.get(sid) or {"status": "unsubmitted", "name": ""}
        return 200, {"sid": sid, "account_sid": self.account_sid, "whatsapp": dict(approval),
                     "url": f"https://content.twilio.com/v1/Content/{sid}/ApprovalRequests"}

    def _content_list(self) -> dict[str, Any]:
        with self.lock:
            contents = [dict(c) for c in self.contents.values()]
        return {"contents": contents, "meta": {"page": 0, "page_size": 500,
                                               "next_page_url": None}}

    def _outside_window(self, params: dict[str, str]) -> bool:
        """Whether WhatsApp would refuse this send: free-form to a user whose window closed."""
        to = params.get("To", "")
        if not self.enforce_window or not to.startswith("whatsapp:"):
            return False
        sid = params.get("ContentSid")
        if sid and (self.approvals.get(sid) or {}).get("status") == "approved":
            return False
        wrote = self.last_inbound.get(to)
        return wrote is None or time.time() - wrote > self.window_hours * 3600

    def wait_for(self, count: int, timeout: float = 45.0) -> list[SentMessage]:
        """Block until at least `count` messages were sent (or the timeout passes)."""
        deadline = time.time() + timeout
        with self.condition:
            while len(self.messages) < count and time.time() < deadline:
                self.condition.wait(timeout=max(0.0, deadline - time.time()))
            return list(self.messages)

    def to(self, address: str) -> list[SentMessage]:
        with self.lock:
            return [m for m in self.messages if m.to.endswith(address)]

    def _record(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.condition:
            failure = self.failures.pop(0) if self.failures else None
            if failure is not None:
                status, code, message = failure
                return status, {"code": code, "message": message, "status": status,
                                "more_info": f"https://www.twilio.com/docs/errors/{code}"}
            content = None
            body = params.get("Body", "")
            if params.get("ContentSid"):
                content = self.contents.get(params["ContentSid"])
                if content is None:
                    return 400, {"code": 21655, "message": "The ContentSid is Invalid",
                                 "status": 400}
                variables = json.loads(params.get("ContentVariables") or "{}")
                body = body or render(content, variables)
            if len(body) > 1600:
                return 400, {"code": 21617, "status": 400, "message":
                             "The concatenated message body exceeds the 1600 character limit"}
            sid = "SM" + uuid.uuid4().hex
            sent = SentMessage(sid=sid, to=params.get("To", ""), from_=params.get("From", ""),
                               body=body, params=params, content=content)
            refused = self._outside_window(params)
            if refused:
                sent.status = "failed"
                self.refused.append(sent)
            self.messages.append(sent)
            self.condition.notify_all()
        if refused:
            if params.get("StatusCallback"):
                threading.Thread(target=self._post_status, daemon=True,
                                 args=(sent, "failed", "63016")).start()
        elif params.get("StatusCallback") and self.callback_statuses:
            threading.Thread(target=self._callbacks, args=(sent,), daemon=True).start()
        return 201, {**sent.resource(self.account_sid), "status": "queued", "date_sent": None}

    def _post_status(self, sent: SentMessage, status: str, code: str) -> None:
        """A signed status callback for `sent`, as Twilio posts one."""
        url = sent.params["StatusCallback"]
        form = {"MessageSid": sent.sid, "MessageStatus": status, "AccountSid": self.account_sid,
                "To": sent.to, "From": sent.from_, "ErrorCode": code,
                "ErrorMessage": "Message failed to send because more than 24 hours have "
                                "passed since the customer last replied to this number."}
        self._post_signed(url, form)

    def _post_signed(self, url: str, form: dict[str, str]) -> None:
        """POST `form` to our app signed as Twilio signs it; a refused post is Twilio's loss."""
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode(form).encode(), method="POST",
            headers={"X-Twilio-Signature": signature,
                     "Content-Type": "application/x-www-form-urlencoded"})
        try:
            urllib.request.urlopen(request, timeout=5).read()
        except OSError:
            pass

    def _callbacks(self, sent: SentMessage) -> None:
        url = sent.params["StatusCallback"]
        for status in self.callback_statuses:
            sent.status = status
            form = {"MessageSid": sent.sid, "MessageStatus": status, "AccountSid":
                    self.account_sid, "To": sent.to, "From": sent.from_}
            if status in ("failed", "undelivered"):
                form.update(ErrorCode="63016", ErrorMessage="Outside the allowed window")
            self._post_signed(url, form)

    def _authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == self.account_sid and password == self.auth_token

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urllib.parse.urlsplit(self.path)
                path = url.path
                if path.startswith("/v1/Content"):
                    if not fake._authorised(self.headers.get("Authorization")):
                        self._json(401, {"code": 20003, "message": "Authenticate",
                                         "status": 401})
                    elif path == "/v1/Content":
                        self._json(200, fake._content_list())
                    elif (found := re.fullmatch(r"/v1/Content/(HX\w+)/ApprovalRequests",
                                                path)) is not None:
                        self._json(*fake._approval_status(found.group(1)))
                    else:
                        self._json(404, {"code": 20404, "message": "Not found", "status": 404})
                    return
                if path == f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json":
                    if not fake._authorised(self.headers.get("Authorization")):
                        self._json(401, {"code": 20003, "message": "Authenticate",
                                         "status": 401})
                    else:
                        self._json(200, fake.listing(dict(urllib.parse.parse_qsl(url.query))))
                    return
                found = re.fullmatch(rf"/2010-04-01/Accounts/{fake.account_sid}/Messages/"
                                     r"MM[0-9a-f]+/Media/(ME[0-9a-f]+)", path)
                fake._fetched("api", self.headers.get("Authorization"))
                if not fake._authorised(self.headers.get("Authorization")):
                    self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                elif found is not None and found.group(1) in fake.media_redirects:
                    self.send_response(307)
                    self.send_header("Location", fake.media_redirects[found.group(1)])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif found is None or found.group(1) not in fake.media:
                    self._json(404, {"code": 20404, "message": "Not found", "status": 404})
                else:
                    self.send_response(307)
                    self.send_header("Location", f"{fake.cdn_url}/media/{found.group(1)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                path = urllib.parse.urlsplit(self.path).path
                expected = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode()
                if path == "/v1/Content" and fake._authorised(self.headers.get("Authorization")):
                    self._json(*fake._make_content(json.loads(raw or "{}")))
                    return
                approval = re.fullmatch(r"/v1/Content/(HX\w+)/ApprovalRequests/whatsapp", path)
                if approval is not None and fake._authorised(self.headers.get("Authorization")):
                    self._json(*fake._approval(approval.group(1), json.loads(raw or "{}")))
                    return
                params = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                if not fake._authorised(self.headers.get("Authorization")):
                    self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                elif path != expected:
                    self._json(404, {"code": 20404, "message": "Not found", "status": 404})
                elif not params.get("To") or not (params.get("Body") or params.get("MediaUrl")
                                                  or params.get("ContentSid")):
                    self._json(400, {"code": 21602, "message": "Message body is required.",
                                     "status": 400})
                else:
                    self._answer(params)

            def _answer(self, params: dict[str, str]) -> None:
                held = fake._hold()
                if held is None:
                    self._json(*fake._record(params))
                    return
                answer = fake._record(params) if held else None
                fake._arrived()
                fake._released.wait(timeout=60)
                if answer is None:
                    self.close_connection = True  # lost on the way: no answer, nothing sent
                    return
                try:
                    self._json(*answer)
                except OSError:
                    pass  # the sender died meanwhile; Twilio has the message all the same

        return Handler

    def _cdn_handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                media_sid = urllib.parse.urlsplit(self.path).path.rpartition("/")[2]
                fake._fetched("cdn", self.headers.get("Authorization"))
                with fake.lock:
                    failing = fake.cdn_failures > 0
                    fake.cdn_failures -= 1 if failing else 0
                    found = fake.media.get(media_sid)
                    trickle = fake.media_trickle.get(media_sid, 0.0)
                status = 500 if failing else 200 if found else 404
                data, content_type = found if status == 200 and found else (b"", "text/plain")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if status == 200 and trickle:
                    self._trickle(data, trickle)
                else:
                    self.wfile.write(data)

            def _trickle(self, data: bytes, every: float) -> None:
                with fake.lock:
                    fake.trickling += 1
                hung_up = False
                try:
                    for index, byte in enumerate(data):  # bounded: it ends with the data
                        if index:
                            time.sleep(every)
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:
                    hung_up = True
                finally:
                    with fake.lock:
                        fake.trickling -= 1
                        fake.trickle_hung_up.append(hung_up)

        return Handler
