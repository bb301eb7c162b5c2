"""The sandbox chat in a real browser: typed messages go through the signed webhook and the
replies appear, sent by a real worker through the fake Twilio."""
from __future__ import annotations

PHONE = "+9779812777001"


def test_chatting_in_the_sandbox_shows_the_bot_replies(stack, browser):
    stack.load_catalog()
    created = stack.cli("buyer", "create", PHONE, "--name", "Gita", "--shop", "Gita Store",
                        "--town", "Kathmandu")
    assert created.returncode == 0, created.stderr
    stack.start_worker()
    page = browser.new_page(base_url=stack.base_url)
    page.goto("/sandbox")
    page.fill("#phone", PHONE)
    page.fill("#text", "2 bora chamal, chini 10 kg")
    page.click("button[type=submit]")
    page.wait_for_selector(".msg.out", timeout=45_000)
    reply = page.inner_text(".msg.out")
    # Romanised Nepali gets its answer in Nepali; product names stay as the catalog has them.
    assert "Mansuli Rice" in reply and "Sugar" in reply and "3,869.00" in reply
    assert page.inner_text(".msg.in").startswith("2 bora chamal")
    # What the buyer typed reached Twilio's side as the bot's answer, not the other way round.
    assert any("Mansuli Rice" in m.body for m in stack.twilio.messages)
    page.close()
