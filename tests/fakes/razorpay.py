"""A fake Razorpay API on 127.0.0.1 (point RAZORPAY_BASE_URL at `url`) for payment links:

  POST /v1/payment_links        basic auth (key id, secret); JSON amount (paise), currency,
       reference_id (unique), description, customer, notify, callback_url, callback_method,
       expire_by → the payment link entity {"id": "plink_…", "short_url", "status": "created",
       "amount", "amount_paid", "reference_id", "payments": null, …}; 401 / 400 with
       {"error": {"code": "BAD_REQUEST_ERROR", "description", …}} as Razorpay answers.
  GET  /v1/payment_links/{id}   the entity; once paid, status "paid", amount_paid, and
       payments [{"payment_id": "pay_…", "amount", "status": "captured", "method": "upi"}].

`pay(link_id)` plays the buyer paying; `webhook(link_id)` is the raw body of the
`payment_link.paid` event and `signature(body)` its X-Razorpay-Signature (hex HMAC-SHA256
with the webhook secret).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from tests.fakes.provider import FakeServer, Request

LINKS = "/v1/payment_links"


def _id(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(10).replace("-", "A").replace("_", "B")[:14]


def _error(description: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": "BAD_REQUEST_ERROR", "description": description,
                      "source": "business", "step": "payment_initiation",
                      "reason": "input_validation_failed", "metadata": {}, "field": field}}


class FakeRazorpay(FakeServer):
    def __init__(self, key_id: str = "rzp_test_key", key_secret: str = "rzp-secret",
                 webhook_secret: str = "rzp-webhook-secret") -> None:
        super().__init__()
        self.key_id, self.key_secret, self.webhook_secret = key_id, key_secret, webhook_secret
        self.links: dict[str, dict[str, Any]] = {}

    def pay(self, link_id: str, status: str = "captured") -> str:
        """The buyer pays the whole link; the payment id."""
        link = self.links[link_id]
        payment_id = _id("pay_")
        link.update(status="paid", amount_paid=link["amount"], payments=[{
            "amount": link["amount"], "created_at": int(time.time()), "method": "upi",
            "payment_id": payment_id, "status": status}])
        return payment_id

    def webhook(self, link_id: str, event: str = "payment_link.paid") -> bytes:
        """The raw body of a payment link event, as Razorpay posts it."""
        link = self.links[link_id]
        paid = (link.get("payments") or [{}])[0]
        body = {"entity": "event", "account_id": "acc_TEST00000001", "event": event,
                "contains": ["payment_link", "order", "payment"],
                "payload": {
                    "payment_link": {"entity": link},
                    "payment": {"entity": {"id": paid.get("payment_id"), "entity": "payment",
                                           "amount": paid.get("amount"),
                                           "currency": link["currency"],
                                           "status": paid.get("status"), "method": "upi"}},
                    "order": {"entity": {"id": _id("order_"), "amount": link["amount"],
                                         "amount_paid": link["amount_paid"],
                                         "status": "paid"}}},
                "created_at": int(time.time())}
        return json.dumps(body).encode()

    def signature(self, body: bytes) -> str:
        return hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()

    def _authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        return header == f"Basic {expected}"

    def handle(self, request: Request) -> tuple[int, Any]:
        if not self._authorised(request.headers.get("authorization")):
            return 401, {"error": {"code": "BAD_REQUEST_ERROR",
                                   "description": "Authentication failed"}}
        if request.method == "POST" and request.path == LINKS:
            return self._create(request.json())
        if request.method == "GET" and request.path.startswith(LINKS + "/"):
            link = self.links.get(request.path[len(LINKS) + 1:])
            if link is None:
                return 400, _error("The id provided does not exist", "id")
            return 200, link
        return 404, _error("The requested URL was not found on the server.")

    def _create(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, _error("The request body is not valid JSON")
        amount = body.get("amount")
        if not isinstance(amount, int) or amount < 100:
            return 400, _error("The amount must be atleast INR 1.00", "amount")
        if body.get("callback_url") and body.get("callback_method") != "get":
            return 400, _error("callback_method should be get", "callback_method")
        reference = body.get("reference_id")
        if reference and any(link["reference_id"] == reference for link in self.links.values()):
            return 400, _error(f"Payment Link with reference {reference} already exists",
                               "reference_id")
        link_id = _id("plink_")
        now = int(time.time())
        self.links[link_id] = {
            "accept_partial": bool(body.get("accept_partial")), "amount": amount,
            "amount_paid": 0, "callback_method": body.get("callback_method", ""),
            "callback_url": body.get("callback_url", ""), "cancelled_at": 0, "created_at": now,
            "currency": body.get("currency", "INR"), "customer": body.get("customer") or {},
            "description": body.get("description", ""), "expire_by": body.get("expire_by", 0),
            "expired_at": 0, "first_min_partial_amount": 0, "id": link_id,
            "notes": body.get("notes") or {}, "notify": body.get("notify") or {},
            "payments": None, "reference_id": reference or "",
            "reminder_enable": bool(body.get("reminder_enable")), "reminders": [],
            "short_url": f"{self.url}/i/{link_id[6:]}", "status": "created", "updated_at": now,
            "upi_link": False, "user_id": ""}
        return 200, self.links[link_id]
