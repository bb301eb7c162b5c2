"""Paying online from the chat: Khalti (KPG-2), eSewa (ePay v2) and Razorpay payment links
behind one interface, each enabled by its settings; checking with the provider, on the
server, what a browser or a webhook claims; and posting a confirmed payment to the ledger
exactly once, with a receipt on WhatsApp.

Nothing from the browser is trusted. A return page, eSewa's signed `data` or a Razorpay
webhook only makes us ask the provider (`confirm`); a payment counts when the provider says
it is complete and its amount and our reference match. The attempt row is claimed with a
conditional UPDATE and the provider's transaction id is unique per provider, so however many
times a payment is reported, at once or one after another, it is posted once.

Every call to a provider goes to a base URL from the settings (`KHALTI_BASE_URL`,
`ESEWA_BASE_URL`, `ESEWA_STATUS_URL`, `RAZORPAY_BASE_URL`), so tests talk to local fakes.
Nothing here commits; jobs and views do.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import requests
from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conversation.offers import money
from conversation.texts import amount as say_amount
from conversation.texts import text
from market import audit, ledger
from market.alerts import buyer_conversation
from market.db import utcnow
from market.messaging import queue_outbound, say
from market.models import Buyer, Conversation, CreditEntry, Order, Payment, PaymentAttempt
from market.models.payments import OPEN_STATES
from market.tasks import after_commit

log = logging.getLogger(__name__)

# Our pages the providers send the buyer's browser back to (app/payments.py serves them).
KHALTI_RETURN_PATH = "/payments/khalti/return"
ESEWA_SUCCESS_PATH = "/payments/esewa/success"
ESEWA_FAILURE_PATH = "/payments/esewa/failure"
ESEWA_FORM_PATH = "/payments/esewa/pay/"
RAZORPAY_RETURN_PATH = "/payments/razorpay/return"
OPEN_LINK_JOB = "jobs.payments.open_link"
RECEIPT_KIND = "payment_receipt"
NAMES = {"khalti": "Khalti", "esewa": "eSewa", "razorpay": "Razorpay (UPI)"}
# What a lookup may find, in our words.
COMPLETED, PENDING, UNKNOWN = "completed", "pending", "unknown"


class ProviderError(Exception):
    """The provider could not be reached, or refused or garbled the request."""


@dataclass(frozen=True)
class Opened:
    """A payment link made at a provider: where to send the buyer, the provider's id of it,
    when it stops working, and the provider's whole answer."""

    url: str
    provider_ref: str | None
    expires_at: datetime
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lookup:
    """What a provider said when asked about a payment: `state` in our words (completed,
    pending, failed, expired, canceled, refunded, unknown), `status` in its own, the amount
    it says was paid, our reference as it echoes it, and its transaction id."""

    state: str
    status: str
    amount: Decimal | None
    reference: str | None
    transaction_id: str | None
    answer: dict[str, Any] = field(default_factory=dict)


def _minor(value: Decimal) -> int:
    """An amount in paisa (Khalti) or paise (Razorpay)."""
    return int(money(value) * 100)


