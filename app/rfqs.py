"""Requests for quotation: opening one, scoring vendors and alerting the best as locked leads,
unlocking (by plan or by one monthly credit), quotes, the buyer's acceptance, expiry, and the
monthly credit reset. Nothing here commits."""
from __future__ import annotations

import calendar
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.alerts import Local, alert_order, alert_vendor, amount, quantity, tell_buyer
from app.config import Config
from app.models import RFQ, Buyer, Lead, Plan, Product, Quote, Subscription, Vendor
from app.orders import ItemSnapshot, create_order
from conversation.texts_vendor import status_name, vtext

OPEN = ("open", "quoted")


def setting(name: str) -> int:
    """A tunable number from the app config; outside an app, its default in Config."""
    if has_app_context():
        return int(current_app.config.get(name, getattr(Config, name)))
    return int(getattr(Config, name))


def add_month(moment: datetime) -> datetime:
    """The same day and time a calendar month later (31 Jan → 28/29 Feb)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


# --- Opening an RFQ --------------------------------------------------------------------------

def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]{3,}", (text or "").lower())}


def infer_category(session: Session, text: str) -> str | None:
    """The category of the catalog product whose name, aliases or category share most words
    with the request (the heuristic that works without embeddings); None when nothing does."""
    wanted = words(text)
    best: tuple[int, str | None] = (0, None)
    for product in session.scalars(select(Product).where(Product.category.is_not(None))):
        known = words(" ".join([product.name, product.category or "",
                                *map(str, product.aliases or [])]))
        overlap = len(wanted & known)
        if overlap > best[0]:
            best = (overlap, product.category)
    return best[1]


def open_rfq(session: Session, buyer: Buyer, text: str, *, quantity: float | None = None,
             unit: str | None = None, needed_by: datetime | None = None,
             conversation_id: int | None = None, now: datetime) -> RFQ:
    """A new open RFQ numbered "R<n>", for the buyer's town, expiring after RFQ_TTL_DAYS."""
    rfq = RFQ(number=f"tmp-{uuid.uuid4().hex[:14]}", buyer_id=buyer.id,
              conversation_id=conversation_id, text=text.strip()[:500],
              category=infer_category(session, text),
              quantity=Decimal(str(quantity)) if quantity is not None else None, unit=unit,
              town=buyer.town, needed_by=needed_by, status="open",
              max_unlocks=setting("RFQ_LEADS"),
              expires_at=now + timedelta(days=setting("RFQ_TTL_DAYS")), created_at=now)
    rfq.buyer = buyer
    session.add(rfq)
    session.flush()
    rfq.number = f"R{rfq.id}"
    session.flush()
    return rfq


# --- Scoring vendors -------------------------------------------------------------------------

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


def delivers_to(vendor: Vendor, town: str | None) -> bool:
    if not town:
        return True
    return town.lower() in {str(t).lower() for t in vendor.delivery_towns or []}


def active_subscription(session: Session, vendor_id: int, now: datetime,
                        lock: bool = False) -> Subscription | None:
    """The vendor's running subscription: active, started, not past its expiry."""
    query = (select(Subscription)
             .where(Subscription.vendor_id == vendor_id, Subscription.status == "active",
                    Subscription.starts_at <= now)
             .order_by(Subscription.starts_at.desc()))
    if lock:
        query = query.with_for_update()
    for sub in session.scalars(query):
        if sub.expires_at is None or sub.expires_at > now:
            return sub
    return None


def _response_stats(session: Session, vendor_ids: list[int],
                    since: datetime) -> dict[int, tuple[int, int, float | None]]:
    rows = session.execute(
        select(Lead.vendor_id, Lead.alerted_at, Lead.responded_at)
        .where(Lead.vendor_id.in_(vendor_ids), Lead.alerted_at.is_not(None),
               Lead.alerted_at >= since)).all()
    raw: dict[int, list[Any]] = {}
    for vendor_id, alerted, responded in rows:
        raw.setdefault(vendor_id, []).append(
            (responded - alerted).total_seconds() / 3600 if responded else None)
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
        .order_by(Vendor.id)) if delivers_to(v, rfq.town)]
    if rfq.category:
        same = [v for v in vendors if rfq.category.lower() in _categories(v)]
        vendors = same or vendors
    if not vendors:
        return []
    stats = _response_stats(session, [v.id for v in vendors],
                            now - timedelta(days=setting("RFQ_STATS_DAYS")))
    ranked = []
    for vendor in vendors:
        sub = active_subscription(session, vendor.id, now)
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


