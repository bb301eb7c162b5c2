"""Payment jobs: making a payment link after the buyer asked for it, asking a provider what
became of a payment (after a webhook, a staff request, or periodically for attempts nobody
came back from), and the daily dues reminders. Each takes ids, reloads rows, commits once
per attempt."""
from __future__ import annotations

import logging

from jobs.runner import job
from market import dues, payments
from market.db import db, utcnow
from market.models import PaymentAttempt

log = logging.getLogger(__name__)


@job()
def open_link(attempt_id: int) -> bool:
    """Ask the provider for the attempt's payment link and send it to the buyer."""
    session = db.session
    attempt = payments.locked(session, attempt_id)
    made = attempt is not None and payments.make_link(session, attempt)
    session.commit()
    return made


@job()
def lookup(attempt_id: int) -> str | None:
    """Ask the provider about one attempt and post it if it is paid (once); `again` for a
    paid attempt is the admin's reconciliation."""
    return _lookup(attempt_id, again=False)


@job()
def lookup_again(attempt_id: int) -> str | None:
    """`lookup`, even for an attempt already paid: what the provider says now is recorded
    (a refund made at the provider shows in the reconciliation)."""
    return _lookup(attempt_id, again=True)


def _lookup(attempt_id: int, again: bool) -> str | None:
    session = db.session
    attempt = payments.confirm(session, attempt_id, again=again).attempt
    status = attempt.status if attempt is not None else None
    session.commit()
    return status


@job()
def check_open_payments() -> int:
    """The periodic look at open attempts: links never made are made, pending ones are
    asked about (less often as they age), and ones too old are closed as expired."""
    session = db.session
    now = utcnow()
    due = payments.due_for_lookup(session, now)
    for attempt_id in due:
        try:
            attempt = session.get(PaymentAttempt, attempt_id)
            if attempt is not None and attempt.status == "new":
                attempt = payments.locked(session, attempt_id)
                if attempt is not None:
                    payments.make_link(session, attempt)
            else:
                payments.confirm(session, attempt_id)
            session.commit()
        except Exception:  # one attempt's trouble must not stop the others
            session.rollback()  # only this attempt's unsaved changes: each one commits
            log.exception("checking payment attempt %s failed", attempt_id)
    expired = payments.expire_unconfirmed(session, now)
    session.commit()
    return len(due) + expired


@job()
def remind_dues() -> list[str]:
    """Today's reminders of dues, each once."""
    session = db.session
    sent = dues.remind(session, utcnow())
    session.commit()
    if sent:
        log.info("dues reminders sent: %s", ", ".join(sent))
    return sent