def _from_minor(value: Any) -> Decimal | None:
    try:
        return money(Decimal(str(value)) / 100)
    except (InvalidOperation, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    try:
        return money(Decimal(str(value).replace(",", "")))
    except (InvalidOperation, ValueError):
        return None


def _answer(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"http_status": response.status_code, "text": response.text[:500]}
    return body if isinstance(body, dict) else {"value": body}


def _purpose(attempt: PaymentAttempt) -> str:
    if attempt.order is not None:
        return f"Order {attempt.order.number}"
    return f"Account {attempt.buyer.shop_name or attempt.buyer.name or attempt.buyer_id}"


class Provider:
    """One payment provider: whether its settings are present, making a link, asking about
    a payment. Subclasses name the currencies they take and map their status words."""

    name: ClassVar[str]
    currencies: ClassVar[tuple[str, ...]]
    STATES: ClassVar[dict[str, str]] = {}

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.timeout = float(config.get("PAYMENT_HTTP_TIMEOUT_SECONDS", 15))

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    def open(self, attempt: PaymentAttempt, base_url: str) -> Opened:
        """Make the link the buyer pays with."""
        raise NotImplementedError

    def lookup(self, attempt: PaymentAttempt) -> Lookup:
        """Ask the provider, server to server, what became of the attempt."""
        raise NotImplementedError

    @classmethod
    def state_of(cls, status: str | None) -> str:
        """A status word of this provider in our words."""
        return cls.STATES.get(status or "", UNKNOWN)

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return requests.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ProviderError(f"{self.name}: {type(exc).__name__}: {exc}") from None

    def _expiry(self, minutes: int | None = None) -> datetime:
        return utcnow() + timedelta(minutes=minutes or int(self.config["PAYMENT_LINK_MINUTES"]))


class Khalti(Provider):
    """Khalti's web checkout (KPG-2): the server initiates, Khalti answers with a `pidx` and
    the page to pay on; `lookup` with the pidx says what became of it."""

    name = "khalti"
    currencies = ("NPR",)
    STATES = {"Completed": COMPLETED, "Pending": PENDING, "Initiated": PENDING,
              "Refunded": "refunded", "Partially Refunded": "refunded", "Expired": "expired",
              "User canceled": "canceled", "Completed (refunded)": "refunded"}

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> bool:
        return bool(config.get("KHALTI_SECRET_KEY"))

    def _post(self, action: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        base = str(self.config["KHALTI_BASE_URL"]).rstrip("/")
        response = self._call("POST", f"{base}/epayment/{action}/", json=payload,
                              headers={"Authorization": f"Key {self.config['KHALTI_SECRET_KEY']}"})
        return response.status_code, _answer(response)

    def open(self, attempt: PaymentAttempt, base_url: str) -> Opened:
        status, body = self._post("initiate", {
            "return_url": base_url + KHALTI_RETURN_PATH, "website_url": base_url + "/",
            "amount": _minor(attempt.amount), "purchase_order_id": attempt.reference,
            "purchase_order_name": _purpose(attempt),
            "customer_info": {"name": attempt.buyer.name or attempt.buyer.shop_name or "Buyer"},
        })
        if status != 200 or not body.get("pidx") or not body.get("payment_url"):
            raise ProviderError(f"khalti refused the link ({status}): {json.dumps(body)[:300]}")
        lasts = str(body.get("expires_in", ""))
        minutes = max(1, int(lasts) // 60) if lasts.isdigit() else None
        return Opened(str(body["payment_url"]), str(body["pidx"]), self._expiry(minutes), body)

    def lookup(self, attempt: PaymentAttempt) -> Lookup:
        if not attempt.provider_ref:
            return Lookup(UNKNOWN, "no pidx", None, None, None, {})
        status, body = self._post("lookup", {"pidx": attempt.provider_ref})
        if "status" not in body:  # 404 "Not found." for a pidx Khalti does not know, or worse
            if status in (400, 404):
                return Lookup(UNKNOWN, str(body.get("detail") or status), None, None, None, body)
            raise ProviderError(f"khalti lookup failed ({status}): {json.dumps(body)[:300]}")
        if body.get("pidx") != attempt.provider_ref:
            return Lookup(UNKNOWN, "another pidx", None, None, None, body)
        word = str(body["status"])
        if self.state_of(word) == COMPLETED and body.get("refunded") is True:
            word = f"{word} (refunded)"
        state = self.state_of(word)
        # The pidx is the one Khalti gave us for this reference: the reference matches.
        return Lookup(state, word, _from_minor(body.get("total_amount")), attempt.reference,
                      str(body["transaction_id"]) if body.get("transaction_id") else None, body)


def esewa_signature(fields: Mapping[str, Any], names: str, secret: str) -> str:
    """eSewa's signature: base64 of HMAC-SHA256, with the secret key, over
    `name=value` of each field in `names` (comma separated), joined by commas."""
    message = ",".join(f"{name}={fields.get(name, '')}" for name in names.split(","))
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def esewa_response(data: str, secret: str) -> dict[str, Any] | None:
    """The JSON in the base64 `data` eSewa sends the browser back with, when its signature
    (over its own `signed_field_names`) verifies; None for anything else. Numbers are kept
    as written, since the signature is over their text."""
    raw = data.strip().replace(" ", "+")  # a `+` the query string turned into a space
    raw += "=" * (-len(raw) % 4)
    try:
        decoded = (base64.urlsafe_b64decode(raw) if "-" in raw or "_" in raw
                   else base64.b64decode(raw))
        body = json.loads(decoded, parse_float=str, parse_int=str)
    except (ValueError, binascii.Error):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("signed_field_names"), str):
        return None
    expected = esewa_signature(body, body["signed_field_names"], secret)
    if not hmac.compare_digest(expected, str(body.get("signature") or "")):
        return None
    return body


class Esewa(Provider):
    """eSewa ePay v2: the buyer's browser posts a signed form to eSewa (from a page of ours
    the link points to); the status check API says what became of it."""

    name = "esewa"
    currencies = ("NPR",)
    STATES = {"COMPLETE": COMPLETED, "PENDING": PENDING, "AMBIGUOUS": PENDING,
              "FULL_REFUND": "refunded", "PARTIAL_REFUND": "refunded", "CANCELED": "canceled",
              "NOT_FOUND": UNKNOWN}
    SIGNED = "total_amount,transaction_uuid,product_code"

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> bool:
        return bool(config.get("ESEWA_PRODUCT_CODE") and config.get("ESEWA_SECRET_KEY"))

    @property
    def form_action(self) -> str:
        return str(self.config["ESEWA_BASE_URL"]).rstrip("/") + "/api/epay/main/v2/form"

    def form(self, attempt: PaymentAttempt, base_url: str) -> dict[str, str]:
        """The fields of the form the buyer's browser posts to eSewa, signed."""
        total = f"{money(attempt.amount)}"
        fields = {"amount": total, "tax_amount": "0", "total_amount": total,
                  "transaction_uuid": attempt.reference,
                  "product_code": str(self.config["ESEWA_PRODUCT_CODE"]),
                  "product_service_charge": "0", "product_delivery_charge": "0",
                  "success_url": base_url + ESEWA_SUCCESS_PATH,
                  # eSewa adds nothing to the failure URL: our reference goes in it.
                  "failure_url": f"{base_url}{ESEWA_FAILURE_PATH}?ref={attempt.reference}",
                  "signed_field_names": self.SIGNED}
        fields["signature"] = esewa_signature(fields, self.SIGNED,
                                              str(self.config["ESEWA_SECRET_KEY"]))
        return fields

    def open(self, attempt: PaymentAttempt, base_url: str) -> Opened:
        return Opened(base_url + ESEWA_FORM_PATH + attempt.reference, None, self._expiry())

    def lookup(self, attempt: PaymentAttempt) -> Lookup:
        code = str(self.config["ESEWA_PRODUCT_CODE"])
        response = self._call("GET", str(self.config["ESEWA_STATUS_URL"]), params={
            "product_code": code, "total_amount": f"{money(attempt.amount)}",
            "transaction_uuid": attempt.reference})
        body = _answer(response)
        if "status" not in body:
            raise ProviderError(f"esewa status check failed ({response.status_code}): "
                                f"{json.dumps(body)[:300]}")
        word = str(body["status"])
        same_product = str(body.get("product_code") or code) == code
        reference = str(body.get("transaction_uuid") or "") if same_product else None
        return Lookup(self.state_of(word), word, _decimal(body.get("total_amount")),
                      reference, str(body["ref_id"]) if body.get("ref_id") else None, body)


def razorpay_signature_ok(body: bytes, signature: str | None, secret: str | None) -> bool:
    """Whether `X-Razorpay-Signature` is the hex HMAC-SHA256 of the raw body with the
    webhook secret."""
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip())


class Razorpay(Provider):
    """Razorpay payment links (India, UPI among others): made with the key id and secret;
    `payment_link.paid` webhooks only make us fetch the link again."""

    name = "razorpay"
    currencies = ("INR",)
    STATES = {"paid": COMPLETED, "created": PENDING, "partially_paid": PENDING,
              "cancelled": "canceled", "expired": "expired", "paid (refunded)": "refunded",
              "paid (not captured)": PENDING}
    MIN_MINUTES = 16  # Razorpay refuses links that expire within 15 minutes

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> bool:
        return bool(config.get("RAZORPAY_KEY_ID") and config.get("RAZORPAY_KEY_SECRET"))

    def _url(self, path: str) -> str:
        return str(self.config["RAZORPAY_BASE_URL"]).rstrip("/") + path

    @property
    def _auth(self) -> tuple[str, str]:
        return str(self.config["RAZORPAY_KEY_ID"]), str(self.config["RAZORPAY_KEY_SECRET"])

    def open(self, attempt: PaymentAttempt, base_url: str) -> Opened:
        expires = self._expiry(max(int(self.config["PAYMENT_LINK_MINUTES"]), self.MIN_MINUTES))
        customer = {"name": attempt.buyer.name or attempt.buyer.shop_name or "Buyer"}
        if attempt.buyer.phone:
            customer["contact"] = attempt.buyer.phone
        response = self._call("POST", self._url("/v1/payment_links"), auth=self._auth, json={
            "amount": _minor(attempt.amount), "currency": attempt.currency,
            "accept_partial": False, "reference_id": attempt.reference,
            "description": _purpose(attempt), "customer": customer,
            "notify": {"sms": False, "email": False}, "reminder_enable": False,
            "callback_url": base_url + RAZORPAY_RETURN_PATH, "callback_method": "get",
            "expire_by": int(expires.timestamp())})
        body = _answer(response)
        if response.status_code != 200 or not body.get("id") or not body.get("short_url"):
            raise ProviderError(f"razorpay refused the link ({response.status_code}): "
                                f"{json.dumps(body)[:300]}")
        return Opened(str(body["short_url"]), str(body["id"]), expires, body)

    def lookup(self, attempt: PaymentAttempt) -> Lookup:
        if not attempt.provider_ref:
            return Lookup(UNKNOWN, "no link id", None, None, None, {})
        response = self._call("GET", self._url(f"/v1/payment_links/{attempt.provider_ref}"),
                              auth=self._auth)
        body = _answer(response)
        if response.status_code != 200 or "status" not in body:
            raise ProviderError(f"razorpay fetch failed ({response.status_code}): "
                                f"{json.dumps(body)[:300]}")
        word = str(body["status"])
        payments = [p for p in body.get("payments") or [] if isinstance(p, dict)]
        captured = [p for p in payments if p.get("status") == "captured"]
        if self.state_of(word) == COMPLETED and not captured:
            refunded = any(p.get("status") == "refunded" for p in payments)
            word = f"{word} (refunded)" if refunded else f"{word} (not captured)"
        state = self.state_of(word)
        paid = _from_minor(body.get("amount_paid")) if state == COMPLETED else None
        transaction = str(captured[0].get("payment_id")) if captured else None
        return Lookup(state, word, paid, body.get("reference_id"), transaction, body)


PROVIDERS: dict[str, type[Provider]] = {"khalti": Khalti, "esewa": Esewa, "razorpay": Razorpay}
# Which provider a buyer gets, by their currency: the first one configured.
BY_CURRENCY: dict[str, tuple[str, ...]] = {"NPR": ("khalti", "esewa"), "INR": ("razorpay",)}


def _config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return config if config is not None else current_app.config


def provider_for(currency: str, config: Mapping[str, Any] | None = None) -> Provider | None:
    """The provider a buyer paying in `currency` gets (NPR: Khalti, else eSewa; INR:
    Razorpay), among those whose settings are present; None when there is none."""
    config = _config(config)
    for name in BY_CURRENCY.get(currency, ()):
        if PROVIDERS[name].configured(config):
            return PROVIDERS[name](config)
    return None


def provider_named(name: str, config: Mapping[str, Any] | None = None) -> Provider:
    """The provider of an attempt (it may have been configured since, or no longer be)."""
    return PROVIDERS[name](_config(config))


def service_url(config: Mapping[str, Any] | None = None) -> str:
    """This service as the buyer's browser reaches it: PUBLIC_BASE_URL, or `make run`'s."""
    config = _config(config)
    return str(config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


# --- Making links ----------------------------------------------------------------------------

def open_attempt(session: Session, buyer: Buyer, provider: Provider, amount: Decimal,
                 order: Order | None, conv: Conversation | None,
                 language: str | None) -> tuple[PaymentAttempt, bool]:
    """An attempt to pay `amount` (for `order`, or the balance), and whether it is new. A
    link still good for the same thing is given again rather than made twice; a new attempt
    gets its link from the provider once this is committed (OPEN_LINK_JOB)."""
    now = utcnow()
    for_what = (PaymentAttempt.order_id == order.id if order is not None
                else PaymentAttempt.order_id.is_(None))
    same = session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.buyer_id == buyer.id, PaymentAttempt.provider == provider.name,
            for_what, PaymentAttempt.amount == money(amount),
            PaymentAttempt.status.in_(OPEN_STATES),
            or_(PaymentAttempt.expires_at.is_(None),
                PaymentAttempt.expires_at > now + timedelta(minutes=5)))
        .order_by(PaymentAttempt.id.desc()).limit(1))
    if same is not None:
        return same, False
    prefix = f"O{order.number}" if order is not None else f"A{buyer.id}"
    attempt = PaymentAttempt(reference=f"{prefix}-{secrets.token_hex(8)}"[:40],
                             provider=provider.name, buyer_id=buyer.id, buyer=buyer,
                             order_id=order.id if order else None, order=order,
                             conversation_id=conv.id if conv else None, language=language,
                             amount=money(amount), currency=buyer.currency, status="new",
                             answer={})
    session.add(attempt)
    session.flush()
    after_commit(session, OPEN_LINK_JOB, attempt.id)
    return attempt, True


