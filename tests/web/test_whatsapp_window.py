"""WhatsApp's 24-hour window against fake providers that enforce it (tests/fakes/twilio.py,
tests/fakes/meta.py), jobs run inline: notices outside the window go as approved templates,
else by SMS (vendors) or held until the buyer writes (buyers); inside it nothing uses a
template; templates are synced once however often `sync` runs; Meta's user ids and pricing."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jobs.alerts import order_placed
from market import templates
from market.channels.twilio import ContentCache
from market.db import utcnow
from market.messaging import Inbound, store_inbound
from market.models import (
    OUTBOUND,
    Buyer,
    Conversation,
    Message,
    MessageTemplate,
    Order,
    Vendor,
)
from market.staff_actions import change_status
from tests.fakes.meta import PHONE_NUMBER_ID, TOKEN, WABA_ID, FakeMeta
from tests.fakes.twilio import FakeTwilio
from tests.web.conftest import make_buyer, make_order

VENDOR_PHONE = "+9779801000001"  # V-KTM-ANNAPURNA in the demo catalog
BUYER_PHONE = "+9779812345678"


@pytest.fixture
def twilio(app: Any, db: Any) -> Iterator[FakeTwilio]:
    """The app sending through a fake Twilio that enforces WhatsApp's window."""
    ContentCache._memory.clear()
    with FakeTwilio() as fake:
        fake.enforce_window = True
        app.config.update(TWILIO_ACCOUNT_SID=fake.account_sid, TWILIO_AUTH_TOKEN=fake.auth_token,
                          TWILIO_API_BASE_URL=fake.url, TWILIO_WHATSAPP_NUMBER="+9779800000000",
                          TWILIO_SMS_NUMBER="+9779800000001")
        yield fake


def synced(db: Any, app: Any, approve: bool = True) -> templates.SyncReport:
    report = templates.sync(db, app.config)
    if approve:
        fake_approve(app)
        templates.refresh(db, app.config)
    db.flush()
    return report


def fake_approve(app: Any) -> None:
    app.extensions["fake_provider"].approve()


@pytest.fixture
def twilio_templates(app: Any, twilio: FakeTwilio) -> FakeTwilio:
    app.extensions["fake_provider"] = twilio
    return twilio


def whatsapp_only(db: Any, code: str = "V-KTM-ANNAPURNA") -> Vendor:
    vendor = db.scalars(select(Vendor).where(Vendor.code == code)).one()
    vendor.alert_channels = ["whatsapp"]
    db.flush()
    return vendor


def rows(db: Any, address: str, channel: str) -> list[Message]:
    db.expire_all()
    return list(db.scalars(select(Message).join(Conversation).where(
        Message.direction == OUTBOUND, Conversation.address == address,
        Conversation.channel == channel).order_by(Message.id)))


def placed(db: Any, buyer: Buyer) -> Order:
    order = make_order(db, buyer)
    db.commit()
    order_id = order.id
    order_placed(order_id)
    return db.get(Order, order_id)


def wrote(db: Any, address: str, when: Any = None, body: str = "hi") -> None:
    """A stored inbound WhatsApp message from `address` (its window opens then)."""
    conv_id, message_id = store_inbound(db, Inbound("whatsapp", address, f"SM{address}{when}",
                                                    body))
    if when is not None and message_id is not None:
        db.get(Message, message_id).created_at = when
        db.get(Message, message_id).processed_at = when
    db.flush()


