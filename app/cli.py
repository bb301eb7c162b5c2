"""Command line: `flask --app app <group> <command>` (see CONTRACT.md)."""
from __future__ import annotations

import logging
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from market.db import db, upgrade_database
from market.models import Buyer, Conversation, Staff
from market.phones import normalise_phone
from market.staff import create_staff, ensure_first_admin, issue_token, revoke_tokens

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(catalog_group)
    app.cli.add_command(staff_group)
    app.cli.add_command(buyer_group)
    app.cli.add_command(worker)
    app.cli.add_command(sweep_command)
    app.cli.add_command(templates_group)


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
@click.option("--processes", type=int, default=None,
              help="Worker processes (default WORKER_PROCESSES; 0: one per CPU).")
def worker(burst: bool, no_scheduler: bool, processes: int | None) -> None:
    """Run RQ workers on every queue of the service (and the periodic duties)."""
    from jobs.worker import run

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run in the web process")
    run(app, burst=burst, scheduler=not (burst or no_scheduler), processes=processes)
    sys.exit(0)


@click.command("sweep")
def sweep_command() -> None:
    """Re-enqueue unprocessed messages and unsent outbound rows now."""
    from jobs.sweeper import sweep

    click.echo(sweep())


@click.group("templates", help="WhatsApp message templates for business-initiated messages.")
def templates_group() -> None:
    pass


@templates_group.command("sync", help="Make the templates at the provider and submit them "
                         "for approval; safe to repeat.")
def templates_sync() -> None:
    from market import templates

    try:
        report = templates.sync(db.session, current_app.config)
    except templates.ProviderError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"templates: {report.created} created, {report.found} found at the provider, "
               f"{report.refreshed} refreshed")
    for problem in report.failed:
        click.echo(f"failed: {problem}", err=True)
    if report.failed:
        raise SystemExit(1)


@templates_group.command("list", help="One line per template and language: key, language, "
                         "status, provider id.")
def templates_list() -> None:
    from market import templates

    for row in templates.listing(db.session):
        click.echo(f"{row.key} {row.language} {row.status} {row.provider_id or '-'}")