def make_link(session: Session, attempt: PaymentAttempt) -> bool:
    """Ask the provider for the attempt's link and send it to the buyer (or say it could not
    be made). Only a `new` attempt gets one; False when none was made."""
    if attempt.status != "new":
        return False
    provider = provider_named(attempt.provider)
    try:
        opened = provider.open(attempt, service_url())
    except ProviderError as exc:
        log.warning("payment link for %s not made: %s", attempt.reference, exc)
        attempt.status, attempt.note = "error", str(exc)[:1000]
        _tell(session, attempt, text("pay_link_failed", attempt.language))
        return False
    attempt.status, attempt.payment_url = "pending", opened.url
    attempt.provider_ref, attempt.expires_at = opened.provider_ref, opened.expires_at
    attempt.answer = opened.answer
    send_link(session, attempt)
    return True


def send_link(session: Session, attempt: PaymentAttempt) -> None:
    """The buyer's message with the attempt's link, what it is for and how long it works."""
    minutes = int(current_app.config["PAYMENT_LINK_MINUTES"])
    if attempt.expires_at is not None:
        minutes = max(1, round((attempt.expires_at - utcnow()).total_seconds() / 60))
    values = {"amount": say_amount(attempt.amount, attempt.currency, attempt.language),
              "provider": NAMES[attempt.provider], "url": attempt.payment_url or "",
              "minutes": minutes}
    if attempt.order is not None:
        _tell(session, attempt, text("pay_link_order", attempt.language,
                                     number=attempt.order.number, **values))
    else:
        _tell(session, attempt, text("pay_link_balance", attempt.language, **values))


