"""Processing inbound messages, one conversation at a time, oldest first."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.outbound import send_message
from jobs.runner import job
from market import media_intake
from market.config import setting
from market.db import db
from market.engine import handle_inbound
from market.messaging import give_up_inbound
from market.models import INBOUND, Conversation, Message
from market.tasks import INBOUND as INBOUND_QUEUE
from market.tasks import (
    PREPARE_MEDIA_JOB,
    SEND_JOB,
    clear_pending,
    enqueue,
    keep_sends,
    kept_sends,
)

log = logging.getLogger(__name__)


@job(queue=INBOUND_QUEUE)
def process_conversation(conversation_id: int) -> int:
    """Handle every unprocessed message of a conversation; returns how many were handled.

    Each message is its own transaction, taken under a row lock on the conversation, so two
    workers never interleave one buyer's messages and a killed worker loses at most the
    message it was on, which stays unprocessed for the sweeper.

    Each try of a message is counted, and committed, before it is processed, so that a
    message that fails, or kills the worker, every time is given up after
    MESSAGE_MAX_ATTEMPTS tries (marked failed, the sender told once) instead of holding back
    every later message of the conversation. Between tries the job ends with the error; the
    sweeper brings the conversation back.
    """
    clear_pending(conversation_id)
    handled = 0
    counted: int | None = None  # the message whose current try this job has counted
    while True:
        session = db.session
        conv, message = _next_message(session, conversation_id)
        if conv is None or message is None:
            session.commit()
            return handled
        if not media_intake.is_prepared(message):
            # Its photo is still being fetched and read (jobs/media.py, outside this lock);
            # later messages wait their turn. The media job hands the conversation back.
            session.commit()
            enqueue(PREPARE_MEDIA_JOB, message.id)
            return handled
        if message.id != counted:
            if message.attempts >= setting("MESSAGE_MAX_ATTEMPTS"):
                give_up_inbound(session, conv, message)
                session.commit()  # the apology is sent after this commit
                continue
            message.attempts += 1
            session.commit()  # releases the lock: the next turn takes it again, and processes
            counted = message.id
            continue
        try:
            handle_inbound(session, conv, message)
            keep_sends(session)
            session.commit()
        except Exception as exc:
            session.rollback()
            if not _failed(session, message.id, exc):
                raise  # tried again when the sweeper brings the conversation back
            log.exception("message %s failed on its last try", message.id)
        else:
            handled += 1
            _send_now(kept_sends(session))
        counted = None


def _send_now(message_ids: list[int]) -> None:
    """Send the replies just committed from here, while the buyer waits, rather than through
    the outbound queue; one that fails unexpectedly is left to a send job."""
    for message_id in message_ids:
        try:
            send_message(message_id)
        except Exception:
            log.exception("sending reply %s straight away failed; queued instead", message_id)
            enqueue(SEND_JOB, message_id)


def _next_message(session: Session,
                  conversation_id: int) -> tuple[Conversation | None, Message | None]:
    """The conversation, locked, and its oldest unprocessed inbound message."""
    # NO KEY UPDATE: exclusive among workers, yet the webhook's inserts of new messages
    # (which take KEY SHARE on the conversation through the foreign key) never wait.
    conv = session.scalar(
        select(Conversation).where(Conversation.id == conversation_id)
        .with_for_update(key_share=True)
        # Another worker may have moved the state on since this session last saw the row.
        .execution_options(populate_existing=True)
    )
    if conv is None:
        return None, None
    message = session.scalar(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == INBOUND,
               Message.processed_at.is_(None))
        .order_by(Message.id)
        .limit(1)
    )
    return conv, message


def _failed(session: Session, message_id: int, exc: Exception) -> bool:
    """Keep `exc` on the message for staff; whether that was its last try."""
    message = session.get_one(Message, message_id)
    message.error_message = f"{type(exc).__name__}: {exc}"[:1000]
    last = message.attempts >= setting("MESSAGE_MAX_ATTEMPTS")
    session.commit()
    return last
