"""The Flask application factory.

Extensions live at module level and are bound here; blueprints are imported inside the
factory so that importing `app` stays cheap for jobs and the command line.
"""
from __future__ import annotations

import logging
import threading

import psycopg
from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from market import tasks
from market.config import Config
from market.db import db

csrf = CSRFProtect()


def create_app(config: Config | None = None) -> Flask:
    """Build the web app (also the context jobs and CLI commands run in)."""
    config = config or Config.from_env()
    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.config.from_mapping(config.as_flask())
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.APP_ENV == "production",
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
    )
    app.extensions["service_config"] = config
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    db.init_app(app)
    csrf.init_app(app)
    if config.PROXY_FIX_HOPS:
        # Behind a platform's proxy: the client's address and scheme are in X-Forwarded-*.
        hops = config.PROXY_FIX_HOPS
        app.wsgi_app = ProxyFix(app.wsgi_app,
                                x_for=hops, x_proto=hops, x_host=hops)
    app.register_error_handler(SQLAlchemyOperationalError, _database_unavailable)
    app.register_error_handler(psycopg.OperationalError, _database_unavailable)

    runner = tasks.init_app(app)
    if runner.threaded and not config.REDIS_URL:
        _run_periodic_duties_here(app)

    from app import api, health, payments, sandbox, webhooks

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(sandbox.bp)
    # Providers and API clients sign or authenticate their requests; CSRF is for browser forms.
    csrf.exempt(webhooks.bp)
    csrf.exempt(api.bp)
    csrf.exempt(payments.razorpay_webhook)  # signed by Razorpay; the other routes are GETs

    from admin import register as register_admin

    register_admin(app)

    from app import cli

    cli.register(app)
    return app


def _run_periodic_duties_here(app: Flask) -> None:
    """The embedded default has no worker process: the periodic duties (sweeper, draft
    expiry, vendor reminders) run in a thread of the server, started by its first request so
    that CLI commands (which make an app too) never start one."""
    started = threading.Event()

    @app.before_request
    def _start_scheduler() -> None:
        if not started.is_set():
            started.set()
            from jobs.schedule import start_scheduler

            start_scheduler(app, tick_seconds=5.0)


def _database_unavailable(exc: Exception) -> Response:
    """The database is down: 503 with Retry-After, so Twilio and Meta deliver the webhook
    again later (nothing was stored) and API clients back off."""
    logging.getLogger(__name__).error("database unavailable: %s", exc)
    from flask import current_app

    retry = str(current_app.config["DB_OUTAGE_RETRY_AFTER"])
    return Response("the database is unavailable; try again later\n", status=503,
                    mimetype="text/plain", headers={"Retry-After": retry})
