"""What the buyer is told about a photo — what was read, and the draft made of it;
or why it could not be used — in their language, through the pure engine."""
from __future__ import annotations

from datetime import timedelta

import pytest

from conversation.texts import text
from conversation.types import Event
from tests.unit.conversation.chat import Chat


def photo(chat: Chat, read: str = "", caption: str = "",
          errors: tuple[str, ...] = ()) -> str:
    """A photo message whose OCR read `read`; the replies joined."""
    chat.now += timedelta(seconds=5)
    event = Event(kind="text" if caption else "image", now=chat.now, text=caption,
                  media_count=1, ocr_text=read, media_errors=errors)
    return "\n".join(chat.replies(chat.run(event)))


def test_the_draft_shows_what_was_read_from_the_photo():
    chat = Chat.registered()
    reply = photo(chat, read="chini 10 kg\n2 bora chamal")
    assert reply.startswith("I read this from your photo:\n• chini 10 kg\n• 2 bora chamal")
    assert "Sugar" in reply and "Mansuli Rice" in reply and "Grand total" in reply
    assert chat.state.name == "draft"


def test_a_misread_line_is_corrected_in_words():
    chat = Chat.registered()
    photo(chat, read="chini 10 kg")
    assert "20 kg" in chat.said("chini 20 kg")
    assert [sku for sku, _, _ in chat.lines()] == ["SUGAR"]


def test_the_caption_is_ordered_with_the_photo():
    chat = Chat.registered()
    reply = photo(chat, read="chini 10 kg", caption="2 bora chamal")
    assert "Sugar" in reply and "Mansuli Rice" in reply


def test_a_photo_adds_to_an_open_draft():
    chat = Chat.registered()
    chat.said("2 bora chamal")
    photo(chat, read="chini 10 kg")
    assert sorted(sku for sku, _, _ in chat.lines()) == ["RICE-MANSULI", "SUGAR"]


@pytest.mark.parametrize("language", ["en", "ne", "hi"])
def test_nothing_legible_asks_to_type_or_send_a_clearer_photo(language):
    chat = Chat.registered(language=language)
    assert photo(chat) == text("photo_unreadable", language)
    assert chat.state.draft is None


def test_legible_but_nothing_orderable_shows_what_was_read():
    chat = Chat.registered()
    reply = photo(chat, read="happy birthday")
    assert "• happy birthday" in reply and "found nothing I can order" in reply


@pytest.mark.parametrize("reason, key", [
    ("not_an_image", "media_not_an_image"), ("unsupported", "media_not_an_image"),
    ("empty", "media_broken"), ("truncated", "media_broken"),
    ("too_large", "media_too_large"), ("download_failed", "media_download_failed"),
    ("ocr_failed", "photo_unreadable"),
])
@pytest.mark.parametrize("language", ["en", "ne", "hi"])
def test_a_refused_file_is_explained(reason, key, language):
    chat = Chat.registered(language=language)
    assert photo(chat, errors=(reason,)) == text(key, language)


def test_a_refused_file_beside_a_readable_caption_still_orders_the_caption():
    chat = Chat.registered()
    reply = photo(chat, caption="chini 10 kg", errors=("not_an_image",))
    assert reply.startswith(text("media_not_an_image", "en"))
    assert "Sugar" in reply


def test_a_caption_command_still_wins():
    chat = Chat.registered()
    assert photo(chat, read="chini 10 kg", caption="help") == text("help", "en")
