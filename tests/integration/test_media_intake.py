"""A photo of an order list takes the same road as a typed one — through the signed
webhook, a real RQ worker, the fake Twilio serving the media behind basic auth and a
redirect, local or S3 (moto) storage and Tesseract."""
from __future__ import annotations

import io
import json
import shutil
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select

from market.db import db
from market.models import INBOUND, Buyer, Conversation, Message

pytestmark = pytest.mark.integration
PHONE = "+9779812345005"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
EVAL_IMAGES = Path(__file__).resolve().parents[3] / "shared" / "eval" / "images-dev"


def list_photo(lines: list[str], fmt: str = "JPEG") -> bytes:
    """A photographed-style order list: dark writing on a slightly grey page, a little tilted."""
    font = (ImageFont.truetype(str(FONT), 44) if FONT.exists()
            else ImageFont.load_default(size=44))
    image = Image.new("RGB", (1000, 140 + 110 * len(lines)), (236, 234, 228))
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((70, 70 + n * 110), line, font=font, fill=(25, 25, 40))
    image = image.rotate(1.5, expand=True, fillcolor=(236, 234, 228))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return out.getvalue()


class Shop:
    """A registered buyer's phone: send texts or photos, wait for what comes back."""

    def __init__(self, stack: Any, phone: str = PHONE, language: str = "en") -> None:
        self.stack, self.phone = stack, phone
        with stack.app.app_context():
            db.session.add(Buyer(phone=phone, name="Sita", shop_name="Sita Store",
                                 town="Kathmandu", language=language,
                                 credit_limit=Decimal("0"), registered_by_staff=True,
                                 onboarded=True))
            db.session.commit()

    def replies(self) -> list[str]:
        return [m.body for m in self.stack.twilio.to(f"whatsapp:{self.phone}")]

    def say(self, body: str, **extra: str) -> str:
        before = len(self.replies())
        status, _ = self.stack.whatsapp(self.phone, body, **extra)
        assert status == 200
        deadline = time.time() + 45
        while len(self.replies()) <= before and time.time() < deadline:
            time.sleep(0.05)
        got = self.replies()[before:]
        assert got, f"no reply to {body!r}"
        return "\n".join(got)

    def photo(self, data: bytes, content_type: str = "image/jpeg", caption: str = "") -> str:
        url = self.stack.twilio.add_media(data, content_type)
        return self.say(caption, NumMedia="1", MediaUrl0=url, MediaContentType0=content_type)

    def last_media(self) -> list[dict[str, Any]]:
        with self.stack.app.app_context():
            message = db.session.scalar(
                select(Message).join(Conversation)
                .where(Conversation.address == self.phone, Message.direction == INBOUND,
                       func.json_array_length(Message.media) > 0)
                .order_by(Message.id.desc()).limit(1))
            assert message is not None
            return list(message.media)


@pytest.fixture
def shop(stack: Any) -> Shop:
    stack.load_catalog()
    return Shop(stack)


def test_photo_of_a_list_becomes_a_priced_draft_that_says_it_was_read_from_the_photo(
        stack, shop):
    stack.twilio.cdn_failures = 1  # the first download fails; the job tries again
    stack.start_worker()
    data = list_photo(["chini 10 kg", "dhara 5 ltr x4", "2 bora chamal"])
    reply = shop.photo(data)
    assert "I read this from your photo" in reply
    assert "chini 10 kg" in reply
    for name in ("Sugar", "Dhara", "Mansuli Rice"):
        assert name in reply, reply
    assert "Grand total" in reply
    # Stored where the worker keeps media, exactly as sent, under the key on the message.
    item = shop.last_media()[0]
    assert item["content_type"] == "image/jpeg" and item["size"] == len(data)
    assert (Path(stack.env["MEDIA_ROOT"]) / item["storage_key"]).read_bytes() == data
    # Twilio's credentials went to Twilio's API only, never to the media host it redirects to.
    fetches = stack.twilio.media_fetches
    assert ("api", True) in fetches and ("cdn", False) in fetches
    assert ("cdn", True) not in fetches
    # What was misread is corrected in words, like any draft.
    corrected = shop.say("sugar 20 kg")
    assert "20 kg" in corrected and "Sugar" in corrected


def test_caption_sent_with_the_photo_is_parsed_too(stack, shop):
    stack.start_worker()
    reply = shop.photo(list_photo(["sugar 10 kg"]), caption="2 bora chamal")
    assert "Sugar" in reply and "Mansuli Rice" in reply
    assert "I read this from your photo" in reply


def test_the_job_running_twice_duplicates_nothing(stack, shop):
    from jobs.media import prepare_message

    stack.start_worker()
    shop.photo(list_photo(["sugar 10 kg"]))
    item = shop.last_media()[0]
    replies = len(shop.replies())
    with stack.app.app_context():
        message_id = db.session.scalar(select(func.max(Message.id))
                                       .where(Message.direction == INBOUND))
    with stack.app.app_context():
        assert prepare_message(message_id) is True  # hands back; nothing left to do
    time.sleep(1.5)
    assert len(shop.replies()) == replies
    assert shop.last_media()[0] == item
    stored = list((Path(stack.env["MEDIA_ROOT"]) / "inbound").rglob("*.jpg"))
    assert len(stored) == 1


