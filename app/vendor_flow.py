"""The vendor side of running the engine: the context it reads, the actions it returns."""
from __future__ import annotations

from sqlalchemy.orm import Session

import conversation as engine
from app.models import Conversation


def vendor_context(session: Session, conv: Conversation) -> engine.Context:
    vendor = conv.vendor
    party = {"code": vendor.code, "name": vendor.business_name} if vendor is not None else {}
    return engine.Context(role="vendor", channel=conv.channel, party=party)
