"""Alerting a vendor, on each of its alert channels, of a new order or a cancelled one."""
from __future__ import annotations

import logging

from sqlalchemy import select

from jobs.runner import job
from market.alerts import alert_cancelled, alert_order, order_alerted
from market.db import db
from market.models import Order

log = logging.getLogger(__name__)


@job()
def order_placed(order_id: int) -> int:
    """Queue the alert of a new order to its vendor (SMS, WhatsApp, e-mail as the vendor
    chose); returns how many messages were queued. Safe to run twice: an order already
    alerted, no longer pending, or still held for credit approval gets nothing; one staff
    approved (market.staff_actions.approve) is alerted like any other."""
    session = db.session
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if (order is None or order.status != "pending" or order.approval == "held"
            or order_alerted(session, order)):
        session.rollback()
        return 0
    queued = alert_order(session, order)
    number = order.number
    session.commit()
    log.info("order %s alerted on %d channels", number, queued)
    return queued


@job()
def order_cancelled(order_id: int) -> int:
    """Tell the vendor the buyer cancelled an order it was alerted of; safe to run twice."""
    session = db.session
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if (order is None or order.status != "cancelled" or not order_alerted(session, order)
            or order_alerted(session, order, "cancelled")):
        session.rollback()
        return 0
    queued = alert_cancelled(session, order)
    session.commit()
    return queued
