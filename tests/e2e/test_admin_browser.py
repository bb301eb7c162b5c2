"""The admin in a real browser: import, verify, find and move an order, take over a chat,
and a buyer's WhatsApp name that tries to run script."""
from __future__ import annotations

from sqlalchemy import func, select

from market.db import db
from market.models import Buyer, Listing, Vendor
from tests.conftest import CATALOG

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def test_sign_in_is_required_and_wrong_password_refused(stack, browser):
    page = browser.new_page(base_url=stack.base_url)
    page.goto("/admin/orders")
    assert "/admin/login" in page.url
    page.fill("input[name=email]", "nobody@example.com")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong e-mail or password" in page.inner_text("main")
    page.close()


def test_import_the_demo_catalog_and_watch_it_finish(stack, admin):
    admin.click("text=Import")
    admin.set_input_files("input[type=file]",
                          [str(CATALOG / n) for n in ("listings.csv", "vendors.csv",
                                                      "products.csv")])
    admin.click("button:has-text('Import')")
    admin.wait_for_url("**/admin/catalog/import/*")
    # A selector, not wait_for_function: the admin's CSP forbids the eval that needs.
    admin.wait_for_selector("#import[data-status='done']", state="attached")
    assert admin.inner_text("#import-done") == admin.inner_text("#import-total") == "323"
    assert admin.eval_on_selector("#import-progress", "p => p.value === p.max")
    assert "listings: 220 new" in admin.inner_text("#import-summary")
    assert admin.inner_text("#import-error-count") == "0"
    with stack.app.app_context():
        assert db.session.scalar(select(func.count(Listing.id))) == 220


def test_verify_a_pending_vendor(stack, admin):
    stack.load_catalog()
    admin.goto("/admin/vendors?verification=pending")
    admin.click("text=V-BKT-NYATAPOLA")
    assert admin.inner_text("#verification") == "pending"
    admin.click("button:has-text('Verify')")
    admin.wait_for_selector("text=is verified.")
    assert admin.inner_text("#verification") == "verified"
    with stack.app.app_context():
        vendor = db.session.scalar(select(Vendor).where(Vendor.code == "V-BKT-NYATAPOLA"))
        assert vendor.verification == "verified"


def test_find_an_order_by_phone_and_change_its_status(stack, admin):
    from tests.web.conftest import make_buyer, make_order

    stack.load_catalog()
    with stack.app.app_context():
        number = make_order(db.session, make_buyer(db.session, "+9779812300001")).number
        make_order(db.session, make_buyer(db.session, "+9779812300002"))
        db.session.commit()
    admin.click("nav >> text=Orders")
    admin.fill("input[name=phone]", "9812300001")
    admin.click("button:has-text('Filter')")
    rows = admin.locator("#orders tr")
    assert rows.count() == 2  # the header and the one order
    admin.click(f"#orders >> text={number}")
    admin.select_option("select[name=status]", "accepted")
    admin.fill("input[name=note]", "confirmed by phone")
    admin.click("button:has-text('Change')")
    admin.wait_for_selector("text=is now accepted")
    assert admin.inner_text("#order-status") == "accepted"
    assert "confirmed by phone" in admin.inner_text("#history")


def test_take_over_and_reply_reaches_twilio_and_profile_name_stays_text(stack, admin):
    phone = "+9779812300009"
    status, _ = stack.whatsapp(phone, "<b>need help</b>", ProfileName=XSS)
    assert status == 200
    conv_id = stack.wait(lambda: _conversation_id(phone), what="the conversation")
    before = len(stack.twilio.to(f"whatsapp:{phone}"))
    admin.goto(f"/admin/conversations/{conv_id}")
    admin.click("button:has-text('Take over')")
    admin.wait_for_selector("text=You have the conversation")
    assert "staff until" in admin.inner_text("#handoff")
    admin.fill("textarea[name=body]", "Namaste from the office")
    admin.click("button:has-text('Send')")
    admin.wait_for_selector("text=Reply queued.")
    sent = stack.twilio.wait_for(before + 1)
    assert any(m.body == "Namaste from the office" and m.to == f"whatsapp:{phone}"
               for m in sent)
    admin.reload()
    assert "Namaste from the office" in admin.inner_text("#transcript")
    # The ProfileName is shown as the characters it is, and nothing in it ran.
    assert admin.inner_text("#profile-name") == XSS
    assert "<b>need help</b>" in admin.inner_text("#transcript")
    assert admin.evaluate("window.__xss") is None
    assert admin.locator("#transcript img, #profile-name img, #transcript b").count() == 0
    admin.click("button:has-text('Hand back')")
    admin.wait_for_selector("text=Handed back to the bot.")


def _conversation_id(phone: str) -> int | None:
    from market.models import Conversation

    return db.session.scalar(select(Conversation.id).where(Conversation.address == phone))


def test_buyer_profile_name_is_text_on_buyer_pages(stack, admin):
    with stack.app.app_context():
        db.session.add(Buyer(phone="+9779812300010", profile_name=XSS, name=XSS))
        db.session.commit()
    admin.goto("/admin/buyers?q=9812300010")
    assert XSS in admin.inner_text("table")
    assert admin.evaluate("window.__xss") is None
