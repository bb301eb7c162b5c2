"""What the payment tests share (their fixtures are in conftest.py): a registered buyer with
a conversation, signed WhatsApp messages through the real webhook (jobs run inline), and
reading what the buyer was sent."""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from market.models import OUTBOUND, Buyer, Conversation, CreditEntry, Message, Payment
from tests.web.conftest import make_buyer, make_conversation

TOKEN = "payments-auth-token"
PUBLIC = "http://localhost"
NO_PROVIDERS = {"KHALTI_SECRET_KEY": None, "ESEWA_PRODUCT_CODE": None,
                "ESEWA_SECRET_KEY": None, "RAZORPAY_KEY_ID": None, "RAZORPAY_KEY_SECRET": None,
                "RAZORPAY_WEBHOOK_SECRET": None}


def shopkeeper(db: Any, phone: str = "+9779812300777", **fields: Any) -> Buyer:
    """A buyer staff registered (the chat skips onboarding), with a WhatsApp conversation."""
    fields.setdefault("language", "en")
    buyer = make_buyer(db, phone, registered_by_staff=True, onboarded=True, **fields)
    make_conversation(db, phone, buyer)
    return buyer


def whatsapp(client: Any, phone: str, body: str, **extra: str) -> None:
    """A signed inbound WhatsApp message; the jobs it causes run before this returns."""
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": f"whatsapp:{phone}",
            "To": "whatsapp:+9779800000000", "Body": body, "NumMedia": "0", **extra}
    url = f"{PUBLIC}/webhooks/twilio/whatsapp"
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    response = client.post("/webhooks/twilio/whatsapp", data=form,
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.get_data(as_text=True)


def sent(db: Any, phone: str) -> list[Message]:
    """Every message queued to `phone`, oldest first."""
    return list(db.scalars(select(Message).join(Conversation)
                           .where(Conversation.address == phone,
                                  Message.direction == OUTBOUND).order_by(Message.id)))


def last_reply(db: Any, phone: str) -> str:
    messages = sent(db, phone)
    assert messages, f"nothing was sent to {phone}"
    return messages[-1].body


def payments_of(db: Any, buyer: Buyer) -> list[Payment]:
    return list(db.scalars(select(Payment).where(Payment.buyer_id == buyer.id)))


def balance_of(db: Any, buyer: Buyer) -> Decimal:
    return db.scalar(select(func.coalesce(func.sum(CreditEntry.amount), 0))
                     .where(CreditEntry.buyer_id == buyer.id))