def _conversation(session: Session, attempt: PaymentAttempt) -> Conversation:
    found = session.get(Conversation, attempt.conversation_id) \
        if attempt.conversation_id else None
    return found or buyer_conversation(session, attempt.buyer)


def _tell(session: Session, attempt: PaymentAttempt, body: str,
          meta: dict[str, Any] | None = None) -> None:
    """A message to the buyer: a reply in the chat, or with `meta` a notice of its kind
    (outside WhatsApp's window it goes as the approved template of that kind)."""
    if meta:
        queue_outbound(session, _conversation(session, attempt), body, meta=meta)
    else:
        say(session, _conversation(session, attempt), body)


# --- Confirming with the provider --------------------------------------------------------------

def locked(session: Session, attempt_id: int) -> PaymentAttempt | None:
    """The attempt, its row locked (PostgreSQL) so that lookups of it go one at a time."""
    return session.scalars(select(PaymentAttempt).where(PaymentAttempt.id == attempt_id)
                           .with_for_update()
                           .execution_options(populate_existing=True)).one_or_none()


@dataclass(frozen=True)
class Checked:
    """The attempt after `confirm`, and whether its provider could not be asked."""

    attempt: PaymentAttempt | None
    unreachable: bool = False


def confirm(session: Session, attempt_id: int, *, again: bool = False) -> Checked:
    """Ask the provider what became of the attempt and act on the answer (see `settle`).
    A paid attempt is not asked again unless `again` (staff reconciling). A provider that
    cannot be reached leaves the attempt as it was (logged, and said in the answer)."""
    attempt = locked(session, attempt_id)
    if attempt is None or attempt.status == "new":
        return Checked(attempt)
    if attempt.status == "paid" and not again:
        return Checked(attempt)
    try:
        result = provider_named(attempt.provider).lookup(attempt)
    except ProviderError as exc:
        log.warning("lookup of payment %s failed: %s", attempt.reference, exc)
        attempt.checked_at = utcnow()
        return Checked(attempt, unreachable=True)
    settle(session, attempt, result)
    return Checked(attempt)


