"""Splitting long bodies and laying options out as buttons, and how a tap reads."""
from __future__ import annotations

from market.channels.interactive import (
    MAX_BODY,
    layout,
    length,
    meta_interactive,
    shorten,
    split_body,
    twilio_types,
)
from market.engine import event_of
from market.models import Message


def lines(n: int, width: int = 70) -> list[str]:
    return [f"{i}. " + "x" * (width - len(f"{i}. ")) for i in range(1, n + 1)]


def test_short_body_is_one_part():
    assert split_body("hello\nworld") == ["hello\nworld"]


def test_long_body_splits_on_line_ends_in_order():
    body = "\n".join(lines(60))  # 60 × 71 characters
    parts = split_body(body)
    assert len(parts) == 3
    assert all(length(p) <= MAX_BODY for p in parts)
    assert "\n".join(parts) == body  # nothing lost, nothing reordered, no line cut


def test_a_line_longer_than_a_part_is_cut_at_spaces():
    body = " ".join(["word"] * 1000)  # 4,999 characters on one line
    parts = split_body(body)
    assert all(length(p) <= MAX_BODY for p in parts)
    assert " ".join(parts).split() == body.split()


def test_devanagari_counts_characters_not_bytes():
    body = "\n".join(["चामल २५ केजी"] * 120)  # 12 characters, 34 bytes each
    parts = split_body(body)
    assert len(parts) == 1 + (len(body) > MAX_BODY)
    assert all(len(p) <= MAX_BODY for p in parts)


def test_emoji_count_twice_as_twilio_counts_them():
    assert length("ok 👍") == 5
    assert all(length(p) <= MAX_BODY for p in split_body("👍" * 1000))


def test_the_part_with_buttons_fits_whatsapps_shorter_limit():
    parts = split_body("\n".join(lines(30)), last_limit=1024)
    assert len(parts[-1]) <= 1024 and all(len(p) <= MAX_BODY for p in parts)


def test_up_to_three_options_are_buttons_with_short_titles():
    shown = layout(["Yes, place order", "No, drop it", "Get quotes from vendors nearby"])
    assert shown is not None and shown.kind == "buttons"
    assert [(c.id, c.title) for c in shown.choices] == [
        ("1", "Yes, place order"), ("2", "No, drop it"), ("3", "Get quotes from ven…")]
    assert all(len(c.title) <= 20 for c in shown.choices)


def test_four_to_ten_options_are_a_list_with_the_whole_text_described():
    options = [f"Coca-Cola {size} (carton of 24 bottles)" for size in ("250 ml", "500 ml",
                                                                       "1 L", "2.25 L")]
    shown = layout(options, "ne")
    assert shown is not None and shown.kind == "list" and shown.button == "छान्नुहोस्"
    assert [c.id for c in shown.choices] == ["1", "2", "3", "4"]
    assert all(len(c.title) <= 24 for c in shown.choices)
    assert shown.choices[0].description == options[0]


def test_titles_cut_alike_keep_their_numbers():
    shown = layout(["Coca-Cola 500 ml carton of 24", "Coca-Cola 500 ml carton of 12"])
    assert shown is not None
    assert [c.title for c in shown.choices] == ["1. Coca-Cola 500 ml…", "2. Coca-Cola 500 ml…"]


def test_no_options_or_more_than_ten_get_no_buttons():
    assert layout([]) is None
    assert layout([f"option {i}" for i in range(11)]) is None


def test_shorten_leaves_short_text_alone():
    assert shorten("  Yes,   place order ", 20) == "Yes, place order"


def test_twilio_template_has_one_variable_body_and_a_text_fallback():
    shown = layout(["Yes", "No"])
    assert shown is not None
    assert twilio_types(shown) == {
        "twilio/quick-reply": {"body": "{{1}}", "actions": [
            {"type": "QUICK_REPLY", "title": "Yes", "id": "1"},
            {"type": "QUICK_REPLY", "title": "No", "id": "2"}]},
        "twilio/text": {"body": "{{1}}"}}
    picker = twilio_types(layout(["a", "b", "c", "d"]))  # type: ignore[arg-type]
    assert picker["twilio/list-picker"]["button"] == "Choose"  # type: ignore[index]
    assert [i["id"] for i in picker["twilio/list-picker"]["items"]] == ["1", "2", "3", "4"]  # type: ignore[index]


def test_meta_interactive_button_and_list():
    buttons = meta_interactive(layout(["Yes", "No"]), "Total Rs 500")  # type: ignore[arg-type]
    assert buttons == {"type": "button", "body": {"text": "Total Rs 500"}, "action": {
        "buttons": [{"type": "reply", "reply": {"id": "1", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "2", "title": "No"}}]}}
    listed = meta_interactive(layout(list("abcd"), "hi"), "Pick")  # type: ignore[arg-type]
    assert listed["type"] == "list" and listed["action"]["button"] == "चुनें"  # type: ignore[index]
    assert [r["id"] for r in listed["action"]["sections"][0]["rows"]] == ["1", "2", "3", "4"]  # type: ignore[index]


def test_a_tap_reads_as_its_number_and_typing_is_untouched():
    tapped = Message(body="Yes, place order",
                     meta={"ButtonText": "Yes, place order", "ButtonPayload": "1"})
    picked = Message(body="Coca-Cola 2.25 L", meta={"ListId": "2", "ListTitle": "Coca-Cola"})
    typed = Message(body="yes", meta={"ProfileName": "Sita"})
    foreign = Message(body="Track order", meta={"ButtonPayload": "track-123"})
    assert event_of(tapped).text == "1"
    assert event_of(picked).text == "2"
    assert event_of(typed).text == "yes"
    assert event_of(foreign).text == "Track order"
