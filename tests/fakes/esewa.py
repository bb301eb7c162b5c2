"""A fake eSewa ePay v2 on 127.0.0.1 (point ESEWA_BASE_URL at `url` and ESEWA_STATUS_URL at
`status_url`), speaking its documented shapes:

  POST /api/epay/main/v2/form   the buyer's browser posts the merchant's form (amount,
       tax_amount, total_amount, transaction_uuid, product_code, product_service_charge,
       product_delivery_charge, success_url, failure_url, signed_field_names, signature);
       the signature — base64 HMAC-SHA256 with the secret key over
       `total_amount=…,transaction_uuid=…,product_code=…` — must verify, else 400.
  GET  /api/epay/transaction/status/?product_code=&total_amount=&transaction_uuid=
       → {"product_code", "transaction_uuid", "total_amount", "status", "ref_id"}, status
       one of PENDING, COMPLETE, FULL_REFUND, PARTIAL_REFUND, AMBIGUOUS, NOT_FOUND, CANCELED.

`complete(uuid)` plays the buyer paying and returns the success URL eSewa redirects to, with
base64 JSON `data` signed over its `signed_field_names` (transaction_code, status,
total_amount, transaction_uuid, product_code, signed_field_names).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.fakes.provider import FakeServer, Request

FORM = "/api/epay/main/v2/form"
STATUS = "/api/epay/transaction/status/"
FIELDS = ("amount", "tax_amount", "total_amount", "transaction_uuid", "product_code",
          "product_service_charge", "product_delivery_charge", "success_url", "failure_url",
          "signed_field_names", "signature")
RESPONSE_FIELDS = "transaction_code,status,total_amount,transaction_uuid,product_code," \
                  "signed_field_names"


def sign(values: dict[str, Any], names: str, secret: str) -> str:
    message = ",".join(f"{name}={values[name]}" for name in names.split(","))
    return base64.b64encode(hmac.new(secret.encode(), message.encode(),
                                     hashlib.sha256).digest()).decode()


@dataclass
class EsewaPayment:
    transaction_uuid: str
    total_amount: Decimal
    product_code: str
    success_url: str
    failure_url: str
    status: str = "PENDING"
    ref_id: str | None = None
    paid_amount: Decimal | None = None


class FakeEsewa(FakeServer):
    def __init__(self, product_code: str = "EPAYTEST",
                 secret_key: str = "8gBm/:&EnhH.1/q") -> None:
        super().__init__()
        self.product_code, self.secret_key = product_code, secret_key
        self.payments: dict[str, EsewaPayment] = {}

    @property
    def status_url(self) -> str:
        return self.url + STATUS

    def complete(self, uuid: str, amount: Decimal | None = None) -> str:
        """The buyer pays; the success URL (with signed `data`) the browser is sent to."""
        payment = self.payments[uuid]
        payment.status, payment.paid_amount = "COMPLETE", amount
        payment.ref_id = payment.ref_id or "000" + secrets.token_hex(2).upper()
        return f"{payment.success_url}?data={self.data(uuid)}"

    def data(self, uuid: str, **changes: Any) -> str:
        """The base64 `data` of a success redirect (`changes` tamper with it after signing)."""
        payment = self.payments[uuid]
        body: dict[str, Any] = {
            "transaction_code": payment.ref_id, "status": payment.status,
            "total_amount": float(payment.paid_amount or payment.total_amount),
            "transaction_uuid": payment.transaction_uuid, "product_code": payment.product_code,
            "signed_field_names": RESPONSE_FIELDS}
        body["signature"] = sign(body, RESPONSE_FIELDS, self.secret_key)
        body.update(changes)
        return base64.b64encode(json.dumps(body).encode()).decode()

    def set_status(self, uuid: str, status: str) -> None:
        self.payments[uuid].status = status

    def handle(self, request: Request) -> tuple[int, Any]:
        if request.method == "POST" and request.path == FORM:
            return self._form(request.form())
        if request.method == "GET" and request.path == STATUS:
            return 200, self._status(request.query)
        return 404, "<h1>Not Found</h1>"

    def _form(self, form: dict[str, str]) -> tuple[int, Any]:
        missing = [name for name in FIELDS if name not in form]
        if missing:
            return 400, f"<h1>Invalid payload: {', '.join(missing)} missing</h1>"
        names = form["signed_field_names"]
        if not hmac.compare_digest(sign(form, names, self.secret_key), form["signature"]):
            return 400, "<h1>Invalid payload signature.</h1>"
        if form["product_code"] != self.product_code:
            return 400, "<h1>Invalid product code</h1>"
        uuid = form["transaction_uuid"]
        self.payments.setdefault(uuid, EsewaPayment(
            uuid, Decimal(form["total_amount"]), form["product_code"], form["success_url"],
            form["failure_url"]))
        return 200, "<h1>eSewa login</h1><p>Pay with your eSewa ID.</p>"

    def _status(self, query: dict[str, str]) -> dict[str, Any]:
        uuid = query.get("transaction_uuid", "")
        payment = self.payments.get(uuid)
        try:
            asked = Decimal(query.get("total_amount", ""))
        except ArithmeticError:
            asked = Decimal("-1")
        if (payment is None or query.get("product_code") != payment.product_code
                or asked != payment.total_amount):
            return {"product_code": query.get("product_code"), "transaction_uuid": uuid,
                    "total_amount": float(asked), "status": "NOT_FOUND", "ref_id": None}
        return {"product_code": payment.product_code, "transaction_uuid": uuid,
                "total_amount": float(payment.paid_amount or payment.total_amount),
                "status": payment.status, "ref_id": payment.ref_id}
