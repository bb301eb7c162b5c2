"""Guessing a buyer's language from the first thing they write, and naming languages."""
from __future__ import annotations

import re

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
WORD = re.compile(r"[\w\u0900-\u097F]+")

# Words only one of the two languages uses; enough to tell them apart in an order message.
NEPALI_WORDS = {
    "cha", "chha", "chaina", "xa", "xaina", "ho", "hoina", "kati", "pathaunu", "pathaidinu",
    "pathaidinus", "dinus", "dinu", "hajur", "malai", "mero", "ramro", "thik", "bora", "wota",
    "ota", "chahiyo", "garnus", "garnu", "tapai", "ra", "pani", "dhanyabad", "hunchha",
    "छ", "छैन", "हो", "होइन", "कति", "पठाउनु", "पठाइदिनु", "पठाइदिनुस्", "दिनुस्", "हजुर",
    "मलाई", "मेरो", "चाहियो", "वटा", "गर्नुस्", "तपाईं", "धन्यवाद", "चिनी", "केजी", "चामल",
}
HINDI_WORDS = {
    "hai", "hain", "kya", "kitna", "kitne", "chahiye", "bhejo", "bhej", "bhejiye", "dijiye",
    "haan", "han", "nahi", "nahin", "mujhe", "mera", "bhai", "aur", "theek", "accha", "acha",
    "bhav", "kripya", "shukriya", "dhanyavaad",
    "है", "हैं", "क्या", "कितना", "चाहिए", "भेजो", "भेजिए", "दीजिए", "हाँ", "नहीं", "मुझे",
    "मेरा", "और", "ठीक", "चीनी", "किलो", "चावल", "भाव",
}
NAMES = {
    "en": "en", "english": "en", "eng": "en", "angreji": "en", "अंग्रेजी": "en",
    "ne": "ne", "np": "ne", "nepali": "ne", "nep": "ne", "नेपाली": "ne",
    "hi": "hi", "hindi": "hi", "हिन्दी": "hi", "हिंदी": "hi",
}


def guess(text: str, hint: str | None = None, country: str = "NP") -> str:
    """The language of `text`: `hint` (the parser's guess) when it has one, else Nepali or
    Hindi by the words used, Devanagari without telling words by `country`, else English."""
    if hint in ("en", "ne", "hi"):
        return hint
    words = {w.lower() for w in WORD.findall(text or "")}
    nepali, hindi = len(words & NEPALI_WORDS), len(words & HINDI_WORDS)
    if nepali or hindi:
        return "ne" if nepali >= hindi else "hi"
    if DEVANAGARI.search(text or ""):
        return "hi" if country == "IN" else "ne"
    return "en"


def language_named(word: str) -> str | None:
    """`en`, `ne` or `hi` for a language name or code as buyers write it."""
    return NAMES.get((word or "").strip().lower())
