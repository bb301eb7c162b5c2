"""The media job may run twice, or die half way; claims keep the work single."""
from __future__ import annotations

from datetime import timedelta

from market.db import utcnow
from market.media_intake import CLAIM_TIMEOUT, MAX_ATTEMPTS, claim, is_prepared, record
from market.messaging import Inbound, store_inbound
from market.models import Message


def photo_message(db, items: int = 1) -> int:
    media = [{"url": f"https://api.twilio.com/Media/ME{i}", "content_type": "image/jpeg"}
             for i in range(items)]
    _, message_id = store_inbound(db, Inbound(channel="whatsapp", address="+9779812000001",
                                              provider_id=f"SM-claims-{items}", media=media))
    db.flush()
    return message_id


def test_a_second_job_leaves_a_fresh_claim_alone(db):
    message_id = photo_message(db, items=2)
    first = claim(db, message_id)
    assert first is not None and [index for index, _ in first[1]] == [0, 1]
    assert claim(db, message_id) is None
    assert not is_prepared(db.get(Message, message_id))


def test_prepared_items_are_not_fetched_again(db):
    message_id = photo_message(db, items=2)
    claim(db, message_id)
    record(db, message_id, 0, {"storage_key": "inbound/a.jpg", "ocr_text": "sugar 10 kg"})
    record(db, message_id, 1, {"error": "not_an_image"})
    message = db.get(Message, message_id)
    assert is_prepared(message)
    again = claim(db, message_id)
    assert again is not None and again[1] == []  # nothing to do, the job just hands back
    assert message.media[0]["storage_key"] == "inbound/a.jpg"
    assert "claimed_at" not in message.media[0]


def test_a_dead_jobs_claim_is_taken_over_then_given_up(db):
    message_id = photo_message(db)
    later = utcnow()
    for _ in range(MAX_ATTEMPTS):
        taken = claim(db, message_id, later)
        assert taken is not None and len(taken[1]) == 1
        later += CLAIM_TIMEOUT + timedelta(seconds=1)
    assert claim(db, message_id, later) == (db.get(Message, message_id).conversation_id, [])
    item = db.get(Message, message_id).media[0]
    assert item["error"] == "download_failed" and item["prepared_at"]


def test_a_late_job_does_not_overwrite_what_the_first_recorded(db):
    message_id = photo_message(db)
    claim(db, message_id)
    record(db, message_id, 0, {"storage_key": "inbound/first.jpg"})
    record(db, message_id, 0, {"storage_key": "inbound/second.jpg"})
    assert db.get(Message, message_id).media[0]["storage_key"] == "inbound/first.jpg"
