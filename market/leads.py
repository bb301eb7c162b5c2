"""Leads: scoring the vendors that may answer an RFQ, sending the best a locked lead (what,
how much, which town, never who), and unlocking a lead by plan or by one monthly lead credit
(market/plans.py). Nothing here commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversation.texts_vendor import status_name, vtext
from market import plans
from market.alerts import Local, alert_vendor, quantity
from market.config import setting
from market.models import RFQ, Lead, Vendor

OPEN = ("open", "quoted")


@dataclass(frozen=True)
class VendorFacts:
    """What the score looks at, gathered from the vendor, its plan and its past leads."""

    categories: frozenset[str]
    town: str | None
    verified: bool
    lead_priority: int = 0
    leads_alerted: int = 0
    leads_answered: int = 0
    mean_response_hours: float | None = None
    rating: float | None = None


def score(facts: VendorFacts, category: str | None, town: str | None) -> float:
    """Higher is better. Category dominates; then verification, answering well and fast,
    plan priority, rating, and being in the buyer's own town."""
    total = 0.0
    if category and category.lower() in facts.categories:
        total += 4.0
    if facts.verified:
        total += 2.0
    # A vendor never alerted gets the benefit of the doubt (an even rate).
    rate = facts.leads_answered / facts.leads_alerted if facts.leads_alerted else 0.5
    total += 2.0 * rate
    if facts.mean_response_hours is not None:
        total += 1.0 / (1.0 + facts.mean_response_hours / 12.0)
    else:
        total += 0.5
    total += 0.75 * facts.lead_priority
    if facts.rating is not None:
        total += (facts.rating - 3.0) / 2.0
    if town and facts.town and facts.town.lower() == town.lower():
        total += 0.5
    return round(total, 4)


def _response_stats(session: Session, vendor_ids: list[int],
                    since: datetime) -> dict[int, tuple[int, int, float | None]]:
    rows = session.execute(
        select(Lead.vendor_id, Lead.alerted_at, Lead.responded_at)
        .where(Lead.vendor_id.in_(vendor_ids), Lead.alerted_at.is_not(None),
               Lead.alerted_at >= since)).all()
    raw: dict[int, list[Any]] = {}
    for vendor_id, alerted, responded in rows:
        raw.setdefault(vendor_id, []).append(
            (responded - alerted).total_seconds() / 3600 if responded and alerted else None)
    stats = {}
    for vendor_id, delays in raw.items():
        answered = [d for d in delays if d is not None]
        mean = sum(answered) / len(answered) if answered else None
        stats[vendor_id] = (len(delays), len(answered), mean)
    return stats


def ranked_vendors(session: Session, rfq: RFQ, now: datetime) -> list[tuple[Vendor, float]]:
    """Vendors that may get this lead (not blocked or rejected, delivering to the buyer's
    town, of the request's category when any vendor has it), best first."""
    vendors = [v for v in session.scalars(
        select(Vendor).where(Vendor.blocked.is_(False), Vendor.verification != "rejected")
        .order_by(Vendor.id)) if not rfq.town or v.delivers_to(rfq.town)]
    if rfq.category:
        same = [v for v in vendors if rfq.category.lower() in _categories(v)]
        vendors = same or vendors
    if not vendors:
        return []
    stats = _response_stats(session, [v.id for v in vendors],
                            now - timedelta(days=setting("RFQ_STATS_DAYS")))
    ranked = []
    for vendor in vendors:
        sub = plans.current_subscription(session, vendor.id, now)
        alerted, answered, mean = stats.get(vendor.id, (0, 0, None))
        facts = VendorFacts(categories=frozenset(_categories(vendor)), town=vendor.town,
                            verified=vendor.verification == "verified",
                            lead_priority=sub.plan.lead_priority if sub else 0,
                            leads_alerted=alerted, leads_answered=answered,
                            mean_response_hours=mean,
                            rating=float(vendor.rating) if vendor.rating is not None else None)
        ranked.append((vendor, score(facts, rfq.category, rfq.town)))
    ranked.sort(key=lambda pair: (-pair[1], pair[0].id))
    return ranked


