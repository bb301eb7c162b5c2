"""Preparing an inbound message's media (fetch, store, OCR) before the engine sees it.

The slow part runs here, outside the conversation's row lock, so other buyers' messages and
this buyer's status callbacks never wait on a download. jobs/inbound.py does not go past a
message whose media is unprepared; when this job is done it hands the conversation back.
"""
from __future__ import annotations

from flask import current_app

from jobs.runner import job
from market import media_intake
from market.db import db
from market.tasks import INBOUND, PROCESS_JOB, enqueue


@job(queue=INBOUND)
def prepare_message(message_id: int) -> bool:
    """Fetch, store and read every media item of a message, then process its conversation.

    Safe to run twice: prepared items are skipped, and a job finding another one's fresh
    claim leaves the work (and the hand-back) to it. Returns whether it handed back.
    """
    session = db.session
    claimed = media_intake.claim(session, message_id)
    session.commit()
    if claimed is None:
        return False
    conversation_id, todo = claimed
    for index, item in todo:
        outcome = media_intake.prepare_item(item, current_app.config)
        media_intake.record(session, message_id, index, outcome)
        session.commit()
    enqueue(PROCESS_JOB, conversation_id)
    return True