def route(session: Session, rfq: RFQ, out: list[int], now: datetime) -> list[Lead]:
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
        alert_vendor(session, vendor, "lead_alert", out, subject_key="lead_alert_subject",
                     meta={"alert": "lead", "rfq": rfq.number}, **_lead_values(rfq))
    session.flush()
    session.refresh(rfq, ["leads"])
    return leads


def open_and_route(session: Session, buyer: Buyer, out: list[int], *, text: str,
                   quantity: float | None, unit: str | None, needed_by: datetime | None,
                   conversation_id: int | None, now: datetime) -> RFQ:
    """Open an RFQ for the buyer, alert the best vendors, and tell the buyer its number."""
    rfq = open_rfq(session, buyer, text, quantity=quantity, unit=unit, needed_by=needed_by,
                   conversation_id=conversation_id, now=now)
    leads = route(session, rfq, out, now)
    key = "buyer_rfq_opened" if leads else "buyer_rfq_no_vendors"
    tell_buyer(session, buyer, key, out, rfq=rfq.number, what=rfq.text,
               town=rfq.town or "your town")
    return rfq


# --- The vendor's side: unlock and quote -----------------------------------------------------

def _lead_of(session: Session, vendor: Vendor, number: str) -> tuple[RFQ | None, Lead | None]:
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
    rfq, lead = _lead_of(session, vendor, number)
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
    sub = active_subscription(session, vendor.id, now, lock=True)
    if sub is None:
        return vtext("no_plan", language)
    if sub.plan.free_unlocks:
        via, how = "plan", vtext("via_plan", language)
    elif sub.credits_remaining > 0:
        sub.credits_remaining -= 1
        via, how = "credit", vtext("via_credit", language, left=sub.credits_remaining)
    else:
        renews = add_month(sub.credits_reset_at or sub.starts_at)
        return vtext("no_credits", language, plan=sub.plan.name,
                     date=renews.strftime("%d %b %Y"))
    lead.locked, lead.unlocked_via, lead.unlocked_at = False, via, now
    lead.responded_at = lead.responded_at or now
    return _contact(rfq, how, language)


def _contact(rfq: RFQ, via: str, language: str | None) -> str:
    buyer = rfq.buyer
    return vtext("unlocked", language, rfq=rfq.number, via=via, name=buyer.name or "-",
                 shop=buyer.shop_name or "-", town=buyer.town or "-", phone=buyer.phone)


def submit_quote(session: Session, vendor: Vendor, number: str, price: Decimal,
                 unit: str | None, terms: str | None, language: str | None, out: list[int],
                 now: datetime) -> str:
    """Record the vendor's quote (numbered per RFQ) and send it to the buyer at once."""
    rfq, lead = _lead_of(session, vendor, number)
    if rfq is None or lead is None:
        return vtext("lead_unknown", language, rfq=number.upper())
    if rfq.status not in OPEN:
        return vtext("rfq_not_open", language, rfq=rfq.number,
                     status=status_name(rfq.status, language))
    if lead.locked:
        return vtext("quote_needs_unlock", language, rfq=rfq.number)
    position = (session.scalar(select(func.max(Quote.position))
                               .where(Quote.rfq_id == rfq.id)) or 0) + 1
    quote = Quote(rfq_id=rfq.id, vendor_id=vendor.id, lead_id=lead.id, position=position,
                  price=price, currency=rfq.buyer.currency, unit=unit or rfq.unit,
                  terms=(terms or None) and terms[:500], status="offered", created_at=now)
    session.add(quote)
    rfq.status = "quoted"
    lead.responded_at = lead.responded_at or now
    session.flush()
    per = f" per {quote.unit}" if quote.unit else ""
    buyer = rfq.buyer
    tell_buyer(session, buyer, "buyer_quote", out, position=position, rfq=rfq.number,
               price=amount(price), currency=quote.currency, per=per, town=vendor.town or "-",
               verified=Local("verified") if vendor.verification == "verified" else "",
               terms=f", {quote.terms}" if quote.terms else "")
    return vtext("quote_sent", language, position=position, rfq=rfq.number,
                 currency=quote.currency, price=amount(price), per=per)


# --- The buyer's side: accepting a quote -----------------------------------------------------

def _buyers_rfq(session: Session, buyer: Buyer, number: str | None) -> RFQ | None:
    query = select(RFQ).where(RFQ.buyer_id == buyer.id)
    if number:
        query = query.where(RFQ.number == number.upper())
    else:
        # The newest request that has quotes, open ones first.
        query = query.where(RFQ.status == "quoted")
    return session.scalar(query.order_by(RFQ.id.desc()).limit(1).with_for_update())


