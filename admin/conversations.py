"""Conversations: transcripts with delivery status, take over, reply as staff, hand back."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.db import db, utcnow
from market.messaging import queue_outbound
from market.models import Conversation, Message, Staff
from market.window import state as whatsapp_window

from . import bp
from .common import audit, paginate
from .forms import ReplyForm

TRANSCRIPT = 200


@bp.get("/conversations")
def conversations() -> Any:
    q = (select(Conversation).options(selectinload(Conversation.buyer),
                                      selectinload(Conversation.vendor))
         .order_by(Conversation.updated_at.desc(), Conversation.id.desc()))
    if request.args.get("q"):
        q = q.where(Conversation.address.ilike(f"%{request.args['q'].strip()}%"))
    if request.args.get("handoff") == "yes":
        q = q.where(Conversation.handoff_until > utcnow())
    return render_template("admin/conversations.html", page=paginate(db.session, q),
                           now=utcnow())


def _conversation(conversation_id: int) -> Conversation:
    return db.session.get(Conversation, conversation_id) or abort(404)


@bp.get("/conversations/<int:conversation_id>")
def conversation(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    q = select(Message).where(Message.conversation_id == conv.id)
    before = request.args.get("before", type=int)
    if before:
        q = q.where(Message.id < before)
    # The newest TRANSCRIPT messages (ix_messages_conversation_id_id), shown oldest first.
    rows = list(db.session.scalars(q.order_by(Message.id.desc()).limit(TRANSCRIPT + 1)))
    older = rows[TRANSCRIPT - 1].id if len(rows) > TRANSCRIPT else None
    messages = list(reversed(rows[:TRANSCRIPT]))
    staff = {s.id: s for s in db.session.scalars(select(Staff).where(
        Staff.id.in_({m.sent_by_staff_id for m in messages if m.sent_by_staff_id})))}
    profile = next((m.meta.get("ProfileName") for m in reversed(messages)
                    if m.direction == "in" and (m.meta or {}).get("ProfileName")), None)
    window = whatsapp_window(db.session, conv) if conv.channel == "whatsapp" else None
    return render_template("admin/conversation.html", conv=conv, messages=messages,
                           older=older, staff=staff, profile=profile, form=ReplyForm(),
                           handed_off=bool(conv.handoff_until and conv.handoff_until > utcnow()),
                           window=window)


@bp.post("/conversations/<int:conversation_id>/takeover")
def conversation_takeover(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    # The bot stays silent until a staff member hands back or this runs out.
    conv.handoff_until = utcnow() + timedelta(hours=current_app.config["HANDOFF_HOURS"])
    audit("conversation.takeover", conv, address=conv.address, until=conv.handoff_until)
    db.session.commit()
    flash("You have the conversation; the bot is silent.")
    return redirect(url_for("admin.conversation", conversation_id=conv.id))


@bp.post("/conversations/<int:conversation_id>/handback")
def conversation_handback(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    conv.handoff_until = None
    audit("conversation.handback", conv, address=conv.address)
    db.session.commit()
    flash("Handed back to the bot.")
    return redirect(url_for("admin.conversation", conversation_id=conv.id))


@bp.post("/conversations/<int:conversation_id>/reply")
def conversation_reply(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash("Write a reply first (at most 1600 characters).", "error")
        return redirect(url_for("admin.conversation", conversation_id=conv.id))
    message = queue_outbound(db.session, conv, form.body.data.strip(), staff_id=g.staff.id)
    if message is None:
        flash("This number has opted out (STOP); nothing was sent.", "error")
        return redirect(url_for("admin.conversation", conversation_id=conv.id))
    audit("conversation.reply", conv, address=conv.address, message=message.id)
    db.session.commit()  # and it is sent
    flash("Reply queued.")
    return redirect(url_for("admin.conversation", conversation_id=conv.id))
