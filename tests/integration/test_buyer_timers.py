"""Drafts nobody confirms get one reminder, then expire; handoffs run out. The
periodic duty runs against PostgreSQL (jobs inline), with the clock passed in."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from jobs.drafts import draft_timers
from jobs.inbound import process_conversation
from market.db import utcnow
from market.messaging import Inbound, store_inbound
from market.models import OUTBOUND, Buyer, Conversation, Message

pytestmark = pytest.mark.integration
PHONE = "+9779812340002"


def outbound(db) -> list[str]:
    return [m.body for m in db.scalars(select(Message).where(Message.direction == OUTBOUND)
                                       .order_by(Message.id))]


def draft_waiting(db) -> int:
    db.add(Buyer(phone=PHONE, name="Sita", shop_name="Sita Store", town="Kathmandu",
                 language="en", registered_by_staff=True, onboarded=True))
    db.flush()
    conv_id, _ = store_inbound(db, Inbound(channel="whatsapp", address=PHONE,
                                           provider_id="SMtimer1", body="chini 10 kg"))
    db.commit()
    process_conversation(conv_id)
    conv = db.get(Conversation, conv_id)
    assert conv.state == "draft" and outbound(db)[-1].startswith("Your order:")
    return conv.id


def test_draft_is_reminded_once_then_expires(db, catalog):
    conv_id = draft_waiting(db)
    start = utcnow()
    assert draft_timers(start + timedelta(hours=3)) == 0
    assert draft_timers(start + timedelta(hours=13)) == 1
    assert outbound(db)[-1].startswith("Your order of Rs 972.10 is still waiting.")
    assert draft_timers(start + timedelta(hours=20)) == 0
    assert draft_timers(start + timedelta(hours=25)) == 1
    assert "expired" in outbound(db)[-1]
    conv = db.get(Conversation, conv_id)  # the job's session was a fresh one
    assert conv.draft is None and conv.state == "idle"


def test_handoff_runs_out_and_the_bot_says_so(db, catalog):
    conv_id = draft_waiting(db)
    conv = db.get(Conversation, conv_id)
    conv.handoff_until = utcnow() + timedelta(hours=12)
    db.commit()
    assert draft_timers(utcnow() + timedelta(hours=1)) == 0
    assert draft_timers(utcnow() + timedelta(hours=12, minutes=1)) >= 1
    assert "back with the order assistant" in "\n".join(outbound(db)[-2:])
    conv = db.get(Conversation, conv_id)
    assert conv.handoff_until is None
