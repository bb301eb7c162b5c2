"""The approval status of the WhatsApp message templates, asked of the provider periodically
(scheduled in jobs/schedule.py), so a template approved meanwhile is used from then on."""
from __future__ import annotations

import logging

from flask import current_app

from jobs.runner import job
from market import templates
from market.db import db

log = logging.getLogger(__name__)


@job()
def refresh_template_status() -> int:
    """Refresh every synced template's status; returns how many were asked about."""
    asked = templates.refresh(db.session, current_app.config)
    db.session.commit()
    if asked:
        log.info("refreshed the status of %d message templates", asked)
    return asked