def test_a_vendor_who_never_wrote_gets_a_new_order_as_its_approved_template(
        db, catalog, twilio_templates, app):
    twilio = twilio_templates
    synced(db, app)
    whatsapp_only(db)
    order = placed(db, make_buyer(db))
    [alert] = twilio.to(VENDOR_PHONE)
    assert alert.to == f"whatsapp:{VENDOR_PHONE}" and alert.params.get("ContentSid")
    assert "Body" not in alert.params  # a template's words as Body fail since April 2025
    variables = json.loads(alert.params["ContentVariables"])
    assert variables["1"] == order.number and "Mansuli Rice" in variables["4"]
    assert "\n" not in variables["4"]  # WhatsApp refuses a variable with a line break
    assert alert.options == ["Accept", "Reject"]
    assert not twilio.refused
    [row] = rows(db, VENDOR_PHONE, "whatsapp")
    assert row.outbox.route == "template" and row.outbox.template_key == "order_alert"
    assert "never written" in row.outbox.route_reason
    assert row.body.startswith(f"New order {order.number} from Ram Kirana")


def test_without_an_approved_template_the_vendor_gets_the_order_by_sms(
        db, catalog, twilio_templates, app):
    twilio = twilio_templates
    synced(db, app, approve=False)  # submitted, still pending
    whatsapp_only(db)
    order = placed(db, make_buyer(db))
    [sms] = twilio.to(VENDOR_PHONE)
    assert sms.to == VENDOR_PHONE and f"New order {order.number}" in sms.body
    [row] = rows(db, VENDOR_PHONE, "whatsapp")
    assert row.status == "rerouted" and row.outbox.route == "sms"
    assert "not approved" in row.outbox.route_reason
    [fallback] = rows(db, VENDOR_PHONE, "sms")
    assert fallback.meta["fallback_of"] == row.id and fallback.status == "queued"


def test_a_vendor_alerted_by_sms_too_gets_no_second_sms(db, catalog, twilio_templates, app):
    twilio = twilio_templates
    vendor = whatsapp_only(db)
    vendor.alert_channels = ["sms", "whatsapp"]
    vendor_id = vendor.id
    placed(db, make_buyer(db))
    assert [m.to for m in twilio.to(VENDOR_PHONE)] == [VENDOR_PHONE]
    [row] = rows(db, VENDOR_PHONE, "whatsapp")
    assert row.outbox.route == "email" and "sent by email" in row.outbox.route_reason
    db.get(Vendor, vendor_id).email = None
    placed(db, make_buyer(db, phone="+9779812345679"))
    assert len(twilio.to(VENDOR_PHONE)) == 2  # the second order's SMS alert, no more
    row = rows(db, VENDOR_PHONE, "whatsapp")[-1]
    assert row.outbox.route == "covered" and "by sms" in row.outbox.route_reason


def test_a_buyer_whose_window_closed_is_told_of_an_accepted_order_by_template(
        db, catalog, twilio_templates, app):
    twilio = twilio_templates
    synced(db, app)
    buyer = make_buyer(db)
    wrote(db, BUYER_PHONE, when=utcnow() - timedelta(hours=30))
    order = make_order(db, buyer)
    change_status(db, order, "accepted", "staff:test", None)
    db.commit()
    [notice] = twilio.to(BUYER_PHONE)
    assert notice.params.get("ContentSid") and "Body" not in notice.params
    assert notice.body == (f"Your order {order.number} was accepted by Annapurna Traders. "
                           f"Total: Rs 1,934.50.")
    [row] = rows(db, BUYER_PHONE, "whatsapp")
    assert row.outbox.route == "template" and "closed since" in row.outbox.route_reason


def test_inside_the_window_nothing_uses_a_template(db, catalog, twilio_templates, app):
    twilio = twilio_templates
    synced(db, app)
    buyer = make_buyer(db)
    wrote(db, BUYER_PHONE, when=utcnow() - timedelta(hours=2))
    twilio.user_wrote(BUYER_PHONE)
    order = make_order(db, buyer)
    change_status(db, order, "accepted", "staff:test", None)
    db.commit()
    [notice] = twilio.to(BUYER_PHONE)
    assert "ContentSid" not in notice.params
    assert notice.params["Body"].startswith("Annapurna Traders accepted your order")
    assert not twilio.refused
    [row] = rows(db, BUYER_PHONE, "whatsapp")
    assert row.outbox.route == "free_form" and row.outbox.template_key is None


