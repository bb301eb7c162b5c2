"""The staff web admin under /admin/: vendors, catalog, orders, RFQs, money, conversations.

Every view but the login form needs a signed-in staff member; admin-only views say so with
`admin_required`. Every POST carries a CSRF token (CSRFProtect is on app-wide).
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")


def register(app: Flask) -> None:
    """Mount the admin on `app` and make the first admin from ADMIN_EMAIL/ADMIN_PASSWORD."""
    from admin import (  # noqa: F401  (each module adds its routes to bp)
        auth,
        catalog,
        conversations,
        dashboard,
        messaging,
        money,
        orders,
        people,
        rfqs,
        vendors,
    )
    from admin.common import install_template_helpers

    app.register_blueprint(bp)
    install_template_helpers(app)
    _first_admin(app)


def _first_admin(app: Flask) -> None:
    if not (app.config.get("ADMIN_EMAIL") and app.config.get("ADMIN_PASSWORD")):
        return
    from sqlalchemy.exc import SQLAlchemyError

    from market.db import db
    from market.staff import ensure_first_admin

    with app.app_context():
        try:
            if ensure_first_admin(db.session, app.config["ADMIN_EMAIL"],
                                  app.config["ADMIN_PASSWORD"]):
                log.info("created the first admin %s", app.config["ADMIN_EMAIL"])
            db.session.commit()
        except SQLAlchemyError:
            # Before `flask db upgrade` there is no staff table yet; the upgrade makes the admin.
            db.session.rollback()
        finally:
            db.session.remove()
