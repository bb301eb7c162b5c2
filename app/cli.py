"""Command line: `flask --app app <group> <command>` (see CONTRACT.md)."""
from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import select

from market.db import db, upgrade_database
from market.models import Buyer, Conversation, Staff
from market.phones import normalise_phone
from market.staff import create_staff, ensure_first_admin, issue_token, revoke_tokens

log = logging.getLogger(__name__)
# A worker that stopped on an error is replaced after a pause that doubles while it keeps
# failing (Redis still down), from the first number to the second; it starts again from the
# first once a worker has run for RESTART_RESET_SECONDS.
RESTART_PAUSE_SECONDS = (1.0, 30.0)
RESTART_RESET_SECONDS = 60.0


def register(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(catalog_group)
    app.cli.add_command(staff_group)
    app.cli.add_command(buyer_group)
    app.cli.add_command(worker)
    app.cli.add_command(sweep_command)


@click.group("db", help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Migrate the database to the newest revision.")
def db_upgrade() -> None:
    Path("var").mkdir(exist_ok=True)
    upgrade_database(current_app.config["DATABASE_URL"])
    if ensure_first_admin(db.session, current_app.config.get("ADMIN_EMAIL"),
                          current_app.config.get("ADMIN_PASSWORD")):
        click.echo(f"created admin {current_app.config['ADMIN_EMAIL']}")
    db.session.commit()
    click.echo("database is at the newest revision")


@click.group("catalog", help="Products, vendors and listings.")
def catalog_group() -> None:
    pass


@catalog_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def catalog_import(folder: Path) -> None:
    """Load products.csv, vendors.csv and listings.csv from FOLDER; bad rows are skipped."""
    from market.catalog_import import import_dir

    report = import_dir(db.session, folder)
    db.session.commit()
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(report.summary())


@click.group("staff", help="Staff accounts for the admin and the API.")
def staff_group() -> None:
    pass


@staff_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "staff"]), default="staff")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default=None)
def staff_create(email: str, role: str, password: str, name: str | None) -> None:
    try:
        staff = create_staff(db.session, email, role, password, name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {staff.role} {staff.email}")


@staff_group.command("token")
@click.argument("email")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="Days the token works (default: API_TOKEN_DAYS).")
def staff_token(email: str, days: int | None) -> None:
    """Print a new bearer token for the JSON API (and nothing else on stdout)."""
    staff = db.session.scalar(select(Staff).where(Staff.email == email.strip().lower()))
    if staff is None or not staff.active:
        raise click.ClickException(f"no active staff account {email}")
    days = days or current_app.config["API_TOKEN_DAYS"]
    token = issue_token(db.session, staff, days)
    db.session.commit()
    click.echo(token)
    click.echo(f"expires in {days} days; revoke with `staff revoke-token {staff.email}`",
               err=True)


@staff_group.command("revoke-token")
@click.argument("email")
@click.option("--token", default=None,
              help="Revoke only this token (as printed by `staff token`); default: all.")
def staff_revoke_token(email: str, token: str | None) -> None:
    """Revoke every API token of EMAIL (or just --token): they get 401 from now on."""
    staff = db.session.scalar(select(Staff).where(Staff.email == email.strip().lower()))
    if staff is None:
        raise click.ClickException(f"no staff account {email}")
    revoked = revoke_tokens(db.session, staff, token.strip() if token else None)
    db.session.commit()
    if token and not revoked:
        raise click.ClickException(f"that token is not a live token of {staff.email}")
    click.echo(f"revoked {revoked} token{'s' if revoked != 1 else ''} of {staff.email}")


@click.group("buyer", help="Buyers registered by staff.")
def buyer_group() -> None:
    pass


