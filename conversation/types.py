"""The engine's plain data: state in, event in, context in; state out, actions out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class State:
    """What the engine remembers of a conversation between messages."""

    name: str = "new"
    slots: dict[str, Any] = field(default_factory=dict)
    draft: dict[str, Any] | None = None
    language: str | None = None
    opted_out: bool = False
    handoff_until: datetime | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened: a message arrived (kind "text", or "image" when it is media
    without a caption), or a timer fired. `ocr_text` is what was read in the message's
    photos; `media_errors` the reasons its refused files were refused (see
    app/media_intake.py)."""

    kind: str
    now: datetime
    text: str = ""
    media_count: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    ocr_text: str = ""
    media_errors: tuple[str, ...] = ()

    @property
    def order_text(self) -> str:
        """Where an order is read from: what the buyer typed, then what their photo said."""
        return "\n".join(part for part in (self.text.strip(), self.ocr_text.strip()) if part)


@dataclass(frozen=True)
class Context:
    """Facts the engine may read but not change: who is talking, and in which role."""

    role: str = "buyer"  # buyer | vendor
    channel: str = "whatsapp"
    party: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


class Action:
    """Something the caller must do after the engine returns."""


@dataclass(frozen=True)
class Reply(Action):
    """Send `text` back on the same conversation; `options` become buttons where supported."""

    text: str
    options: tuple[str, ...] = ()
    # The one message an opted-out number still gets: the confirmation of STOP itself.
    even_if_opted_out: bool = False


@dataclass(frozen=True)
class SetOptOut(Action):
    opted_out: bool


# --- Actions that cross from the buyer's conversation to the vendor side of the market ----

@dataclass(frozen=True)
class OpenRFQ(Action):
    """Ask matching vendors for a price on something the catalog lacks."""

    text: str
    quantity: float | None = None
    unit: str | None = None
    needed_by: datetime | None = None


@dataclass(frozen=True)
class AcceptQuote(Action):
    """The buyer takes quote `position` of an RFQ (the newest open one when rfq is None)."""

    position: int
    rfq_number: str | None = None
