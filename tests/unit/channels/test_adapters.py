"""The Twilio and Meta adapters against fake providers on loopback: buttons, plain fallbacks,
long bodies cut into parts (one provider message each) and asking what was already sent."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from market.channels import ChannelError, OutboundMessage
from market.channels.interactive import split_body
from market.channels.meta import MetaChannel
from market.channels.twilio import ContentCache, TwilioChannel
from tests.fakes.twilio import FakeTwilio

DRAFT = "Total Rs 972.10\n1. Yes, place order\n2. No, drop it"
OPTIONS = ("Yes, place order", "No, drop it")
LONG = "\n".join(f"{i}. Sugar: 10 kg × Rs 97.21/kg = Rs 972.10 (2% volume discount)"
                 for i in range(1, 61))


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    # Templates remembered in this process belong to an earlier fake (maybe on the same port).
    ContentCache._memory.clear()
    with FakeTwilio() as fake:
        yield fake


def channel(fake: FakeTwilio, kind: str = "whatsapp") -> TwilioChannel:
    return TwilioChannel.from_config({
        "TWILIO_ACCOUNT_SID": fake.account_sid, "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_API_BASE_URL": fake.url, "TWILIO_WHATSAPP_NUMBER": "+9779800000000",
        "TWILIO_SMS_NUMBER": "+9779800000001"}, kind)


def message(body: str = DRAFT, options: tuple[str, ...] = OPTIONS, **extra: Any) -> OutboundMessage:
    return OutboundMessage(id=1, to="+9779812340001", body=body, options=options,
                           extra={"language": "en", **extra})


def test_list_picker_for_many_options(twilio):
    options = tuple(f"Coca-Cola {s}" for s in ("250 ml", "500 ml", "1 L", "2.25 L"))
    channel(twilio).send(message("Which one?", options))
    [sent] = twilio.messages
    assert sent.options == list(options) and sent.body == "Which one?"
    [template] = twilio.contents.values()
    assert template["types"]["twilio/list-picker"]["button"] == "Choose"


def test_sms_never_gets_buttons(twilio):
    channel(twilio, "sms").send(message())
    [sent] = twilio.messages
    assert sent.params["Body"] == DRAFT and "ContentSid" not in sent.params
    assert not twilio.contents


def test_eleven_options_are_plain_text(twilio):
    channel(twilio).send(message("Pick one", tuple(f"option {i}" for i in range(11))))
    [sent] = twilio.messages
    assert sent.params["Body"] == "Pick one" and not twilio.contents


def test_a_template_twilio_no_longer_knows_is_forgotten_and_text_goes(twilio):
    adapter = channel(twilio)
    adapter.send(message())
    twilio.contents.clear()  # deleted at Twilio: sending with it answers 21655
    result = adapter.send(message())
    assert twilio.messages[-1].params["Body"] == DRAFT
    assert result.provider_id == twilio.messages[-1].sid
    adapter.send(message())  # made again on the next send
    assert len(twilio.contents) == 1 and twilio.messages[-1].options == list(OPTIONS)


def test_a_long_body_is_cut_into_parts_with_room_for_the_buttons_last(twilio):
    adapter = channel(twilio)
    parts = adapter.parts(LONG + "\n" + DRAFT, OPTIONS)
    assert len(parts) >= 3 and parts[0].startswith("1. Sugar")
    assert all(len(p) <= 1600 for p in parts) and len(parts[-1]) <= 1024
    assert "\n".join(parts).splitlines() == (LONG + "\n" + DRAFT).splitlines()
    assert channel(twilio, "sms").parts(LONG + "\n" + DRAFT, OPTIONS) == split_body(
        LONG + "\n" + DRAFT)  # SMS has no buttons, so no shorter last part
    assert adapter.parts(DRAFT, OPTIONS) == [DRAFT]


def test_each_send_is_one_twilio_message(twilio):
    adapter = channel(twilio)
    parts = adapter.parts(LONG + "\n" + DRAFT, OPTIONS)
    results = [adapter.send(message(part, OPTIONS if part is parts[-1] else ()))
               for part in parts]
    assert [m.body for m in twilio.messages] == parts
    assert [r.provider_id for r in results] == [m.sid for m in twilio.messages]
    assert [m.options for m in twilio.messages] == [[]] * (len(parts) - 1) + [list(OPTIONS)]


def test_a_failed_send_is_worth_retrying_and_sends_nothing(twilio):
    twilio.fail_next(1, status=503, code=20503, message="Service unavailable")
    with pytest.raises(ChannelError) as failed:
        channel(twilio, "sms").send(message("hello", ()))
    assert failed.value.code == "20503" and not failed.value.permanent
    assert twilio.messages == []


def test_twilio_is_asked_what_it_already_has(twilio):
    adapter = channel(twilio)
    before = datetime.now(UTC) - timedelta(seconds=5)
    plain = adapter.send(message("Your order 1001 is on its way", ()))
    buttons = adapter.send(message())
    channel(twilio).send(OutboundMessage(id=2, to="+9779812349999", body=DRAFT))

    found = adapter.find_sent(message("Your order 1001 is on its way", ()), before)
    assert [(r.provider_id, r.status) for r in found] == [(plain.provider_id, "sent")]
    # A message sent with buttons shows its part as its body.
    assert [r.provider_id for r in adapter.find_sent(message(), before)] == [
        buttons.provider_id]
    assert adapter.find_sent(message("Something else", ()), before) == []
    # Only what was made since then counts, though Twilio filters by whole days.
    assert adapter.find_sent(message(), datetime.now(UTC) + timedelta(minutes=1)) == []
    # SMS from the SMS number is another conversation.
    assert channel(twilio, "sms").find_sent(message(), before) == []


class FakeGraph:
    """Meta's Graph messages endpoint: records payloads; refuses interactive when told."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.refuse_interactive = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if payload["type"] == "interactive" and fake.refuse_interactive:
                    status, body = 400, {"error": {"message": "Invalid parameter",
                                                   "code": 100}}
                else:
                    fake.payloads.append(payload)
                    status, body = 200, {"messages": [{"id": f"wamid.{len(fake.payloads)}"}]}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def test_meta_sends_reply_buttons(graph):
    result = MetaChannel(graph.url, "123", "token").send(message())
    [payload] = graph.payloads
    assert result.provider_id == "wamid.1" and payload["type"] == "interactive"
    assert [b["reply"] for b in payload["interactive"]["action"]["buttons"]] == [
        {"id": "1", "title": "Yes, place order"}, {"id": "2", "title": "No, drop it"}]
    assert payload["interactive"]["body"]["text"] == DRAFT


def test_meta_falls_back_to_text_when_interactive_is_refused(graph):
    graph.refuse_interactive = True
    MetaChannel(graph.url, "123", "token").send(message())
    [payload] = graph.payloads
    assert payload["type"] == "text" and payload["text"]["body"] == DRAFT


def test_meta_long_body_goes_in_parts_with_the_list_last(graph):
    options = tuple(f"option {i}" for i in range(1, 6))
    adapter = MetaChannel(graph.url, "123", "token")
    parts = adapter.parts(LONG * 2, options)
    assert len(parts) >= 2 and all(len(p) <= 4096 for p in parts)
    assert len(parts[-1]) <= 1024
    for part in parts:
        adapter.send(message(part, options if part is parts[-1] else ()))
    assert [p["type"] for p in graph.payloads] == ["text"] * (len(parts) - 1) + ["interactive"]
    assert graph.payloads[-1]["interactive"]["type"] == "list"
    assert graph.payloads[-1]["interactive"]["body"]["text"] == parts[-1]


def test_meta_cannot_be_asked_what_it_has(graph):
    assert MetaChannel(graph.url, "123", "token").find_sent(message(), datetime.now(UTC)) is None