def accept_quote(session: Session, buyer: Buyer, position: int, number: str | None,
                 out: list[int], conversation_id: int | None = None,
                 language: str | None = None) -> str:
    """Turn quote `position` into an order with its vendor at the quoted price (no listing
    needed), close the RFQ and tell the other vendors. Returns the buyer's reply."""
    language = language or buyer.language
    rfq = _buyers_rfq(session, buyer, number)
    if rfq is None:
        return vtext("buyer_no_open_rfq", language)
    if rfq.status not in OPEN:
        return vtext("buyer_rfq_closed", language, rfq=rfq.number,
                     status=status_name(rfq.status, language))
    quote = next((q for q in rfq.quotes if q.position == position), None)
    if quote is None:
        return vtext("buyer_quote_unknown", language, position=position, rfq=rfq.number,
                     count=len(rfq.quotes))
    order = create_order(session, buyer, quote.vendor, [_quote_item(rfq, quote)],
                         actor=f"buyer:{buyer.phone}", currency=quote.currency,
                         conversation_id=conversation_id or rfq.conversation_id, rfq_id=rfq.id)
    quote.status, quote.order_id, rfq.status = "accepted", order.id, "closed"
    for other in rfq.quotes:
        if other is not quote:
            other.status = "declined"
    alert_order(session, order, out,
                prefix=Local("quote_won", {"rfq": rfq.number, "number": order.number}))
    _tell_leads_closed(session, rfq, "why_other_quote", out, skip=quote.vendor_id)
    return vtext("buyer_quote_accepted", language, number=order.number,
                 vendor=quote.vendor.business_name, what=rfq.text, currency=order.currency,
                 total=amount(order.total))


def _quote_item(rfq: RFQ, quote: Quote) -> ItemSnapshot:
    """The order line: the requested quantity at the quoted price; a quote in another unit
    than the request is taken as the price of one such unit."""
    same_unit = rfq.quantity is not None and (quote.unit is None or rfq.unit is None
                                              or quote.unit == rfq.unit)
    return ItemSnapshot(sku=None, name=rfq.text[:200],
                        quantity=rfq.quantity if same_unit else Decimal("1"),
                        unit=(quote.unit or rfq.unit or "lot")[:16], unit_price=quote.price)


def _tell_leads_closed(session: Session, rfq: RFQ, why_key: str, out: list[int],
                       skip: int | None = None) -> None:
    for lead in rfq.leads:
        if lead.vendor_id == skip:
            continue
        alert_vendor(session, lead.vendor, "rfq_closed_vendor", out, rfq=rfq.number,
                     what=rfq.text, why=Local(why_key))


# --- Periodic: expiry and the monthly credit reset -------------------------------------------

def expire_due(session: Session, now: datetime, out: list[int]) -> list[str]:
    """Expire open RFQs past their time; the buyer and the vendors with leads are told."""
    due = session.scalars(
        select(RFQ).where(RFQ.status.in_(OPEN), RFQ.expires_at.is_not(None),
                          RFQ.expires_at <= now)
        .order_by(RFQ.id).limit(200).with_for_update(skip_locked=True)).all()
    for rfq in due:
        rfq.status = "expired"
        for quote in rfq.quotes:
            quote.status = "declined"
        tell_buyer(session, rfq.buyer, "buyer_rfq_expired", out, rfq=rfq.number, what=rfq.text,
                   quotes="" if rfq.quotes else Local("no_quotes"))
        _tell_leads_closed(session, rfq, "why_expired", out)
    return [rfq.number for rfq in due]


def reset_credits(session: Session, now: datetime) -> int:
    """Give active subscriptions a month old their plan's credits again; subscriptions past
    their expiry become expired with no credits. Returns how many were reset."""
    subs = session.scalars(
        select(Subscription).join(Plan, Subscription.plan_id == Plan.id)
        .where(Subscription.status == "active").with_for_update(of=Subscription)).all()
    reset = 0
    for sub in subs:
        if sub.expires_at is not None and sub.expires_at <= now:
            sub.status, sub.credits_remaining = "expired", 0
            continue
        if add_month(sub.credits_reset_at or sub.starts_at) <= now:
            sub.credits_remaining = sub.plan.unlocks_per_month
            sub.credits_reset_at = now
            reset += 1
    return reset