def test_a_photo_with_nothing_legible_asks_to_type_or_send_a_clearer_one(stack, shop):
    stack.start_worker()
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 200, 200)).save(out, "JPEG")
    reply = shop.photo(out.getvalue())
    assert "type your order" in reply and "clearer photo" in reply


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed")
def test_first_page_of_a_pdf_is_read(stack, shop):
    stack.start_worker()
    page = Image.open(io.BytesIO(list_photo(["chini 10 kg", "2 bora chamal"])))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    reply = shop.photo(out.getvalue(), "application/pdf")
    assert "I read this from your photo" in reply
    assert "Sugar" in reply and "Mansuli Rice" in reply
    assert shop.last_media()[0]["content_type"] == "application/pdf"


def bomb() -> bytes:
    """A tiny PNG that claims 100 megapixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    return out.getvalue()


def test_refused_files_get_a_clear_reply_and_the_worker_keeps_working(stack, shop):
    stack.env["MEDIA_MAX_BYTES"] = "300000"
    stack.start_worker()
    good = list_photo(["sugar 10 kg"])
    oversized = good + b"\0" * 400_000  # a JPEG with junk after it, over the limit
    cases = [
        (b"this is a text file, not a photo\n", "image/jpeg", "can only read photos"),
        (b"", "image/jpeg", "empty or broken"),
        (good[: len(good) // 2], "image/jpeg", "empty or broken"),
        (bomb(), "image/png", "too large"),
        (oversized, "image/jpeg", "too large"),
    ]
    for data, content_type, expected in cases:
        reply = shop.photo(data, content_type)
        assert expected in reply, (expected, reply)
        assert "type your order" in reply
    reasons = [m["error"] for m in _all_media(stack)]
    assert reasons == ["not_an_image", "empty", "truncated", "too_large", "too_large"]
    assert "Sugar" in shop.say("chini 10 kg")


def _all_media(stack: Any) -> list[dict[str, Any]]:
    with stack.app.app_context():
        rows = db.session.scalars(select(Message).where(Message.direction == INBOUND)
                                  .order_by(Message.id)).all()
        return [item for m in rows for item in m.media or []]


def test_photos_are_kept_in_s3_when_configured(stack, shop):
    boto3 = pytest.importorskip("boto3")
    server_mod = pytest.importorskip("moto.server")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1"}
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket="orders-media")
        stack.env.update(MEDIA_STORAGE="s3", S3_BUCKET="orders-media",
                         S3_ENDPOINT_URL=endpoint, **creds)
        stack.start_worker()
        data = list_photo(["sugar 10 kg"])
        reply = shop.photo(data)
        assert "Sugar" in reply
        key = shop.last_media()[0]["storage_key"]
        assert s3.get_object(Bucket="orders-media", Key=key)["Body"].read() == data
        assert not (Path(stack.env["MEDIA_ROOT"]) / "inbound").exists()
    finally:
        server.stop()


@pytest.mark.skipif(not (EVAL_IMAGES / "labels.jsonl").exists(), reason="no eval images")
def test_a_photographed_list_from_the_eval_set_becomes_a_draft(stack, shop):
    from parsers import Catalog

    labels = [json.loads(line) for line in
              (EVAL_IMAGES / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line]
    label = next(lb for lb in labels if lb["id"] == "d004") if any(
        lb["id"] == "d004" for lb in labels) else labels[0]
    catalog = Catalog.load_dir(Path(__file__).resolve().parents[2] / "data" / "catalog")
    names = [catalog.get(item["sku"]).name for item in label["items"]]
    stack.start_worker()
    reply = shop.photo((EVAL_IMAGES / label["image"]).read_bytes())
    assert "I read this from your photo" in reply
    found = [name for name in names if name in reply]
    assert len(found) >= len(names) - 1, (names, reply)


def test_a_sandbox_upload_is_fetched_from_our_own_server(stack, shop):
    """The sandbox chat keeps uploads under MEDIA_ROOT/sandbox and sends a MediaUrl on this
    server, as its send view does; the worker fetches it without Twilio's credentials."""
    stack.start_worker()
    folder = Path(stack.env["MEDIA_ROOT"]) / "sandbox"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "upload.jpg").write_bytes(list_photo(["sugar 10 kg"]))
    reply = shop.say("", NumMedia="1", MediaContentType0="image/jpeg",
                     MediaUrl0=f"{stack.base_url}/sandbox/media/upload.jpg")
    assert "I read this from your photo" in reply and "Sugar" in reply
    assert stack.twilio.media_fetches == []


def test_a_text_sent_right_after_a_photo_waits_for_the_photo(stack, shop):
    stack.twilio.cdn_failures = 1  # the photo takes a retry; the text is ready long before
    stack.start_worker()
    stack.start_worker()  # a second worker is free to take the text while the photo loads
    url = stack.twilio.add_media(list_photo(["sugar 10 kg"]))
    assert stack.whatsapp(PHONE, "", NumMedia="1", MediaUrl0=url,
                          MediaContentType0="image/jpeg")[0] == 200
    assert stack.whatsapp(PHONE, "2 bora chamal")[0] == 200
    stack.wait(lambda: len(shop.replies()) >= 2, timeout=45, what="two replies")
    first, second = shop.replies()[:2]
    assert "I read this from your photo" in first and "Mansuli Rice" not in first
    assert "Sugar" in second and "Mansuli Rice" in second  # added to the photo's draft