def settle(session: Session, attempt: PaymentAttempt, result: Lookup) -> None:
    """Record what the provider said and do what it means: a completed payment whose amount
    and reference match is posted (once); one that disagrees is flagged for staff and
    changes no balance; pending leaves it open; failed, expired, canceled or refunded close it
    without touching the ledger."""
    now = utcnow()
    attempt.checked_at = now
    attempt.provider_status = result.status[:40]
    attempt.answer = result.answer
    if attempt.status == "paid":
        if result.state != COMPLETED:
            attempt.note = f"{NAMES[attempt.provider]} now says {result.status}"
        return
    if attempt.status == "mismatch":
        return  # flagged for staff, who settle it by hand
    if result.state == COMPLETED:
        problem = _disagreement(attempt, result)
        if problem:
            _flag(session, attempt, problem)
        else:
            _post(session, attempt, result)
        return
    if result.state in (PENDING, UNKNOWN):
        stale = attempt.expires_at is not None and attempt.expires_at + timedelta(hours=1) < now
        if result.state == UNKNOWN and stale:
            attempt.status = "expired"
        return
    attempt.status = result.state


def _disagreement(attempt: PaymentAttempt, result: Lookup) -> str | None:
    """Why a completed payment must not count, or None when it matches what we asked."""
    if result.reference != attempt.reference:
        return f"reference {result.reference!r} is not ours ({attempt.reference})"
    if result.amount is None or result.amount != money(attempt.amount):
        return (f"paid {result.amount} {attempt.currency}, asked "
                f"{money(attempt.amount)} {attempt.currency}")
    if not result.transaction_id:
        return "no transaction id"
    return None


