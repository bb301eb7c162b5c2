"""Questions and complaints through the signed webhook, the real database and workers: a
stock question naming a product is answered from the listings the context gathers for it,
and a complaint hands the chat to staff (the admin's hand-over list shows it)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from market.db import db
from market.models import Conversation
from tests.integration.test_buyer_conversation import PHONE, Buyer_, register

pytestmark = pytest.mark.integration


def test_a_question_is_answered_and_a_complaint_goes_to_staff(stack):
    stack.load_catalog()
    register(stack)
    stack.start_worker()
    buyer = Buyer_(stack)

    answer = buyer.say("basmati chamal stock ma cha ki chaina?")
    assert answer == "Basmati Rice: in stock, Rs 168.57 per kg (Annapurna Traders)."

    said = buyer.say("yesterday's coke delivery had 3 broken bottles, please check")
    assert "passed this to our team" in said
    with stack.app.app_context():
        conv = db.session.scalar(select(Conversation).where(Conversation.address == PHONE))
        assert conv.handoff_until is not None and conv.draft is None
    stack.whatsapp(PHONE, "hello? 2 bora chamal")  # staff have the chat: the bot stays out
    buyer.processed()
    time.sleep(0.5)
    assert len(buyer.replies()) == 2
