"""WhatsApp's window with the whole stack: a worker sends, the fake Twilio accepts a free-form
send outside the window and then posts a signed `failed` callback with error 63016, as Twilio
does; the message takes the template path (or SMS when no template is approved) once."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from market import templates
from market.db import db, utcnow
from market.models import INBOUND, OUTBOUND, Buyer, Conversation, Message, Order, Vendor
from market.orders import ItemSnapshot, create_order
from market.tasks import enqueue

VENDOR_PHONE = "+9779801000001"


def _setup(stack) -> None:
    """Annapurna alerted on WhatsApp only, having written to us an hour ago (so our clock
    says the window is open), while WhatsApp's says it is closed: the fake never saw it."""
    with stack.app.app_context():
        session = db.session
        vendor = session.scalars(select(Vendor).where(Vendor.code == "V-KTM-ANNAPURNA")).one()
        vendor.alert_channels = ["whatsapp"]
        conv = Conversation(channel="whatsapp", address=VENDOR_PHONE, vendor_id=vendor.id,
                            state="new", slots={})
        session.add(conv)
        session.flush()
        earlier = utcnow() - timedelta(hours=1)
        session.add(Message(conversation_id=conv.id, direction=INBOUND, channel="whatsapp",
                            provider_id="SMvendorwrote", body="hi", media=[], meta={},
                            status="processed", created_at=earlier, processed_at=earlier))
        session.add(Buyer(phone="+9779812300001", name="Sita", shop_name="Sita Kirana",
                          town="Kathmandu", onboarded=True))
        session.commit()


def _order(stack) -> str:
    with stack.app.app_context():
        session = db.session
        buyer = session.scalars(select(Buyer).where(Buyer.phone == "+9779812300001")).one()
        vendor = session.scalars(select(Vendor).where(Vendor.code == "V-KTM-ANNAPURNA")).one()
        order = create_order(session, buyer, vendor, [ItemSnapshot(
            sku="RICE-MANSULI", name="Mansuli Rice", quantity=Decimal("2"), unit="sack",
            unit_price=Decimal("1934.50"))], actor="test")
        session.commit()
        enqueue("jobs.alerts.order_placed", order.id)
        return order.number


def _vendor_rows(channel: str) -> list[Message]:
    return list(db.session.scalars(
        select(Message).join(Conversation)
        .where(Message.direction == OUTBOUND, Conversation.address == VENDOR_PHONE,
               Conversation.channel == channel).order_by(Message.id)))


def test_a_63016_callback_leads_to_the_template_then_sms_path_once(stack):
    stack.load_catalog()
    twilio = stack.twilio
    twilio.enforce_window = True
    first = stack.cli("templates", "sync")
    assert first.returncode == 0, first.stderr
    count = len(templates.TEMPLATE_LIST) * len(templates.LANGUAGES)
    assert f"{count} created" in first.stdout
    again = stack.cli("templates", "sync")
    assert again.returncode == 0 and "0 created" in again.stdout
    assert len(twilio.contents) == count == len(twilio.approval_requests)
    listed = stack.cli("templates", "list").stdout.splitlines()
    assert len(listed) == count and all(" pending HX" in line for line in listed)
    twilio.approve()
    with stack.app.app_context():
        templates.refresh(db.session, stack.app.config)
        db.session.commit()
    _setup(stack)
    stack.start_worker()

    number = _order(stack)
    rows = stack.wait(lambda: [m for m in _vendor_rows("whatsapp")
                               if m.outbox and m.outbox.route == "template"
                               and m.status in ("queued", "sent")],
                      what="the alert sent again as its template")
    [follow] = rows
    assert follow.meta["retry_of"] and follow.outbox.template_key == "order_alert"
    sent = twilio.to(VENDOR_PHONE)
    assert [("ContentSid" in m.params) for m in sent] == [False, True]
    assert sent[0] in twilio.refused and number in sent[0].body
    assert number in sent[1].body

    # Templates no longer approved: the next refused alert goes by SMS, once.
    twilio.approve(status="rejected")
    with stack.app.app_context():
        templates.refresh(db.session, stack.app.config)
        db.session.commit()
    number = _order(stack)
    stack.wait(lambda: any(number in m.body and m.status in ("queued", "sent")
                           for m in _vendor_rows("sms")), what="the alert by SMS")
    whatsapp = stack.wait(lambda: [m for m in _vendor_rows("whatsapp") if number in m.body
                                   and m.outbox and m.outbox.done], what="both rows settled")
    assert [m.outbox.route for m in whatsapp] == ["free_form", "sms"]
    assert whatsapp[0].error_code == "63016" and whatsapp[1].status == "rerouted"
    assert len([m for m in twilio.to(VENDOR_PHONE) if number in m.body]) == 2  # WA + SMS
    with stack.app.app_context():
        assert db.session.scalars(select(Order).where(Order.number == number)).one()