@buyer_group.command("create")
@click.argument("phone")
@click.option("--name", required=True)
@click.option("--shop", required=True)
@click.option("--town", required=True)
@click.option("--credit-limit", default="0")
@click.option("--language", type=click.Choice(["en", "ne", "hi"]), default=None)
def buyer_create(phone: str, name: str, shop: str, town: str, credit_limit: str,
                 language: str | None) -> None:
    """Register a buyer so the chat skips onboarding."""
    e164 = normalise_phone(phone, current_app.config["DEFAULT_COUNTRY"])
    if e164 is None:
        raise click.ClickException(f"{phone} is not a phone number")
    try:
        limit = Decimal(credit_limit)
    except InvalidOperation as exc:
        raise click.ClickException(f"credit limit {credit_limit!r} is not a number") from exc
    buyer = db.session.scalar(select(Buyer).where(Buyer.phone == e164)) or Buyer(phone=e164)
    buyer.name, buyer.shop_name, buyer.town = name, shop, town
    buyer.credit_limit, buyer.language = limit, language
    buyer.registered_by_staff = True
    buyer.onboarded = True
    db.session.add(buyer)
    db.session.flush()
    conv = db.session.scalar(select(Conversation).where(Conversation.channel == "whatsapp",
                                                         Conversation.address == e164))
    if conv is not None:
        conv.buyer_id = buyer.id
        conv.language = conv.language or language
    db.session.commit()
    click.echo(f"buyer {e164} registered")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--no-scheduler", is_flag=True, help="Do not run periodic duties here.")
def worker(burst: bool, no_scheduler: bool) -> None:
    """Run an RQ worker on every queue of the service (and the periodic duties)."""
    from rq import SimpleWorker

    from jobs import runner, schedule
    from market import tasks
    from market.redis import redis_connection

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run in the web process")
    runner.set_worker_app(app)
    stop = None if (burst or no_scheduler) else schedule.start_scheduler(app)
    # SimpleWorker runs jobs in this process: no fork per job, and the engine's connection
    # pool stays valid. A killed worker leaves its message unprocessed for the sweeper.
    # RQ runs one job at a time per worker, so the media queue (a photo's download may take
    # MEDIA_DOWNLOAD_DEADLINE_SECONDS, its OCR seconds more) gets a worker of its own, in a
    # thread of this process: text replies never wait behind a photo. A thread, not a second
    # process, so the Procfile's one `worker` command keeps one app, one set of connection
    # pools and one periodic thread, and its memory does not double.
    text_queues = [tasks.rq_queue(name, app) for name in tasks.QUEUES if name != tasks.MEDIA]
    media_queue = [tasks.rq_queue(tasks.MEDIA, app)]
    media = None if burst else MediaThread(lambda stopping: media_worker(
        media_queue, connection=redis_connection(app), stopping=stopping))
    try:
        if media is not None:
            media.start()
        while True:
            work_until_stopped(
                lambda: SimpleWorker(text_queues, connection=redis_connection(app)),
                burst=burst, with_scheduler=not burst, logging_level="INFO")
            if not burst:
                break
            # Burst: the photos here, then the replies they hand back, until nothing is left.
            work_until_stopped(lambda: media_worker(media_queue,
                                                    connection=redis_connection(app)),
                               burst=True, logging_level="INFO")
            if not any(queue.count for queue in text_queues + media_queue):
                break
    finally:
        if media is not None:
            media.stop()
        if stop is not None:
            stop.set()
    sys.exit(0)


def work_until_stopped(make_worker: Callable[[], Any], burst: bool, **work_args: Any) -> None:
    """Run `make_worker().work(burst, **work_args)` until it stops on request (SIGTERM/SIGINT)
    or, in burst mode, runs out of jobs.

    RQ gives up on most Redis errors: its loop logs "unhandled exception, quitting" and
    returns, or raises from its own teardown. Either way a new worker (a new name: the old one
    may still be registered) is started after a pause, so an outage never ends the process;
    its periodic thread keeps running meanwhile and the sweeper re-enqueues what was lost.
    """
    pause = RESTART_PAUSE_SECONDS[0]
    while True:
        started = time.monotonic()
        rq_worker = None
        try:
            rq_worker = make_worker()  # which talks to Redis already
            rq_worker.work(burst=burst, **work_args)
        except Exception:
            if burst:
                raise
            log.exception("the RQ worker stopped on an error")
        else:
            # RQ records a warm shutdown (a signal) here; nothing public says why work() ended.
            if burst or getattr(rq_worker, "_shutdown_requested_date", None) is not None:
                return
            log.error("the RQ worker stopped on an error")
        _discard(rq_worker)
        if time.monotonic() - started > RESTART_RESET_SECONDS:
            pause = RESTART_PAUSE_SECONDS[0]
        log.warning("starting a new RQ worker in %.0f s", pause)
        if threading.current_thread() is threading.main_thread():
            # No job runs during the pause: a signal now simply ends the process (RQ's
            # handlers, still installed, would talk to the Redis that is gone).
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        time.sleep(pause)
        pause = min(pause * 2, RESTART_PAUSE_SECONDS[1])