def _flag(session: Session, attempt: PaymentAttempt, problem: str) -> None:
    log.warning("payment %s not counted: %s", attempt.reference, problem)
    attempt.status, attempt.note = "mismatch", problem
    audit.record(session, None, "payment.mismatch", attempt,
                 {"reference": attempt.reference, "provider": attempt.provider,
                  "problem": problem})


def _post(session: Session, attempt: PaymentAttempt, result: Lookup) -> None:
    """Post a confirmed payment to the ledger once: the attempt row is claimed with a
    conditional UPDATE (only one transaction can move it to paid), and the provider's
    transaction id is unique per provider (one payment is never two attempts' either)."""
    now = utcnow()
    session.flush()  # what the lookup said is kept even if the claim below is refused
    try:
        with session.begin_nested():
            claimed = session.execute(
                update(PaymentAttempt)
                .where(PaymentAttempt.id == attempt.id, PaymentAttempt.status != "paid",
                       PaymentAttempt.payment_id.is_(None))
                .values(status="paid", transaction_id=result.transaction_id, paid_at=now,
                        updated_at=now)
                .execution_options(synchronize_session=False))
    except IntegrityError:
        _flag(session, attempt, f"transaction {result.transaction_id} is already counted on "
                                "another attempt")
        return
    session.refresh(attempt)
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return  # posted by whoever claimed it first
    reference = f"{attempt.provider} {result.transaction_id}"[:120]
    if attempt.order is not None:
        payment = ledger.record_order_payment(session, attempt.order, attempt.amount,
                                              method=attempt.provider, reference=reference)
    else:
        payment = ledger.record_payment(session, attempt.buyer, attempt.amount,
                                        method=attempt.provider, reference=reference)
        ledger.refresh_payment_status(session, attempt.buyer)
    attempt.payment_id = payment.id
    audit.record(session, None, "payment.online", attempt,
                 {"reference": attempt.reference, "provider": attempt.provider,
                  "transaction": result.transaction_id, "amount": attempt.amount,
                  "order": attempt.order.number if attempt.order else None,
                  "buyer": attempt.buyer.phone})
    log.info("payment %s posted: %s %s", attempt.reference, attempt.amount, attempt.currency)
    _receipt(session, attempt)


