"""The vendor side of running the engine: the context it reads, and the appliers of vendor
actions (order answers, unlocks, quotes) and of the buyer actions that reach vendors (opening
an RFQ, accepting a quote). Each applier calls one service and says its answer."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

import conversation as engine
from conversation.actions import AcceptQuote, AnswerOrder, OpenRFQ, SubmitQuote, UnlockLead
from market import leads, rfqs, vendor_orders
from market.db import utcnow
from market.messaging import say
from market.models import Conversation


def vendor_context(conv: Conversation) -> engine.Context:
    vendor = conv.vendor
    party = {"code": vendor.code, "name": vendor.business_name} if vendor is not None else {}
    return engine.Context(role="vendor", channel=conv.channel, party=party)


def answer_order(session: Session, conv: Conversation, action: AnswerOrder) -> None:
    """`accept 1042`, `reject 1042 no stock`, `dispatch 1042`, `delivered 1042`."""
    reply = vendor_orders.answer_order(session, conv.required_vendor(), action.number,
                                       action.to_status, action.reason, conv.language)
    say(session, conv, reply)


def unlock_lead(session: Session, conv: Conversation, action: UnlockLead) -> None:
    """`unlock R12`."""
    reply = leads.unlock(session, conv.required_vendor(), action.rfq_number, conv.language,
                         utcnow())
    say(session, conv, reply)


def submit_quote(session: Session, conv: Conversation, action: SubmitQuote) -> None:
    """`quote R12 1850 per sack, delivery tomorrow`."""
    reply = rfqs.submit_quote(session, conv.required_vendor(), action.rfq_number,
                              Decimal(action.price), action.unit, action.terms, conv.language,
                              utcnow())
    say(session, conv, reply)


def open_rfq(session: Session, conv: Conversation, action: OpenRFQ) -> None:
    """The buyer asked vendors for a price on something the catalog lacks."""
    rfqs.open_and_route(session, conv.required_buyer(), text=action.text,
                        quantity=action.quantity, unit=action.unit, needed_by=action.needed_by,
                        conversation_id=conv.id, now=utcnow())


def accept_quote(session: Session, conv: Conversation, action: AcceptQuote) -> None:
    """`accept quote 2 [R12]`: the quote becomes an order with its vendor."""
    buyer = conv.required_buyer()
    reply = rfqs.accept_quote(session, buyer, action.position, action.rfq_number,
                              conversation_id=conv.id, language=conv.language or buyer.language)
    say(session, conv, reply)
