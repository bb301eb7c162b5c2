"""Media on a real number: a photo's URL is the sender's to choose, so the worker fetches only
from the providers (never from inside, however it is asked), the sandbox names its own uploads
whatever Host a browser sends, and a photo that never finishes arriving is given up at its
deadline while other buyers' texts are answered meanwhile. Through the signed webhook, the
real `flask --app app worker` and the fake Twilio."""
from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from sqlalchemy import select

from market.db import db
from market.models import INBOUND, Message
from tests.fakes.media import MediaHost
from tests.integration.conftest import ACCOUNT_SID
from tests.integration.test_media_intake import Shop, list_photo

pytestmark = pytest.mark.integration
PHONE = "+9779812345061"
OTHER_PHONE = "+9779812345062"
COULD_NOT_FETCH = "I could not fetch that photo"


def inbound_media(stack: Any) -> list[dict[str, Any]]:
    with stack.app.app_context():
        rows = db.session.scalars(select(Message).where(Message.direction == INBOUND)
                                  .order_by(Message.id)).all()
        return [item for m in rows for item in m.media or []]


def all_processed(stack: Any) -> bool:
    with stack.app.app_context():
        return db.session.scalar(select(Message.id).where(
            Message.direction == INBOUND, Message.processed_at.is_(None)).limit(1)) is None


def test_media_that_points_inside_is_never_fetched_and_the_buyer_is_told(stack):
    stack.load_catalog()
    shop = Shop(stack, PHONE)
    stack.start_worker()
    with MediaHost(photo=list_photo(["SECRET 4242"], "PNG")) as internal:
        twilio_host = stack.twilio.url.removeprefix("http://")
        urls = [
            # Twilio's (configured) API answering with a redirect inside.
            stack.twilio.redirect_media(f"http://127.0.0.1:{internal.port}/photo"),
            stack.twilio.redirect_media("http://169.254.169.254/latest/meta-data/iam/"),
            stack.twilio.redirect_media("http://10.20.30.40/photo"),
            # Read as the fake Twilio by urlsplit, as localhost by the HTTP client.
            (f"http://localhost:{internal.port}\\@{twilio_host}/2010-04-01/Accounts/"
             f"{ACCOUNT_SID}/Messages/MM1/Media/ME1"),
        ]
        for url in urls:
            reply = shop.say("", NumMedia="1", MediaUrl0=url, MediaContentType0="image/png")
            assert COULD_NOT_FETCH in reply, (url, reply)
        assert internal.connections == 0  # nothing inside was even connected to
    replies = shop.replies()
    assert len(replies) == len(urls)
    assert not any("SECRET" in reply or "4242" in reply for reply in replies)
    assert [item["error"] for item in inbound_media(stack)] == ["download_failed"] * len(urls)
    # The worker is fine: the next photo, from Twilio, is read.
    photo = stack.twilio.add_media(list_photo(["sugar 10 kg"]))
    reply = shop.say("", NumMedia="1", MediaUrl0=photo, MediaContentType0="image/jpeg")
    assert "I read this from your photo" in reply and "Sugar" in reply


def test_the_sandbox_names_its_uploads_on_its_own_base_whatever_host_is_sent(stack):
    stack.load_catalog()
    shop = Shop(stack, PHONE)
    stack.start_worker()
    with MediaHost() as forged:
        browser = requests.Session()
        page = browser.get(stack.base_url + "/sandbox", timeout=10)
        token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        sent = browser.post(
            stack.base_url + "/sandbox/send", data={"phone": PHONE, "text": ""},
            files={"image": ("list.jpg", list_photo(["sugar 10 kg"]), "image/jpeg")},
            headers={"X-CSRFToken": token, "Host": f"127.0.0.1:{forged.port}"}, timeout=30)
        assert sent.status_code == 200, sent.text
        stack.wait(shop.replies, what="the answer to the sandbox photo")
        assert forged.connections == 0  # the forged Host never became the media URL
    assert inbound_media(stack)[0]["url"].startswith(stack.base_url + "/sandbox/media/")
    reply = shop.replies()[0]
    assert "I read this from your photo" in reply and "Sugar" in reply


def test_a_stalled_photo_is_given_up_at_its_deadline_and_other_buyers_are_answered_meanwhile(
        stack):
    stack.load_catalog()
    shop, other = Shop(stack, PHONE), Shop(stack, OTHER_PHONE)
    stack.env["MEDIA_DOWNLOAD_DEADLINE_SECONDS"] = "10"
    stack.start_worker()  # the one `worker` process the Procfile runs
    # One byte every two seconds: no read ever times out, the whole would take half a minute.
    url = stack.twilio.add_media(list_photo(["sugar 10 kg"])[:15], trickle=2.0)
    assert stack.whatsapp(PHONE, "", NumMedia="1", MediaUrl0=url,
                          MediaContentType0="image/jpeg")[0] == 200
    stack.wait(lambda: stack.twilio.trickling, what="the photo's download to start")
    answer = other.say("chini 10 kg")
    # Answered while the photo was still arriving (its download neither done nor given up),
    # so before its deadline.
    assert stack.twilio.trickling == 1 and shop.replies() == []
    assert not inbound_media(stack)[0].get("prepared_at")
    assert "Sugar" in answer
    stack.wait(shop.replies, timeout=60, what="the answer to the stalled photo")
    assert COULD_NOT_FETCH in shop.replies()[0]
    stack.wait(lambda: stack.twilio.trickle_hung_up, what="the media host to see the hang-up")
    assert stack.twilio.trickle_hung_up == [True]  # cut off, not waited out
    # Nothing lost, nothing answered twice, while the sweeper (every second here) goes on.
    stack.wait(lambda: all_processed(stack), what="every message processed")
    time.sleep(3)
    assert len(shop.replies()) == 1 and len(other.replies()) == 1
    assert [item["error"] for item in inbound_media(stack)] == ["download_failed"]