def _receipt(session: Session, attempt: PaymentAttempt) -> None:
    language = attempt.language or attempt.buyer.language
    paid = say_amount(attempt.amount, attempt.currency, language)
    ref = attempt.transaction_id or attempt.reference
    values: dict[str, Any] = {"amount": paid, "reference": ref,
                              "provider": NAMES[attempt.provider]}
    if attempt.order is not None:
        values["number"] = attempt.order.number
        body = text("pay_receipt_order", language, amount=paid, number=attempt.order.number,
                    ref=ref)
    else:
        owed = max(ledger.balance(session, attempt.buyer_id), Decimal("0"))
        values["balance"] = say_amount(owed, attempt.currency, language)
        body = text("pay_receipt_balance", language, amount=paid, ref=ref,
                    balance=values["balance"])
    _tell(session, attempt, body, meta={"kind": RECEIPT_KIND, "language": language or "en",
                                        "values": values})


# --- What browsers and webhooks bring -------------------------------------------------------

def attempt_for(session: Session, provider: str, *, reference: str | None = None,
                provider_ref: str | None = None) -> PaymentAttempt | None:
    """The attempt a provider's redirect or webhook names, by our reference or its id."""
    if reference:
        found = session.scalar(select(PaymentAttempt).where(
            PaymentAttempt.provider == provider, PaymentAttempt.reference == reference[:40]))
        if found is not None:
            return found
    if provider_ref:
        return session.scalar(select(PaymentAttempt).where(
            PaymentAttempt.provider == provider,
            PaymentAttempt.provider_ref == provider_ref[:120]))
    return None


def due_for_lookup(session: Session, now: datetime, limit: int = 50) -> list[int]:
    """Open attempts to ask their provider about now: each less and less often as it ages
    (a quarter of its age apart, at least PAYMENT_LOOKUP_INTERVAL_SECONDS), for
    PAYMENT_LOOKUP_HOURS; and `new` ones whose link was never made (its job lost)."""
    config = current_app.config
    interval = timedelta(seconds=int(config["PAYMENT_LOOKUP_INTERVAL_SECONDS"]))
    since = now - timedelta(hours=int(config["PAYMENT_LOOKUP_HOURS"]))
    rows = session.execute(
        select(PaymentAttempt.id, PaymentAttempt.status, PaymentAttempt.created_at,
               PaymentAttempt.checked_at)
        .where(PaymentAttempt.status.in_(OPEN_STATES), PaymentAttempt.created_at >= since)
        .order_by(PaymentAttempt.checked_at.is_not(None), PaymentAttempt.checked_at,
                  PaymentAttempt.id)
        .limit(limit * 4)).all()
    due = []
    for attempt_id, status, created, checked in rows:
        if status == "new":
            if now - created > timedelta(minutes=2):
                due.append(attempt_id)
            continue
        wait = max(interval, (now - created) / 4)
        if checked is None or now - checked >= wait:
            due.append(attempt_id)
    return due[:limit]


