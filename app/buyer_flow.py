"""The buyer side of running the engine: the context it reads, the actions it returns."""
from __future__ import annotations

from sqlalchemy.orm import Session

import conversation as engine
from app.models import Conversation


def buyer_context(session: Session, conv: Conversation) -> engine.Context:
    buyer = conv.buyer
    party = {"name": buyer.name, "town": buyer.town} if buyer is not None else {}
    return engine.Context(role="buyer", channel=conv.channel, party=party)