def _categories(vendor: Vendor) -> set[str]:
    return {str(c).lower() for c in vendor.categories or []}


def _lead_values(rfq: RFQ) -> dict[str, Any]:
    amount_text = f", {quantity(rfq.quantity)} {rfq.unit or ''}".rstrip() if rfq.quantity else ""
    needed = Local("needed_by", {"date": rfq.needed_by.strftime("%d %b")}) if rfq.needed_by else ""
    return {"rfq": rfq.number, "what": rfq.text, "quantity": amount_text,
            "town": rfq.town or "?", "needed_by": needed}


def route(session: Session, rfq: RFQ, now: datetime) -> list[Lead]:
    """Make leads for the best N vendors and send each a locked alert (what, how much, which
    town — never who). Does nothing for an RFQ that already has leads or is no longer open."""
    if rfq.status not in OPEN or rfq.leads:
        return []
    leads = []
    for vendor, points in ranked_vendors(session, rfq, now)[: setting("RFQ_LEADS")]:
        lead = Lead(rfq_id=rfq.id, vendor_id=vendor.id, score=points, locked=True,
                    alerted_at=now, created_at=now)
        lead.vendor = vendor
        session.add(lead)
        leads.append(lead)
        alert_vendor(session, vendor, "lead_alert", subject_key="lead_alert_subject",
                     meta={"alert": "lead", "rfq": rfq.number}, **_lead_values(rfq))
    session.flush()
    session.refresh(rfq, ["leads"])
    return leads



# --- The vendor's side: unlocking ----------------------------------------------------------

def lead_of(session: Session, vendor: Vendor, number: str) -> tuple[RFQ | None, Lead | None]:
    """The RFQ (row-locked, so unlocks and quote numbers are counted one at a time) and the
    vendor's lead on it."""
    rfq = session.scalar(select(RFQ).where(RFQ.number == number.upper()).with_for_update())
    if rfq is None:
        return None, None
    lead = session.scalar(select(Lead).where(Lead.rfq_id == rfq.id, Lead.vendor_id == vendor.id))
    return rfq, lead


def unlock(session: Session, vendor: Vendor, number: str, language: str | None,
           now: datetime) -> str:
    """Unlock the vendor's lead: free on a plan with free unlocks, else one monthly credit;
    at most rfq.max_unlocks vendors per RFQ. Returns the reply (the buyer's contact, or why
    not)."""
    rfq, lead = lead_of(session, vendor, number)
    if rfq is None or lead is None:
        return vtext("lead_unknown", language, rfq=number.upper())
    if not lead.locked:
        return _contact(rfq, vtext("via_already", language), language)
    if rfq.status not in OPEN:
        return vtext("rfq_not_open", language, rfq=rfq.number,
                     status=status_name(rfq.status, language))
    unlocked = session.scalar(select(func.count(Lead.id)).where(
        Lead.rfq_id == rfq.id, Lead.locked.is_(False))) or 0
    if unlocked >= rfq.max_unlocks:
        return vtext("lead_full", language, rfq=rfq.number, count=unlocked)
    sub = plans.current_subscription(session, vendor.id, now, lock=True)
    if sub is None:
        return vtext("no_plan", language)
    if sub.plan.free_unlocks:
        via, how = "plan", vtext("via_plan", language)
    elif plans.spend_lead_credit(sub):
        via, how = "credit", vtext("via_credit", language, left=sub.credits_remaining)
    else:
        return vtext("no_credits", language, plan=sub.plan.name,
                     date=plans.credits_renew_on(sub).strftime("%d %b %Y"))
    lead.locked, lead.unlocked_via, lead.unlocked_at = False, via, now
    lead.responded_at = lead.responded_at or now
    return _contact(rfq, how, language)


def _contact(rfq: RFQ, via: str, language: str | None) -> str:
    buyer = rfq.buyer
    return vtext("unlocked", language, rfq=rfq.number, via=via, name=buyer.name or "-",
                 shop=buyer.shop_name or "-", town=buyer.town or "-", phone=buyer.phone)


