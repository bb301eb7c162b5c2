"""Recognising commands that work in any state, in the words buyers actually use."""
from __future__ import annotations

import re
import unicodedata

# Words people send for the same command: English, romanised Nepali/Hindi, Devanagari.
STOP_WORDS = {"stop", "unsubscribe", "stopall", "cancel all messages", "band", "बन्द", "बंद",
              "रोक"}
START_WORDS = {"start", "unstop", "subscribe", "suru", "shuru", "सुरु", "शुरू"}
HELP_WORDS = {"help", "menu", "?", "madat", "maddat", "sahayata", "मद्दत", "सहायता", "मदद"}


def normalise(text: str) -> str:
    """Lowercase, NFC, punctuation at the ends and repeated spaces removed."""
    text = unicodedata.normalize("NFC", text or "").strip().lower()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .!?।")  if text not in ("?",) else text


def command_of(text: str) -> str | None:
    """The command a whole message is, or None when it is something else (an order...)."""
    word = normalise(text)
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None
