"""Processing inbound messages, one conversation at a time, oldest first."""
from __future__ import annotations

import logging

from sqlalchemy import select

from jobs.runner import job
from market import media_intake
from market.db import db
from market.engine import handle_inbound
from market.models import INBOUND, Conversation, Message
from market.tasks import INBOUND as INBOUND_QUEUE
from market.tasks import PREPARE_MEDIA_JOB, clear_pending, enqueue

log = logging.getLogger(__name__)


@job(queue=INBOUND_QUEUE)
def process_conversation(conversation_id: int) -> int:
    """Handle every unprocessed message of a conversation; returns how many were handled.

    Each message is its own transaction, taken under a row lock on the conversation, so two
    workers never interleave one buyer's messages and a killed worker loses at most the
    message it was on, which stays unprocessed for the sweeper.
    """
    clear_pending(conversation_id)
    handled = 0
    while True:
        session = db.session
        # NO KEY UPDATE: exclusive among workers, yet the webhook's inserts of new messages
        # (which take KEY SHARE on the conversation through the foreign key) never wait.
        conv = session.scalar(
            select(Conversation).where(Conversation.id == conversation_id)
            .with_for_update(key_share=True)
            # Another worker may have moved the state on since this session last saw the row.
            .execution_options(populate_existing=True)
        )
        if conv is None:
            session.rollback()
            return handled
        message = session.scalar(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.direction == INBOUND,
                   Message.processed_at.is_(None))
            .order_by(Message.id)
            .limit(1)
        )
        if message is None:
            session.commit()
            return handled
        if not media_intake.is_prepared(message):
            # Its photo is still being fetched and read (jobs/media.py, outside this lock);
            # later messages wait their turn. The media job hands the conversation back.
            session.commit()
            enqueue(PREPARE_MEDIA_JOB, message.id)
            return handled
        handle_inbound(session, conv, message)
        session.commit()  # the replies it queued are enqueued for sending by this commit
        handled += 1