def _discard(rq_worker: Any) -> None:
    """Stop what a failed worker leaves running: its teardown never got to its pub/sub thread
    (the channel for `rq` commands), which would otherwise retry forever."""
    thread = getattr(rq_worker, "pubsub_thread", None)
    if thread is not None:
        thread.stop()


def media_worker(queues: list[Any], connection: Any,
                 stopping: threading.Event | None = None) -> Any:
    """An RQ SimpleWorker for the media queue that can run in a thread of the worker process.

    RQ stops an overlong job with SIGALRM, which only the main thread gets: here a timer does
    it. Signals stay with the main thread's worker, which stops this one through `stopping`
    (checked after each job: the job in hand is finished, not cut).
    """
    from rq import SimpleWorker
    from rq.exceptions import StopRequested
    from rq.timeouts import TimerDeathPenalty

    class MediaWorker(SimpleWorker):
        death_penalty_class = TimerDeathPenalty

        def __init__(self) -> None:
            super().__init__(queues, connection=connection)
            self.busy = threading.Lock()

        def _install_signal_handlers(self) -> None:
            pass  # a thread may not install them, and SIGTERM is the main thread's worker's

        def execute_job(self, job: Any, queue: Any) -> None:
            with self.busy:
                super().execute_job(job, queue)
            if stopping is not None and stopping.is_set():
                raise StopRequested()

    return MediaWorker()


class MediaThread:
    """The media queue's worker in a daemon thread, replaced after a pause when RQ gives up on
    an error (as work_until_stopped does for the main one, minus signals: a thread has none).
    """

    # How long stopping waits for a photo in hand: RQ's job timeout, and a little more.
    STOP_WAIT_SECONDS = 125.0

    def __init__(self, make_worker: Callable[[threading.Event], Any]) -> None:
        self.make_worker = make_worker
        self.stopping = threading.Event()
        self.worker: Any = None
        self.thread = threading.Thread(target=self._run, name="media-worker", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        pause = RESTART_PAUSE_SECONDS[0]
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.worker = self.make_worker(self.stopping)
                self.worker.work(logging_level="INFO")
            except Exception:
                log.exception("the media queue's RQ worker stopped on an error")
            if self.stopping.is_set():
                return
            log.error("the media queue's RQ worker stopped; starting a new one in %.0f s", pause)
            _discard(self.worker)
            if time.monotonic() - started > RESTART_RESET_SECONDS:
                pause = RESTART_PAUSE_SECONDS[0]
            self.stopping.wait(pause)
            pause = min(pause * 2, RESTART_PAUSE_SECONDS[1])

    def stop(self) -> None:
        """Let the photo in hand finish, then leave: the thread, idle in Redis's blocking pop,
        ends with the process (a photo it takes meanwhile stays unprepared, and its message
        unprocessed, for the sweeper)."""
        self.stopping.set()
        rq_worker = self.worker
        if rq_worker is None:
            return
        if rq_worker.busy.acquire(timeout=self.STOP_WAIT_SECONDS):
            rq_worker.busy.release()
        with contextlib.suppress(Exception):
            rq_worker.register_death()


@click.command("sweep")
def sweep_command() -> None:
    """Re-enqueue unprocessed messages and unsent outbound rows now."""
    from jobs.sweeper import sweep

    click.echo(sweep())
