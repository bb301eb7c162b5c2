"""Requests for quotation: opening one (then routed as leads, market/leads.py), vendors'
quotes, the buyer's acceptance of one as an order, and expiry. Nothing here commits."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversation.texts import amount
from conversation.texts_vendor import status_name, vtext
from market.alerts import Local, Money, alert_order, alert_vendor, tell_buyer
from market.config import setting
from market.leads import OPEN, lead_of, route
from market.models import RFQ, Buyer, Product, Quote, Vendor
from market.orders import ItemSnapshot, create_order

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
    """A new open RFQ numbered "R<n>", for the buyer's town, expiring after LEAD_TTL_DAYS."""
    rfq = RFQ(number=f"tmp-{uuid.uuid4().hex[:14]}", buyer_id=buyer.id,
              conversation_id=conversation_id, text=text.strip()[:500],
              category=infer_category(session, text),
              quantity=Decimal(str(quantity)) if quantity is not None else None, unit=unit,
              town=buyer.town, needed_by=needed_by, status="open",
              max_unlocks=setting("LEAD_MAX_UNLOCKS"),
              expires_at=now + timedelta(days=setting("LEAD_TTL_DAYS")), created_at=now)
    rfq.buyer = buyer
    session.add(rfq)
    session.flush()
    rfq.number = f"R{rfq.id}"
    session.flush()
    return rfq


def open_and_route(session: Session, buyer: Buyer, *, text: str,
                   quantity: float | None, unit: str | None, needed_by: datetime | None,
                   conversation_id: int | None, now: datetime) -> RFQ:
    """Open an RFQ for the buyer, alert the best vendors, and tell the buyer its number."""
    rfq = open_rfq(session, buyer, text, quantity=quantity, unit=unit, needed_by=needed_by,
                   conversation_id=conversation_id, now=now)
    leads = route(session, rfq, now)
    key = "buyer_rfq_opened" if leads else "buyer_rfq_no_vendors"
    tell_buyer(session, buyer, key, rfq=rfq.number, what=rfq.text,
               town=rfq.town or "your town")
    return rfq


# --- The vendor's side: quotes -----------------------------------------------------------

def submit_quote(session: Session, vendor: Vendor, number: str, price: Decimal,
                 unit: str | None, terms: str | None, language: str | None,
                 now: datetime) -> str:
    """Record the vendor's quote (numbered per RFQ) and send it to the buyer at once."""
    rfq, lead = lead_of(session, vendor, number)
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
    tell_buyer(session, buyer, "buyer_quote", position=position, rfq=rfq.number,
               price=Money(price, quote.currency), per=per, town=vendor.town or "-",
               verified=Local("verified") if vendor.verification == "verified" else "",
               terms=f", {quote.terms}" if quote.terms else "")
    return vtext("quote_sent", language, position=position, rfq=rfq.number,
                 price=amount(price, quote.currency, language), per=per)


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
                 conversation_id: int | None = None,
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
    alert_order(session, order,
                prefix=Local("quote_won", {"rfq": rfq.number, "number": order.number}))
    _tell_leads_closed(session, rfq, "why_other_quote", skip=quote.vendor_id)
    return vtext("buyer_quote_accepted", language, number=order.number,
                 vendor=quote.vendor.business_name, what=rfq.text,
                 total=amount(order.total, order.currency, language))


def _quote_item(rfq: RFQ, quote: Quote) -> ItemSnapshot:
    """The order line: the requested quantity at the quoted price; a quote in another unit
    than the request is taken as the price of one such unit."""
    same_unit = quote.unit is None or rfq.unit is None or quote.unit == rfq.unit
    quantity = rfq.quantity if rfq.quantity is not None and same_unit else Decimal("1")
    return ItemSnapshot(sku=None, name=rfq.text[:200], quantity=quantity,
                        unit=(quote.unit or rfq.unit or "lot")[:16], unit_price=quote.price)


def _tell_leads_closed(session: Session, rfq: RFQ, why_key: str,
                       skip: int | None = None) -> None:
    for lead in rfq.leads:
        if lead.vendor_id == skip:
            continue
        alert_vendor(session, lead.vendor, "rfq_closed_vendor", rfq=rfq.number,
                     what=rfq.text, why=Local(why_key))


# --- Periodic: expiry ------------------------------------------------------------------------

def expire_due(session: Session, now: datetime) -> list[str]:
    """Expire open RFQs past their time; the buyer and the vendors with leads are told."""
    due = session.scalars(
        select(RFQ).where(RFQ.status.in_(OPEN), RFQ.expires_at.is_not(None),
                          RFQ.expires_at <= now)
        .order_by(RFQ.id).limit(200).with_for_update(skip_locked=True)).all()
    for rfq in due:
        rfq.status = "expired"
        for quote in rfq.quotes:
            quote.status = "declined"
        tell_buyer(session, rfq.buyer, "buyer_rfq_expired", rfq=rfq.number, what=rfq.text,
                   quotes="" if rfq.quotes else Local("no_quotes"))
        _tell_leads_closed(session, rfq, "why_expired")
    return [rfq.number for rfq in due]


