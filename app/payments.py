"""Where payment providers send the buyer's browser back, and Razorpay's webhook.

Nothing a browser or a webhook brings is believed: each only names an attempt, which is then
looked up at its provider on the server (market/payments.py `confirm`); the page says what
the provider said. eSewa's form is posted by the buyer's browser from a page of ours (the
link in the chat points to it), sent on by a small script file: these pages allow no
inline script.
"""
from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request

from conversation.texts import amount, text
from market import payments, tasks
from market.db import db, utcnow
from market.models import PaymentAttempt

bp = Blueprint("payments", __name__, static_folder="payments_static",
               static_url_path="/payments/static")
log = logging.getLogger(__name__)
LOOKUP_JOB = "jobs.payments.lookup"
TITLES = {"en": "Payment", "ne": "भुक्तानी", "hi": "भुगतान"}


@bp.after_request
def _headers(response: Response) -> Response:
    # No inline script or style anywhere; only the eSewa page posts a form, to eSewa.
    esewa = urlsplit(str(current_app.config.get("ESEWA_BASE_URL") or ""))
    action = f"{esewa.scheme}://{esewa.netloc}" if request.endpoint == "payments.esewa_form" \
        else "'none'"
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'none'; script-src 'self'; form-action {action}; base-uri 'none'; "
        "frame-ancestors 'none'")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.endpoint != "payments.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _page(message: str, language: str | None, status: int = 200) -> Response:
    html = render_template("payments/page.html", message=message, language=language or "en",
                           title=TITLES.get(language or "en", TITLES["en"]))
    return Response(html, status=status, mimetype="text/html")


def _outcome(checked: payments.Checked, failed_if_open: bool = False) -> Response:
    """The page saying what the provider said of the attempt."""
    attempt = checked.attempt
    if attempt is None:
        return _page("We do not know this payment. / यो भुक्तानी हामीलाई थाहा छैन।", None, 404)
    language = attempt.language or attempt.buyer.language
    name = payments.NAMES[attempt.provider]
    word = attempt.provider_status or attempt.status
    if attempt.status == "paid":
        what = (text("page_for_order", language, number=attempt.order.number)
                if attempt.order is not None else "")
        message = text("page_paid", language, what=what,
                       amount=amount(attempt.amount, attempt.currency, language))
    elif attempt.status == "mismatch":
        message = text("page_mismatch", language, provider=name)
    elif checked.unreachable:
        message = text("page_unchecked", language, provider=name)
    elif attempt.status in ("new", "pending") and not failed_if_open:
        message = text("page_pending", language, provider=name, status=word)
    else:
        message = text("page_failed", language, provider=name, status=word)
    db.session.commit()
    return _page(message, language)


def _confirmed(attempt: PaymentAttempt | None, failed_if_open: bool = False) -> Response:
    if attempt is None:
        return _outcome(payments.Checked(None))
    return _outcome(payments.confirm(db.session, attempt.id), failed_if_open)


@bp.get("/payments/khalti/return")
def khalti_return() -> Response:
    """Khalti sends the buyer back with `pidx`, `status`, `purchase_order_id`…: only the
    reference and pidx are read, to find the attempt; the lookup says the rest."""
    attempt = payments.attempt_for(db.session, "khalti",
                                   reference=request.args.get("purchase_order_id"),
                                   provider_ref=request.args.get("pidx"))
    return _confirmed(attempt)


@bp.get("/payments/esewa/pay/<reference>")
def esewa_form(reference: str) -> Response:
    """The page the chat's eSewa link opens: the signed form, sent on to eSewa at once."""
    attempt = payments.attempt_for(db.session, "esewa", reference=reference)
    if attempt is None:
        abort(404)
    language = attempt.language or attempt.buyer.language
    if attempt.status == "paid":
        return _outcome(payments.Checked(attempt))
    expired = attempt.expires_at is not None and attempt.expires_at < utcnow()
    configured = payments.Esewa.configured(current_app.config)
    if attempt.status != "pending" or expired or not configured:
        return _page(text("page_expired", language), language)
    provider = payments.Esewa(current_app.config)
    what = (text("page_for_order", language, number=attempt.order.number)
            if attempt.order is not None else "")
    html = render_template(
        "payments/esewa.html", language=language or "en",
        title=TITLES.get(language or "en", TITLES["en"]), action=provider.form_action,
        fields=provider.form(attempt, payments.service_url()),
        button=text("page_esewa_button", language),
        message=text("page_esewa", language, what=what,
                     amount=amount(attempt.amount, attempt.currency, language)))
    return Response(html, mimetype="text/html")


@bp.get("/payments/esewa/success")
def esewa_success() -> Response:
    """eSewa's base64 `data`: its signature must verify, and then only names the attempt;
    the payment counts once the status check says COMPLETE."""
    body = payments.esewa_response(request.args.get("data", ""),
                                   str(current_app.config.get("ESEWA_SECRET_KEY") or ""))
    if body is None:
        log.warning("refused an eSewa success redirect whose signature does not verify")
        return _page("This payment answer is not signed by eSewa; nothing was recorded.",
                     None, 400)
    attempt = payments.attempt_for(db.session, "esewa",
                                   reference=str(body.get("transaction_uuid") or ""))
    return _confirmed(attempt)


@bp.get("/payments/esewa/failure")
def esewa_failure() -> Response:
    """eSewa sends the buyer here when they cancel or the payment fails; we still ask."""
    reference = (request.args.get("ref") or "").split("?")[0]
    attempt = payments.attempt_for(db.session, "esewa", reference=reference)
    return _confirmed(attempt, failed_if_open=True)


@bp.get("/payments/razorpay/return")
def razorpay_return() -> Response:
    """Razorpay's callback after the buyer paid a link (`razorpay_payment_link_id`, …)."""
    attempt = payments.attempt_for(
        db.session, "razorpay",
        reference=request.args.get("razorpay_payment_link_reference_id"),
        provider_ref=request.args.get("razorpay_payment_link_id"))
    return _confirmed(attempt)


@bp.post("/webhooks/razorpay")
def razorpay_webhook() -> Response:
    """A Razorpay webhook: its signature (HMAC-SHA256 of the raw body) must verify (403
    otherwise, nothing done); then the link it names is fetched again, by a job."""
    raw = request.get_data(cache=True)
    if not payments.razorpay_signature_ok(raw, request.headers.get("X-Razorpay-Signature"),
                                          current_app.config.get("RAZORPAY_WEBHOOK_SECRET")):
        log.warning("refused a Razorpay webhook with a bad signature from %s",
                    request.remote_addr)
        return Response("bad signature\n", status=403, mimetype="text/plain")
    try:
        event = json.loads(raw)
        link = event["payload"]["payment_link"]["entity"]
    except (ValueError, KeyError, TypeError):
        link = {}
    attempt = payments.attempt_for(db.session, "razorpay",
                                   reference=_string(link.get("reference_id")),
                                   provider_ref=_string(link.get("id")))
    if attempt is None:
        log.info("Razorpay webhook for no attempt of ours: %.200r", raw)
        return Response("", status=200)
    attempt_id = attempt.id
    db.session.commit()  # end the read: nothing was written; the job reads the attempt itself
    tasks.enqueue(LOOKUP_JOB, attempt_id)
    return Response("", status=200)


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