def expire_unconfirmed(session: Session, now: datetime) -> int:
    """Attempts left open past PAYMENT_LOOKUP_HOURS are closed as expired (staff may still
    ask the provider again from the admin)."""
    since = now - timedelta(hours=int(current_app.config["PAYMENT_LOOKUP_HOURS"]))
    result = session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.status.in_(OPEN_STATES), PaymentAttempt.created_at < since)
        .values(status="expired", note="no confirmation from the provider in time",
                updated_at=now)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- Staff: refunds and reconciliation --------------------------------------------------------

def refund(session: Session, payment: Payment, value: Any, *, staff: Any, ip: str | None,
           note: str | None = None) -> CreditEntry:
    """Record money given back to the buyer: the ledger entry reversed (in part or whole),
    the order's payment status again, the attempt it came from noted, an audit line.
    ValueError for an amount out of bounds."""
    entry = ledger.refund_payment(session, payment, value, note=note)
    attempt = session.scalar(select(PaymentAttempt).where(
        PaymentAttempt.payment_id == payment.id))
    if attempt is not None:
        attempt.note = f"refunded {entry.amount} by staff" + (f": {note}" if note else "")
    audit.record(session, staff, "payment.refund", payment,
                 {"amount": entry.amount, "payment": payment.id, "note": note,
                  "attempt": attempt.reference if attempt else None}, ip)
    return entry


@dataclass(frozen=True)
class Disagreement:
    """An attempt whose provider's word and our ledger disagree, and how."""

    attempt: PaymentAttempt
    problem: str


def reconciliation(session: Session, limit: int = 500) -> list[Disagreement]:
    """Attempts where the provider and the ledger disagree: a payment the provider completed
    that we did not count (amount or reference off), one we counted that the provider now
    says is not complete (refunded, reversed), and one refunded in our ledger that the
    provider still shows as paid."""
    attempts = session.scalars(
        select(PaymentAttempt).where(PaymentAttempt.status.in_(("paid", "mismatch")))
        .order_by(PaymentAttempt.id.desc()).limit(limit)).all()
    refunds = {payment_id: money(total or 0) for payment_id, total in session.execute(
        select(CreditEntry.payment_id, func.sum(CreditEntry.amount))
        .where(CreditEntry.kind == "refund",
               CreditEntry.payment_id.in_([a.payment_id for a in attempts if a.payment_id]))
        .group_by(CreditEntry.payment_id))}
    found = []
    for attempt in attempts:
        problem = _problem(attempt, refunds.get(attempt.payment_id, Decimal("0")))
        if problem:
            found.append(Disagreement(attempt, problem))
    return found


def _problem(attempt: PaymentAttempt, refunded: Decimal) -> str | None:
    name, word = NAMES[attempt.provider], attempt.provider_status or "nothing yet"
    said = PROVIDERS[attempt.provider].state_of(attempt.provider_status)
    if attempt.status == "mismatch":
        return f"{name} says {word}, not counted: {attempt.note}"
    whole = refunded >= money(attempt.amount)
    if said == "refunded" and not whole:
        return f"{name} says {word}; the ledger has refunded {refunded} of {attempt.amount}"
    if said == COMPLETED and refunded > 0:
        return f"refunded {refunded} in the ledger; {name} still says {word}"
    if said not in (COMPLETED, "refunded"):
        return f"counted in the ledger, but {name} now says {word}"
    return None
