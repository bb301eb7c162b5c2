"""The vendor side of running the engine: the context it reads, and the appliers of vendor
actions (order answers, unlocks, quotes) and of the buyer actions that reach vendors (opening
an RFQ, accepting a quote)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

import conversation as engine
from app import rfqs
from app.conversations import applies, say
from app.db import utcnow
from app.models import Buyer, Conversation, Vendor
from app.vendor_orders import answer_order
from conversation.types import AcceptQuote, OpenRFQ
from conversation.vendor import AnswerOrder, SubmitQuote, UnlockLead


def vendor_context(session: Session, conv: Conversation) -> engine.Context:
    vendor = conv.vendor
    party = {"code": vendor.code, "name": vendor.business_name} if vendor is not None else {}
    return engine.Context(role="vendor", channel=conv.channel, party=party)


def _vendor(conv: Conversation) -> Vendor:
    if conv.vendor is None:
        raise LookupError(f"conversation {conv.id} is not a vendor's")
    return conv.vendor


def _buyer(conv: Conversation) -> Buyer:
    if conv.buyer is None:
        raise LookupError(f"conversation {conv.id} is not a buyer's")
    return conv.buyer



@applies(AnswerOrder)
def _answer_order(session: Session, conv: Conversation, action: AnswerOrder,
                  out: list[int]) -> None:
    reply = answer_order(session, _vendor(conv), action.number, action.to_status, action.reason,
                         conv.language, out)
    say(session, conv, reply, out)


@applies(UnlockLead)
def _unlock(session: Session, conv: Conversation, action: UnlockLead, out: list[int]) -> None:
    reply = rfqs.unlock(session, _vendor(conv), action.rfq_number, conv.language, utcnow())
    say(session, conv, reply, out)


@applies(SubmitQuote)
def _quote(session: Session, conv: Conversation, action: SubmitQuote, out: list[int]) -> None:
    reply = rfqs.submit_quote(session, _vendor(conv), action.rfq_number, Decimal(action.price),
                              action.unit, action.terms, conv.language, out, utcnow())
    say(session, conv, reply, out)


@applies(OpenRFQ)
def _open_rfq(session: Session, conv: Conversation, action: OpenRFQ,
              out: list[int]) -> None:
    rfqs.open_and_route(session, _buyer(conv), out, text=action.text, quantity=action.quantity,
                        unit=action.unit, needed_by=action.needed_by,
                        conversation_id=conv.id, now=utcnow())


@applies(AcceptQuote)
def _accept_quote(session: Session, conv: Conversation, action: AcceptQuote,
                  out: list[int]) -> None:
    reply = rfqs.accept_quote(session, _buyer(conv), action.position, action.rfq_number, out,
                              conversation_id=conv.id,
                              language=conv.language or _buyer(conv).language)
    say(session, conv, reply, out)
