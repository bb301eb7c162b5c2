"""What channels with buttons share: long bodies cut into parts, options laid out as buttons.

Pure functions only; the adapters do the talking. A tapped button or list row answers with its
id, which is the option's number, so tapping works exactly like typing that number.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Twilio rejects WhatsApp and SMS bodies over 1,600 characters (error 21617).
MAX_BODY = 1600
# WhatsApp's limit on the body of a message that carries buttons or a list.
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ITEMS = 10
MAX_LIST_TITLE = 24
MAX_LIST_DESCRIPTION = 72
LIST_BUTTON = {"en": "Choose", "ne": "छान्नुहोस्", "hi": "चुनें"}


def length(text: str) -> int:
    """Characters as the providers count them (UTF-16 code units: an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> tuple[str, str]:
    """The longest head of `text` within `limit`, preferring to end at a space; and the rest."""
    end = min(len(text), limit)
    while end > 0 and length(text[:end]) > limit:
        end -= 1
    space = text.rfind(" ", 0, end)
    if end < len(text) and space > limit // 2:
        end = space + 1
    return text[:end].rstrip(), text[end:]


def split_body(body: str, limit: int = MAX_BODY, last_limit: int | None = None) -> list[str]:
    """`body` in parts of at most `limit` characters, cut at line ends where possible (a line
    too long on its own is cut at a space). `last_limit` bounds the final part too, e.g. the
    one carrying buttons."""
    parts: list[str] = []
    current = ""
    for line in body.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if length(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = line
        while length(current) > limit:
            head, current = _cut(current, limit)
            parts.append(head)
    parts.append(current)
    parts = [p for p in parts if p.strip()] or [body]
    if last_limit is not None and length(parts[-1]) > last_limit:
        parts[-1:] = split_body(parts[-1], last_limit)
    return parts


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters, an ellipsis marking a cut."""
    text = " ".join(text.split())
    if length(text) <= limit:
        return text
    head = text
    while head and length(head) > limit - 1:
        head = head[:-1]
    return head.rstrip() + "…"


@dataclass(frozen=True)
class Choice:
    """One tappable option: `id` is its number, `title` what the button shows."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Layout:
    """How a set of options is shown: `buttons` (quick replies) or a `list` picker."""

    kind: str  # "buttons" or "list"
    choices: tuple[Choice, ...]
    button: str = ""  # the list picker's opening button


def layout(options: Sequence[str], language: str | None = None) -> Layout | None:
    """Options as buttons (up to three) or a list (up to ten); None when they do not fit, and
    the numbered options in the text have to do."""
    options = [o for o in options if o.strip()]
    if not options or len(options) > MAX_LIST_ITEMS:
        return None
    if len(options) <= MAX_BUTTONS:
        return Layout("buttons", _choices(options, MAX_BUTTON_TITLE))
    button = LIST_BUTTON.get(language or "en", LIST_BUTTON["en"])
    return Layout("list", _choices(options, MAX_LIST_TITLE, describe=True), button)


def _choices(options: Sequence[str], limit: int, describe: bool = False) -> tuple[Choice, ...]:
    titles = [shorten(o, limit) for o in options]
    if len(set(titles)) < len(titles):
        # Buttons must differ; the number keeps cut-down twins apart.
        titles = [shorten(f"{i}. {o}", limit) for i, o in enumerate(options, start=1)]
    return tuple(
        Choice(id=str(i), title=title,
               description=shorten(o, MAX_LIST_DESCRIPTION) if describe and title != o else "")
        for i, (title, o) in enumerate(zip(titles, options, strict=True), start=1)
    )


def twilio_types(shown: Layout) -> dict[str, object]:
    """The Content API `types` of a template whose body is the variable {{1}}; `twilio/text`
    is what channels without buttons get."""
    body = "{{1}}"
    if shown.kind == "buttons":
        rich: dict[str, object] = {"twilio/quick-reply": {
            "body": body, "actions": [{"type": "QUICK_REPLY", "title": c.title, "id": c.id}
                                      for c in shown.choices]}}
    else:
        items = []
        for c in shown.choices:
            item = {"id": c.id, "item": c.title}
            if c.description:
                item["description"] = c.description
            items.append(item)
        rich = {"twilio/list-picker": {"body": body, "button": shown.button, "items": items}}
    return {**rich, "twilio/text": {"body": body}}


def meta_interactive(shown: Layout, body: str) -> dict[str, object]:
    """The Cloud API `interactive` object for `body` with these options."""
    if shown.kind == "buttons":
        return {"type": "button", "body": {"text": body}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": c.id, "title": c.title}} for c in shown.choices]}}
    rows = []
    for c in shown.choices:
        row = {"id": c.id, "title": c.title}
        if c.description:
            row["description"] = c.description
        rows.append(row)
    return {"type": "list", "body": {"text": body},
            "action": {"button": shown.button, "sections": [{"title": shown.button,
                                                             "rows": rows}]}}
