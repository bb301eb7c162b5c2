"""Preparing an inbound message's media (fetch, store, OCR) before the engine sees it.

The slow part runs here, outside the conversation's row lock and on a queue of its own (served
by a worker of its own), so other buyers' messages and this buyer's status callbacks never
wait on a download. jobs/inbound.py does not go past a message whose media is unprepared; when
this job is done it hands the conversation back.
"""
from __future__ import annotations

import time

from flask import current_app

from jobs.runner import job
from market import media_intake
from market.catalog_cache import current_catalog
from market.db import db
from market.tasks import MEDIA, PROCESS_JOB, enqueue

# RQ stops a job after 120 s (market.tasks.enqueue's job_timeout). The downloads of one
# message's items (up to ten) end within this together, leaving time to read them, so the job
# records every item and hands the conversation back instead of being killed half way.
JOB_DOWNLOAD_BUDGET_SECONDS = 75


@job(queue=MEDIA)
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
    catalog = current_catalog(session)
    session.commit()
    deadline = time.monotonic() + JOB_DOWNLOAD_BUDGET_SECONDS
    for index, item in todo:
        outcome = media_intake.prepare_item(item, current_app.config, deadline, catalog)
        media_intake.record(session, message_id, index, outcome)
        session.commit()
    enqueue(PROCESS_JOB, conversation_id)
    return True
