"""Fixtures of the payment tests: the app answering signed Twilio webhooks, and fake
Khalti, eSewa and Razorpay servers on loopback wired in through their base-URL settings."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.esewa import FakeEsewa
from tests.fakes.khalti import FakeKhalti
from tests.fakes.razorpay import FakeRazorpay
from tests.web.payments.kit import NO_PROVIDERS, PUBLIC, TOKEN


@pytest.fixture
def chat_app(app: Any) -> Any:
    """The app answering signed Twilio webhooks, with no payment provider configured yet."""
    app.config.update(TWILIO_AUTH_TOKEN=TOKEN, TWILIO_ACCOUNT_SID=None, PUBLIC_BASE_URL=PUBLIC,
                      **NO_PROVIDERS)
    return app


@pytest.fixture
def khalti(chat_app: Any) -> Iterator[FakeKhalti]:
    """A fake Khalti, configured as the app's Khalti."""
    with FakeKhalti() as fake:
        chat_app.config.update(KHALTI_SECRET_KEY=fake.secret_key, KHALTI_BASE_URL=fake.base_url)
        yield fake


@pytest.fixture
def esewa(chat_app: Any) -> Iterator[FakeEsewa]:
    """A fake eSewa, configured as the app's eSewa (and Khalti not configured)."""
    with FakeEsewa() as fake:
        chat_app.config.update(ESEWA_PRODUCT_CODE=fake.product_code,
                               ESEWA_SECRET_KEY=fake.secret_key, ESEWA_BASE_URL=fake.url,
                               ESEWA_STATUS_URL=fake.status_url)
        yield fake


@pytest.fixture
def razorpay(chat_app: Any) -> Iterator[FakeRazorpay]:
    """A fake Razorpay, configured as the app's Razorpay."""
    with FakeRazorpay() as fake:
        chat_app.config.update(RAZORPAY_KEY_ID=fake.key_id, RAZORPAY_KEY_SECRET=fake.key_secret,
                               RAZORPAY_WEBHOOK_SECRET=fake.webhook_secret,
                               RAZORPAY_BASE_URL=fake.url)
        yield fake
