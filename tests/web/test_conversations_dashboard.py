"""Conversations (transcript, take over, reply, hand back), the dashboard, staff and audit."""
from __future__ import annotations

from sqlalchemy import select

from market.db import utcnow
from market.models import INBOUND, AuditEvent, Message, Staff
from tests.web.conftest import make_buyer, make_conversation, make_order, post_form

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def inbound(db, conv, body, **meta):
    message = Message(conversation_id=conv.id, direction=INBOUND, channel=conv.channel,
                      body=body, meta=meta, status="processed", created_at=utcnow())
    db.add(message)
    db.flush()
    return message


def test_take_over_reply_and_hand_back(as_staff, db, staff_user):
    from market.models import Conversation

    staff_id = staff_user.id
    buyer = make_buyer(db)
    conv = make_conversation(db, buyer.phone, buyer)
    conv_id = conv.id
    inbound(db, conv, "agent please")
    page = f"/admin/conversations/{conv_id}"
    assert "the bot" in as_staff.get(page).get_data(as_text=True)
    post_form(as_staff, page, f"{page}/takeover", {})
    # Requests end the shared session: read rows afresh rather than through old objects.
    assert db.get(Conversation, conv_id).handoff_until > utcnow()
    assert "taken over" in as_staff.get("/admin/conversations?handoff=yes").get_data(
        as_text=True)
    post_form(as_staff, page, f"{page}/reply", {"body": "Namaste, I am looking into it"})
    # The send job ran inline and ended the session: load rows afresh.
    reply = db.scalar(select(Message).where(Message.conversation_id == conv_id,
                                            Message.direction == "out"))
    assert reply.sent_by_staff_id == staff_id
    assert reply.status == "printed"  # the console channel (development) prints it at once
    html = as_staff.get(page).get_data(as_text=True)
    assert "Namaste, I am looking into it" in html and "clerk@example.com" in html
    assert 'class="tag delivery printed"' in html
    post_form(as_staff, page, f"{page}/handback", {})
    assert db.get(Conversation, conv_id).handoff_until is None
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target_type ==
                                                         "conversation")).all()
    assert actions == ["conversation.takeover", "conversation.reply", "conversation.handback"]


def test_reply_to_an_opted_out_number_sends_nothing(as_staff, db):
    conv = make_conversation(db, "+9779811111111")
    conv.opted_out = True
    db.flush()
    page = f"/admin/conversations/{conv.id}"
    response = post_form(as_staff, page, f"{page}/reply", {"body": "hello"},
                         follow_redirects=True)
    assert "opted out" in response.get_data(as_text=True)
    assert db.scalar(select(Message).where(Message.conversation_id == conv.id)) is None


def test_buyer_text_is_escaped_everywhere(as_staff, db, catalog):
    buyer = make_buyer(db, name=XSS, shop_name=XSS, profile_name=XSS)
    conv = make_conversation(db, buyer.phone, buyer)
    inbound(db, conv, XSS, ProfileName=XSS)
    order = make_order(db, buyer)
    for url in (f"/admin/conversations/{conv.id}", "/admin/conversations", "/admin/buyers",
                f"/admin/buyers/{buyer.id}", "/admin/orders", f"/admin/orders/{order.number}"):
        html = as_staff.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html, url


def test_dashboard_counts_orders_rfqs_and_failures(as_staff, db, catalog):
    buyer = make_buyer(db)
    conv = make_conversation(db, buyer.phone, buyer)
    for text in ("chamal 25 kg", "hello", "chini 5 kg", "?"):
        inbound(db, conv, text)
    make_order(db, buyer, draft_key="d1")
    make_order(db, buyer, "V-KTM-HIMAL", draft_key="d1")
    make_order(db, buyer, draft_key="d2")
    db.add(Message(conversation_id=conv.id, direction="out", channel="whatsapp", body="x",
                   status="failed", error_code="63016", created_at=utcnow()))
    db.flush()
    html = as_staff.get("/admin/").get_data(as_text=True)
    assert '<b id="stat-orders">3</b>' in html
    assert "<b>50.0%</b>" in html and "(2 / 4)" in html  # two drafts from four messages
    assert "63016" in html and "<b>1</b> messages failed" in html
    assert html.count("<rect ") == 28


def test_admin_manages_staff(as_admin, db):
    post_form(as_admin, "/admin/staff", "/admin/staff", {
        "email": "New@Example.com", "name": "New", "role": "staff",
        "password": "long enough pw"})
    member = db.scalar(select(Staff).where(Staff.email == "new@example.com"))
    assert member.role == "staff" and member.password_hash.startswith("$argon2")
    again = post_form(as_admin, "/admin/staff", "/admin/staff", {
        "email": "new@example.com", "role": "staff", "password": "long enough pw"})
    assert "already exists" in again.get_data(as_text=True)
    url = f"/admin/staff/{member.id}"
    post_form(as_admin, url, url, {"role": "admin", "active": ""})
    db.refresh(member)
    assert member.role == "admin" and not member.active


def test_admin_cannot_lock_themselves_out(as_admin, db, admin_user):
    url = f"/admin/staff/{admin_user.id}"
    post_form(as_admin, url, url, {"role": "staff", "active": "y"})
    db.refresh(admin_user)
    assert admin_user.role == "admin"


def test_audit_log_filters_by_staff_action_and_target(as_admin, db, staff_user, catalog):
    from market.audit import record

    record(db, staff_user, "vendor.verify", ("vendor", 1), {"why": XSS}, "10.0.0.1")
    record(db, staff_user, "order.status", ("order", 2), {}, "10.0.0.1")
    db.flush()
    html = as_admin.get("/admin/audit?staff=clerk@example.com&action=vendor.").get_data(
        as_text=True)
    assert "vendor.verify" in html and "order.status" not in html
    assert "<script>" not in html
    html = as_admin.get("/admin/audit?target=order").get_data(as_text=True)
    assert "order.status" in html and "vendor.verify" not in html
    # The admin's own sign-in is in the log too.
    assert "login" in as_admin.get("/admin/audit?action=login").get_data(as_text=True)
