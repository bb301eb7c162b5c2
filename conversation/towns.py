"""Matching the town a buyer types to the towns vendors deliver to, tolerantly."""
from __future__ import annotations

import difflib
from collections.abc import Sequence

from conversation.commands import normalise

# Other names of the same towns: short forms, old names, Devanagari.
ALIASES = {
    "ktm": "kathmandu", "kathmandu valley": "kathmandu", "kantipur": "kathmandu",
    "काठमाडौं": "kathmandu", "काठमाडौँ": "kathmandu", "काठमांडू": "kathmandu",
    "patan": "lalitpur", "ललितपुर": "lalitpur", "पाटन": "lalitpur",
    "bkt": "bhaktapur", "bhadgaun": "bhaktapur", "भक्तपुर": "bhaktapur",
    "pkr": "pokhara", "पोखरा": "pokhara", "brt": "biratnagar", "विराटनगर": "biratnagar",
    "इटहरी": "itahari", "धरान": "dharan", "बुटवल": "butwal", "चितवन": "chitwan",
}


def match_town(said: str, towns: Sequence[str]) -> str | None:
    """The delivery town `said` names, as spelled in `towns`, or None.

    Exact and alias matches first, then a unique prefix, then a close spelling."""
    by_key = {normalise(t): t for t in towns}
    word = normalise(said)
    for suffix in (" ma", " mein", " me", " city", " bazar", " bazaar", " मा", " में"):
        word = word.removesuffix(suffix)
    word = ALIASES.get(word, word)
    if word in by_key:
        return by_key[word]
    starts = [key for key in by_key if len(word) >= 3 and key.startswith(word)]
    if len(starts) == 1:
        return by_key[starts[0]]
    close = difflib.get_close_matches(word, list(by_key), n=1, cutoff=0.75)
    return by_key[close[0]] if close else None
