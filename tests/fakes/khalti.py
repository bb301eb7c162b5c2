"""A fake Khalti web checkout (KPG-2) on 127.0.0.1, speaking its documented API under
`url + "/api/v2"` (point KHALTI_BASE_URL there):

  POST /api/v2/epayment/initiate/  `Authorization: Key <secret>`, JSON with return_url,
       website_url, amount (paisa, at least 1000), purchase_order_id, purchase_order_name →
       {"pidx", "payment_url", "expires_at", "expires_in"}; 401 {"detail"} for a wrong key,
       400 {field: [message], "error_key": "validation_error"} for a bad request.
  POST /api/v2/epayment/lookup/    {"pidx"} → {"pidx", "total_amount", "status",
       "transaction_id", "fee", "refunded"}: 200, or 400 with the same body for Expired and
       User canceled; 404 {"detail": "Not found."} for a pidx it never made.

A test plays the buyer with `pay(pidx)` (or `pay(pidx, amount=…)` for a payment of another
amount, `set_status(pidx, "Pending")`…) and gets the query string Khalti would send the
browser back with from `callback(pidx)`.
"""
from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from tests.fakes.provider import FakeServer, Request

BASE = "/api/v2"
REQUIRED = ("return_url", "website_url", "amount", "purchase_order_id", "purchase_order_name")


def _id(length: int = 22) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class KhaltiPayment:
    pidx: str
    amount: int
    purchase_order_id: str
    purchase_order_name: str
    return_url: str
    status: str = "Initiated"
    paid_amount: int | None = None
    transaction_id: str | None = None
    refunded: bool = False

    def lookup(self) -> dict[str, Any]:
        return {"pidx": self.pidx, "total_amount": self.paid_amount or self.amount,
                "status": self.status, "transaction_id": self.transaction_id, "fee": 0,
                "refunded": self.refunded}


class FakeKhalti(FakeServer):
    def __init__(self, secret_key: str = "test-khalti-secret") -> None:
        super().__init__()
        self.secret_key = secret_key
        self.payments: dict[str, KhaltiPayment] = {}

    @property
    def base_url(self) -> str:
        """What KHALTI_BASE_URL is set to."""
        return self.url + BASE

    def pay(self, pidx: str, amount: int | None = None, status: str = "Completed") -> str:
        """The buyer pays (`amount` paisa; the asked amount when None); the transaction id."""
        payment = self.payments[pidx]
        payment.status, payment.paid_amount = status, amount
        payment.transaction_id = payment.transaction_id or _id()
        return payment.transaction_id

    def set_status(self, pidx: str, status: str, refunded: bool = False) -> None:
        self.payments[pidx].status = status
        self.payments[pidx].refunded = refunded

    def callback(self, pidx: str, status: str | None = None) -> dict[str, str]:
        """The query Khalti appends to the return_url (`status` as the browser could forge it)."""
        p = self.payments[pidx]
        amount = str(p.paid_amount or p.amount)
        return {"pidx": p.pidx, "transaction_id": p.transaction_id or "",
                "tidx": p.transaction_id or "", "amount": amount, "total_amount": amount,
                "mobile": "98XXXXX904", "status": status or p.status,
                "purchase_order_id": p.purchase_order_id,
                "purchase_order_name": p.purchase_order_name}

    def handle(self, request: Request) -> tuple[int, Any]:
        if request.method != "POST":
            return 405, {"detail": f'Method "{request.method}" not allowed.'}
        if request.headers.get("authorization") != f"Key {self.secret_key}":
            return 401, {"detail": "Invalid token.", "status_code": 401}
        body = request.json()
        if not isinstance(body, dict):
            return 400, {"detail": "JSON parse error", "error_key": "validation_error"}
        if request.path == f"{BASE}/epayment/initiate/":
            return self._initiate(body)
        if request.path == f"{BASE}/epayment/lookup/":
            payment = self.payments.get(str(body.get("pidx")))
            if payment is None:
                return 404, {"detail": "Not found.", "error_key": "validation_error"}
            status = 400 if payment.status in ("Expired", "User canceled") else 200
            return status, payment.lookup()
        return 404, {"detail": "Not found."}

    def _initiate(self, body: dict[str, Any]) -> tuple[int, Any]:
        missing = {name: ["This field is required."] for name in REQUIRED if not body.get(name)}
        if missing:
            return 400, {**missing, "error_key": "validation_error"}
        amount = body["amount"]
        if not isinstance(amount, int) or amount < 1000:
            return 400, {"amount": ["Amount should be greater than Rs. 10, that is 1000 paisa."],
                         "error_key": "validation_error"}
        pidx = _id()
        self.payments[pidx] = KhaltiPayment(pidx, amount, str(body["purchase_order_id"]),
                                            str(body["purchase_order_name"]),
                                            str(body["return_url"]))
        return 200, {"pidx": pidx, "payment_url": f"{self.url}/?pidx={pidx}",
                     "expires_at": "2026-12-01T16:26:16.471649+05:45", "expires_in": 1800}
