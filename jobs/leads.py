"""Routing an RFQ: scoring vendors and sending the best ones a locked lead."""
from __future__ import annotations

from sqlalchemy import select

from app import rfqs
from app.db import db, utcnow
from app.models import RFQ
from jobs.runner import job
from jobs.sends import send_all


@job
def route_rfq(rfq_id: int) -> int:
    """Make leads for the best vendors of an open RFQ and alert them; returns how many leads
    were made. Safe to run twice: an RFQ that has leads already is left alone."""
    session = db.session
    rfq = session.scalar(select(RFQ).where(RFQ.id == rfq_id).with_for_update())
    if rfq is None:
        session.rollback()
        return 0
    out: list[int] = []
    leads = rfqs.route(session, rfq, out, utcnow())
    session.commit()
    send_all(out)
    return len(leads)
