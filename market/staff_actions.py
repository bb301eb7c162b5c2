"""What staff do to orders in the admin, and who is told: releasing or declining an order held
for credit, and moving an order's status on a vendor's behalf. The buyer hears of it on
WhatsApp in their language, the vendor when its order is taken from it. Never commits: what
must happen after (the vendor's alert, the sends) is enqueued when the view commits."""
from __future__ import annotations

from sqlalchemy.orm import Session

from market import ledger
from market.alerts import alert_vendor, order_alerted, order_values, tell_buyer
from market.models import Order, OrderEvent
from market.orders import can_transition, transition
from market.tasks import after_commit
from market.vendor_orders import buyer_values, follow_move

# What the vendor is told when staff take its order from it.
VENDOR_TEXT = {"rejected": "order_rejected_by_staff", "cancelled": "order_cancelled_by_staff"}


class NotWaiting(ValueError):
    """The order is not (or no longer) waiting for a credit decision."""


def _decided(order: Order, decision: str, actor: str) -> None:
    if order.approval != "held":
        raise NotWaiting(f"Order {order.number} is not waiting for approval.")
    order.approval = decision
    # Tagged so reminders count the vendor's waiting time from the approval (waiting_since).
    order.events.append(OrderEvent(from_status=order.status, to_status=order.status,
                                   actor=actor, note=f"credit {decision}",
                                   data={"credit": decision}))


def approve(session: Session, order: Order, actor: str) -> None:
    """Let a held order go on as if it had been placed within the limit: on the buyer's
    account (placement charges only orders it does not hold, so this is the one charge), the
    buyer told, the vendor alerted once this is committed."""
    if order.status != "pending":
        raise NotWaiting(f"Order {order.number} is {order.status}; it can only be declined.")
    _decided(order, "approved", actor)
    if order.payment_method == "credit" and not ledger.is_charged(session, order):
        ledger.charge_order(session, order)
    tell_buyer(session, order.buyer, "buyer_order_approved", **buyer_values(order))
    after_commit(session, "jobs.alerts.order_placed", order.id)


def decline(session: Session, order: Order, actor: str) -> None:
    """Refuse a held order: it is rejected (nothing reserved stays on the buyer's account) and
    the buyer told. One the buyer already cancelled is only marked declined."""
    _decided(order, "declined", actor)
    if not can_transition(order, "rejected"):
        return
    transition(order, "rejected", actor, "over the credit limit")
    ledger.refund_order(session, order)
    tell_buyer(session, order.buyer, "buyer_order_declined", **buyer_values(order))


def change_status(session: Session, order: Order, to_status: str, actor: str,
                  note: str | None) -> None:
    """Move an order as its vendor would (app.orders.transition; TransitionError when the
    rules forbid it), with what follows a vendor's answer: the buyer told, credit given back,
    a rejected order re-routed. A vendor that was alerted of it hears when staff reject or
    cancel it for them."""
    transition(order, to_status, actor, note)
    if to_status in VENDOR_TEXT and order_alerted(session, order):
        alert_vendor(session, order.vendor, VENDOR_TEXT[to_status],
                     meta={"alert": to_status, "order": order.number}, **order_values(order))
    follow_move(session, order)