def test_a_buyer_notice_without_template_waits_and_goes_when_they_write(
        db, catalog, twilio_templates, app):
    twilio = twilio_templates
    buyer = make_buyer(db)
    wrote(db, BUYER_PHONE, when=utcnow() - timedelta(hours=30))
    order = make_order(db, buyer)
    change_status(db, order, "accepted", "staff:test", None)
    db.commit()
    assert twilio.to(BUYER_PHONE) == []
    [held] = rows(db, BUYER_PHONE, "whatsapp")
    assert held.status == "held_for_window" and held.outbox.route == "held"
    from jobs.inbound import process_conversation

    twilio.user_wrote(BUYER_PHONE)
    conv_id, _ = store_inbound(db, Inbound("whatsapp", BUYER_PHONE, "SMnew", "status"))
    db.commit()
    process_conversation(conv_id)
    sent = twilio.to(BUYER_PHONE)
    assert sent[0].params["Body"].startswith("Annapurna Traders accepted your order")
    assert len(sent) == 2 and not twilio.refused  # the notice first, then the reply


def test_a_buyer_who_allows_sms_gets_the_notice_by_sms(db, catalog, twilio_templates, app):
    twilio = twilio_templates
    buyer = make_buyer(db, sms_allowed=True)
    wrote(db, BUYER_PHONE, when=utcnow() - timedelta(hours=30))
    order = make_order(db, buyer)
    change_status(db, order, "accepted", "staff:test", None)
    db.commit()
    [sms] = twilio.to(BUYER_PHONE)
    assert sms.to == BUYER_PHONE and "accepted your order" in sms.body


def test_templates_sync_twice_creates_nothing_new(db, twilio_templates, app):
    twilio = twilio_templates
    first = synced(db, app, approve=False)
    count = len(templates.TEMPLATE_LIST) * len(templates.LANGUAGES)
    assert first.created == count and len(twilio.contents) == count
    assert len(twilio.approval_requests) == count
    assert {body["category"] for _, body in twilio.approval_requests} == {"UTILITY"}
    again = synced(db, app, approve=False)
    assert again.created == 0 and len(twilio.contents) == count
    assert len(twilio.approval_requests) == count
    # A database that lost its rows finds the provider's templates instead of making more.
    for row in db.scalars(select(MessageTemplate)):
        db.delete(row)
    db.flush()
    third = synced(db, app)
    assert third.created == 0 and third.found == count and len(twilio.contents) == count
    statuses = {row.status for row in db.scalars(select(MessageTemplate))}
    assert statuses == {"approved"}


# --- Meta ------------------------------------------------------------------------------------

@pytest.fixture
def meta(app: Any, db: Any) -> Iterator[FakeMeta]:
    """The app on Meta's Cloud API (no Twilio), against a fake Graph API."""
    with FakeMeta() as fake:
        app.config.update(META_ACCESS_TOKEN=TOKEN, META_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
                          META_APP_SECRET="meta-secret", META_GRAPH_BASE_URL=fake.url,
                          META_WABA_ID=WABA_ID, TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None)
        fake.app_secret = "meta-secret"
        app.extensions["fake_provider"] = fake
        yield fake


