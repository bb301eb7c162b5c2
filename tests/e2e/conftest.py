"""Browser tests: the admin served on loopback (the integration `stack`), driven by headless
Chromium through Playwright."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from market.db import db as database
from market.staff import create_staff
from tests.integration.conftest import stack  # noqa: F401  (the fixture, reused)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EMAIL, PASSWORD = "admin@example.com", "e2e admin password"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def admin(stack: Any, browser: Any) -> Iterator[Any]:  # noqa: F811
    """A page signed in to the admin as an admin, with a worker running the jobs."""
    with stack.app.app_context():
        create_staff(database.session, EMAIL, "admin", PASSWORD)
        database.session.commit()
    # The worker reads uploads from the same media store as the web process.
    stack.env["MEDIA_ROOT"] = stack.app.config["MEDIA_ROOT"]
    stack.start_worker()
    context = browser.new_context(base_url=stack.base_url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/admin/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    try:
        yield page
    finally:
        context.close()
