"""Script and spelling normalisation shared by the lexer and the catalog index.

Buyers write the same word in Devanagari, in several romanisations and with typos. Rather
than listing every spelling, words are *folded* to a coarse phonetic key: Devanagari is
transliterated to Latin, then long vowels, aspirates and doubled letters are collapsed so that
`cheeni`, `chini` and `चिनी` share the key `cini`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")

_VOWELS = {
    "अ": "a", "आ": "aa", "इ": "i", "ई": "ii", "उ": "u", "ऊ": "uu", "ऋ": "ri",
    "ए": "e", "ऐ": "ai", "ओ": "o", "औ": "au", "ऑ": "o", "ऍ": "e",
}
_SIGNS = {
    "ा": "aa", "ि": "i", "ी": "ii", "ु": "u", "ू": "uu", "ृ": "ri",
    "े": "e", "ै": "ai", "ो": "o", "ौ": "au", "ॉ": "o", "ॅ": "e",
}
_CONSONANTS = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n",
    "च": "ch", "छ": "chh", "ज": "j", "झ": "jh", "ञ": "n",
    "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n",
    "त": "t", "थ": "th", "द": "d", "ध": "dh", "न": "n",
    "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m",
    "य": "y", "र": "r", "ल": "l", "व": "v", "श": "sh", "ष": "sh", "स": "s", "ह": "h",
    "ळ": "l", "क़": "k", "ख़": "kh", "ग़": "g", "ज़": "j", "ड़": "r", "ढ़": "rh", "फ़": "f",
}
_NASALS = {"ं": "n", "ँ": "n", "ः": "h"}
_VIRAMA = "्"
_NUKTA = "़"


def has_devanagari(text: str) -> bool:
    """True when the text contains at least one Devanagari letter."""
    return any("\u0900" <= ch <= "\u097f" for ch in text)


def transliterate(word: str) -> str:
    """Romanise Devanagari roughly (ITRANS-like, with word-final schwa deletion).

    Exactness does not matter: the result is only ever compared after `fold`, which is
    coarser still. Non-Devanagari characters pass through unchanged.
    """
    out: list[str] = []
    pending_schwa = False
    for ch in unicodedata.normalize("NFC", word):
        if ch == _NUKTA:
            continue
        if ch in _CONSONANTS:
            if pending_schwa:
                out.append("a")
            out.append(_CONSONANTS[ch])
            pending_schwa = True
        elif ch in _SIGNS:
            out.append(_SIGNS[ch])
            pending_schwa = False
        elif ch == _VIRAMA:
            pending_schwa = False
        elif ch in _NASALS:
            if pending_schwa:
                out.append("a")
            out.append(_NASALS[ch])
            pending_schwa = False
        elif ch in _VOWELS:
            if pending_schwa:
                out.append("a")
            out.append(_VOWELS[ch])
            pending_schwa = False
        else:
            # Hindi and Nepali drop the inherent vowel at the end of a word (चामल = chamal).
            pending_schwa = False
            out.append(ch)
    return "".join(out)


_FOLD_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"ch", "c"),  # ch and c both stand for च in romanised Nepali and Hindi
        (r"q", "k"),
        (r"ph", "f"),
        (r"wh", "w"),
        (r"([bcdgjkpst])h", r"\1"),  # aspirates: bh dh kh th ... lose the h
        (r"w", "v"),
        (r"z", "j"),
        (r"x", "ks"),
        (r"ee|ii|ie", "i"),
        (r"oo|uu", "u"),
        (r"aa", "a"),
        (r"ey$", "i"),
        (r"y$", "i"),
        (r"(.)\1+", r"\1"),
    )
)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Coarse phonetic key of one word: script, case, long vowels, aspirates, doubles.

    `fold("Cheeni") == fold("chini") == fold("चिनी")`. Plural `s` is dropped from longer
    words so `eggs`/`egg` and `candles`/`candle` meet.
    """
    devanagari = has_devanagari(word)
    w = transliterate(word.lower()) if devanagari else word.lower()
    w = "".join(ch for ch in w if ch.isalnum())
    if not w or w.isdigit():
        return w
    if not devanagari:
        w = _singular(w)
    # `c` alone (not from `ch`) is a hard k in English spellings: coke, colgate, cornflakes.
    w = re.sub(r"c(?!h)", "k", w)
    for pattern, repl in _FOLD_RULES:
        w = pattern.sub(repl, w)
    return w


def _singular(w: str) -> str:
    """English plural `s`/`es` off longer words, so `eggs`/`egg` and `boxes`/`box` meet."""
    if len(w) > 4 and w.endswith("es") and w[-3] in "oxh":
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "ys")):
        return w[:-1]
    return w


def skeleton(key: str) -> str:
    """Consonant skeleton of a folded key (`kolgate` -> `klgt`), for vowel-typo matching."""
    if len(key) < 4:
        return key
    return key[0] + re.sub(r"[aeiou]", "", key[1:])


def clean_text(text: str) -> str:
    """NFC, Devanagari digits to ASCII, typographic quotes and dashes made plain."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(DEVANAGARI_DIGITS)
    text = text.replace("\u00d7", " x ").replace("\u2013", "-").replace("\u2014", "-")
    text = text.replace("\u2018", "'").replace("\u2019", "'")
    # Zero-width joiners appear in Devanagari typed on phones and split words in two.
    return re.sub(r"[\u200b-\u200d\ufeff]", "", text)