def meta_post(client: Any, fake: FakeMeta, value: dict[str, Any]) -> int:
    """A signed Meta notification through the test client (the app is not served here)."""
    payload = {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", **value}}]}]}
    body = json.dumps(payload).encode()
    fake.app_secret = "meta-secret"
    return client.post("/webhooks/meta/whatsapp", data=body, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": fake._sign(body)}).status_code


def say_as_user(client: Any, fake: FakeMeta, text: str, user_id: str,
                phone: str | None = None) -> None:
    message: dict[str, Any] = {"id": f"wamid.{user_id}.{text}.{utcnow().timestamp()}",
                               "type": "text", "text": {"body": text},
                               "from_user_id": user_id}
    contact: dict[str, Any] = {"profile": {"name": "Gita"}, "user_id": user_id}
    if phone:
        message["from"] = contact["wa_id"] = phone.lstrip("+")
    fake.user_wrote(phone or user_id)
    assert meta_post(client, fake, {"contacts": [contact], "messages": [message]}) == 200


def test_a_meta_user_known_only_by_user_id_onboards_and_places_an_order(
        db, catalog, client, meta):
    user_id = "US.13491208655302741918"
    for said in ("hi", "Gita", "Gita Pasal", "Kathmandu", "98 0123 4567", "2 sack mansuli rice",
                 "yes"):
        say_as_user(client, meta, said, user_id)
    buyer = db.scalars(select(Buyer).where(Buyer.wa_user_id == user_id)).one()
    assert buyer.phone == "+9779801234567" and buyer.onboarded
    [order] = db.scalars(select(Order).where(Order.buyer_id == buyer.id)).all()
    replies = meta.sent_to(user_id)
    assert replies and all(m.payload.get("recipient") == user_id for m in replies)
    assert any(order.number in m.text for m in replies)
    conv = db.scalars(select(Conversation).where(Conversation.user_id == user_id)).one()
    assert conv.address == user_id and conv.buyer_id == buyer.id
    # A later message with both ids joins them: the same conversation, now the phone's.
    say_as_user(client, meta, "status", user_id, phone="+9779801234567")
    db.expire_all()
    assert db.get(Conversation, conv.id).address == "+9779801234567"
    assert db.scalars(select(Conversation).where(Conversation.channel == "whatsapp")).all() == [
        db.get(Conversation, conv.id)]


def test_pricing_and_marketing_stops_are_recorded_from_meta_webhooks(db, client, meta):
    buyer = make_buyer(db)
    conv_id, _ = store_inbound(db, Inbound("whatsapp", BUYER_PHONE, "wamid.in1", "hi"))
    message = Message(conversation_id=conv_id, direction=OUTBOUND, channel="whatsapp",
                      body="Your order 1 was accepted", provider_id="wamid.out1", meta={},
                      status="sent")
    db.add(message)
    db.commit()
    status = {"id": "wamid.out1", "status": "delivered", "timestamp": "1750857384",
              "recipient_id": BUYER_PHONE.lstrip("+"), "recipient_user_id": "NP.77",
              "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility"}}
    assert meta_post(client, meta, {"statuses": [status]}) == 200
    db.expire_all()
    message = db.get(Message, message.id)
    assert message.pricing_category == "utility" and message.billable is True
    assert message.status == "delivered"
    preference = {"wa_id": BUYER_PHONE.lstrip("+"), "user_id": "NP.77",
                  "category": "marketing_messages", "value": "stop", "detail": "stopped",
                  "timestamp": 1750857384}
    assert meta_post(client, meta, {"user_preferences": [preference]}) == 200
    db.expire_all()
    assert db.get(Buyer, buyer.id).marketing_opt_out is True


def test_meta_templates_sync_twice_creates_nothing_new(db, meta, app):
    first = synced(db, app, approve=False)
    count = len(templates.TEMPLATE_LIST) * len(templates.LANGUAGES)
    assert first.created == count and len(meta.templates) == count
    assert {t["category"] for t in meta.templates} == {"UTILITY"}
    again = synced(db, app)
    assert again.created == 0 and len(meta.templates) == count
    assert {r.status for r in db.scalars(select(MessageTemplate))} == {"approved"}


def test_a_meta_vendor_who_never_wrote_gets_the_template_with_tappable_answers(
        db, catalog, meta, app):
    synced(db, app)
    whatsapp_only(db)
    order = placed(db, make_buyer(db))
    [alert] = meta.sent_to(VENDOR_PHONE)
    template = alert.payload["template"]
    assert alert.kind == "template" and template["name"] == "order_alert"
    body, accept, reject = template["components"]
    assert body["parameters"][0]["text"] == order.number
    assert accept["parameters"][0]["payload"] == f"reply:accept {order.number}"
    assert reject["parameters"][0]["payload"] == f"reply:reject {order.number}"


# --- the admin and the catalog ---------------------------------------------------------------

def test_the_admin_shows_the_window_each_decision_templates_and_costs(
        db, catalog, twilio_templates, app, as_staff):
    synced(db, app, approve=False)
    whatsapp_only(db)
    order = placed(db, make_buyer(db))
    conv = db.scalars(select(Conversation).where(Conversation.address == VENDOR_PHONE,
                                                 Conversation.channel == "whatsapp")).one()
    page = as_staff.get(f"/admin/conversations/{conv.id}").get_data(as_text=True)
    assert "closed: they have never written" in page
    assert 'data-route="sms"' in page and "not approved at twilio" in page
    listing = as_staff.get("/admin/templates").get_data(as_text=True)
    assert "order_alert" in listing and "pending" in listing
    row = rows(db, VENDOR_PHONE, "sms")[0]
    row.pricing_category, row.billable = "utility", True
    db.commit()
    costs = as_staff.get("/admin/costs").get_data(as_text=True)
    assert "utility" in costs and order.number in costs and "Annapurna Traders" in costs


def test_vendors_csv_carries_alert_channels_both_ways(db, catalog, as_staff, tmp_path):
    from market.catalog_import import import_dir

    (tmp_path / "vendors.csv").write_text(
        "code,business_name,phone,email,city,delivery_areas,categories,plan,verification,"
        "alert_channels\nV-KTM-ANNAPURNA,Annapurna Traders,+9779801000001,"
        "orders@annapurna.example,Kathmandu,Kathmandu,staples,premium,verified,"
        "WhatsApp|sms\nV-KTM-HIMAL,Himal Distributors,+9779801000002,,Kathmandu,Kathmandu,"
        "snacks,premium,verified,pager\n")
    report = import_dir(db, tmp_path)
    db.flush()
    vendor = db.scalars(select(Vendor).where(Vendor.code == "V-KTM-ANNAPURNA")).one()
    assert vendor.alert_channels == ["sms", "whatsapp"]
    assert any("alert_channels" in str(e) for e in report.errors)
    exported = as_staff.get("/admin/catalog/export/vendors.csv").get_data(as_text=True)
    assert exported.splitlines()[0].endswith(",alert_channels")
    assert any(line.startswith("V-KTM-ANNAPURNA,") and line.endswith(",sms|whatsapp")
               for line in exported.splitlines())


def test_a_rate_limited_send_is_retried_later_and_nothing_overtakes_it(db, twilio):
    from market.messaging import say
    from market.models import Outbox
    from market.tasks import SEND_JOB, enqueue

    twilio.enforce_window = False
    twilio.fail_next(status=429, code=20429, message="Too Many Requests")
    conv = Conversation(channel="whatsapp", address=BUYER_PHONE)
    db.add(conv)
    db.flush()
    first = say(db, conv, "Your order 1001 was accepted")
    second = say(db, conv, "Your order 1001 is on its way")
    first_id, second_id = first.id, second.id
    db.commit()
    assert twilio.messages == []  # the second waits behind the first
    db.expire_all()
    waits = [db.get(Outbox, db.get(Message, i).outbox.id) for i in (first_id, second_id)]
    assert waits[0].next_attempt_at == waits[1].next_attempt_at > utcnow()
    assert waits[0].last_error.startswith("20429") and not waits[0].done
    for outbox in waits:
        outbox.next_attempt_at = utcnow() - timedelta(seconds=1)  # the backoff has passed
    db.commit()
    enqueue(SEND_JOB, second_id)
    assert [m.body for m in twilio.messages] == ["Your order 1001 was accepted",
                                                 "Your order 1001 is on its way"]
