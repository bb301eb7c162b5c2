"""Lexicon-guided reading of the recogniser's per-frame character probabilities.

The best path through a CTC output is one reading among many; a smudged `kg` may be read
`ks` while `kg` was nearly as likely. Each word of the best path is compared with the words
an order can hold (catalog names, aliases and brands, units, number and filler words of
`parsers.lexicon`): a known word replaces an unknown reading when the model finds it almost
as likely (within UNKNOWN_WORD_COST nats on the word's own frames). A word the model read
clearly is never changed, because changing a confident letter costs far more than that.

Quantities get the same treatment: the word before a unit must be a number (`I peti` ->
`1 peti`), and a number glued to a unit must be a number and a known unit (`10vg` -> `10kg`),
preferring the round quantities people order over odd ones (`251g` -> `25kg`). Known words
run together are parted (`chamalbora` -> `chamal bora`), and words a strike crosses out
(strike.py) are left out.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from parsers import lexicon
from parsers.normalize import fold
from parsers.ocr.ppocr import charset
from parsers.ocr.strike import covered

# Cost (nats) of keeping a word no vocabulary knows; a known word that is less than this
# much less likely than the best path replaces it.
UNKNOWN_WORD_COST = 4.0
# Cost (nats) per significant digit past two: orders say 25 kg or 250 g, rarely 251 g.
ODD_NUMBER_COST = 1.5
# Only vocabulary words this similar to the reading (rapidfuzz ratio) are scored.
MIN_SIMILARITY = 50
MAX_CANDIDATES = 12
# Cost (nats) of each letter the best path read that a glued quantity's reading leaves out:
# the recogniser saw a mark there (`25?g` is more likely `25kg` than `25g`).
DROPPED_LETTER_COST = 1.0
# Unknown readings at least this long may be known words run together; each piece has at
# least MIN_PIECE letters.
MIN_GLUED_LENGTH = 8
MIN_PIECE = 3
# A word this much covered by a strike was crossed out.
STRUCK_SHARE = 0.6
# Unit spellings tried after a number that is glued to its unit.
GLUED_UNITS = ("kg", "g", "gm", "ltr", "l", "ml", "pkt", "ctn", "kgs")
_NEG = -1e9
_NUMBER = re.compile(r"[\d.,/@x()+-]+")


@dataclass(frozen=True)
class Vocabulary:
    """Latin spellings an order can contain, and their folded keys (what the parser matches)."""

    words: tuple[str, ...]
    keys: frozenset[str]

    def known(self, text: str) -> bool:
        """Whether every word of `text` is one the parser knows.

        Short words must match exactly: folding makes many two-letter readings (`ks`,
        `kq`) collide with some key.
        """
        return bool(text) and all(self._known_word(w) for w in text.split())

    def _known_word(self, word: str) -> bool:
        key = fold(word)
        return word in self._surface or (len(key) >= 4 and key in self.keys)

    @functools.cached_property
    def _surface(self) -> frozenset[str]:
        return frozenset(self.words)

    def split_glued(self, word: str) -> str | None:
        """`word` as two or three known words the writer ran together ("chamalbora" ->
        "chamal bora"), or None. Pieces are at least MIN_PIECE letters long, so ordinary
        words are not cut into syllables."""
        for pieces in (2, 3):
            split = self._split(word, pieces)
            if split:
                return " ".join(split)
        return None

    def _split(self, word: str, pieces: int) -> list[str] | None:
        if pieces == 1:
            return [word] if len(word) >= MIN_PIECE and word in self._surface else None
        for cut in range(len(word) - MIN_PIECE, MIN_PIECE - 1, -1):  # longest head first
            head = word[:cut]
            if head in self._surface:
                rest = self._split(word[cut:], pieces - 1)
                if rest:
                    return [head, *rest]
        return None


def build_vocabulary(phrases: Iterable[str] = ()) -> Vocabulary:
    """The vocabulary of `parsers.lexicon` plus the Latin words of `phrases` (catalog names,
    aliases, brands); multi-word phrases are kept whole too, for readings that lost a space."""
    words: set[str] = set()
    for phrase in phrases:
        parts = re.findall(r"[a-z]+", phrase.lower()) if phrase.isascii() else []
        words.update(p for p in parts if len(p) > 1)
        if len(parts) > 1:
            words.add(" ".join(parts))
    for spellings in lexicon.UNIT_SPELLINGS.values():
        words.update(s for s in spellings if s.isascii() and s.isalpha())
    for group in lexicon.GLOSSARY:
        words.update(s for s in group if s.isascii() and s.isalpha())
    # These are folded keys; the parser folds what it reads, so a key is a valid spelling.
    for keys in (lexicon.FILLERS, lexicon.CONJUNCTIONS, lexicon.NUMBER_WORDS,
                 lexicon.FRACTION_WORDS):
        words.update(k for k in keys if k.isascii() and k.isalpha())
    # Keys of single words only: a phrase folds to its words glued ("jeeramasino").
    return Vocabulary(tuple(sorted(words)), frozenset(fold(w) for w in words if " " not in w))


@functools.lru_cache(maxsize=1)
def _columns() -> tuple[tuple[np.ndarray, ...], dict[str, int]]:
    """The reduced alphabet an order is spelled with: blank, lower-case printable ASCII.

    Returns, for each reduced column, the recogniser classes whose probability it sums
    (a letter's case, a full-width or circled digit, a roman numeral say nothing about the
    word: `⑤` is `5`), and char -> column.
    """
    chars = charset()
    plain = [_plain(c) for c in chars]
    letters = sorted({p for p in plain if len(p) == 1 and 32 <= ord(p) < 127})
    column = {c: k + 1 for k, c in enumerate(letters)}
    groups: list[list[int]] = [[0]] + [[] for _ in letters]
    for i, p in enumerate(plain):
        if i and p in column:
            groups[column[p]].append(i)
    return tuple(np.array(g) for g in groups), column


@functools.lru_cache(maxsize=None)
def _plain(char: str) -> str:
    """`char` in its plain lower-case form when that is one printable ASCII character."""
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 and 32 <= ord(folded) < 127 else char


@functools.lru_cache(maxsize=1)
def _digit_columns() -> np.ndarray:
    _, column = _columns()
    return np.array([0] + [column[d] for d in "0123456789"])


def _reduced_logp(probs: np.ndarray) -> np.ndarray:
    """Log probabilities over the reduced alphabet (see `_columns`)."""
    groups, _ = _columns()
    folded = np.stack([probs[:, g].sum(axis=1) for g in groups], axis=1)
    return np.log(np.maximum(folded, 1e-12))


def correct_line(probs: np.ndarray, vocabulary: Vocabulary,
                 struck: list[tuple[float, float]] | None = None) -> str:
    """Read one line's CTC output word by word against `vocabulary`.

    Words mostly inside the `struck` spans (shares of the line's width, see strike.py)
    were crossed out by the writer and are left out.
    """
    logp = _reduced_logp(probs)
    # The best path's own score: what any other reading is measured against.
    best = np.log(np.maximum(np.maximum(probs.max(axis=1), np.exp(logp).max(axis=1)), 1e-12))
    words = [_Word(*w) for w in _words(probs) if not _crossed_out(probs, w, struck or [])]
    for word in words:
        frames = logp[word.start:word.end]
        word.set(_correct_word(frames, float(best[word.start:word.end].sum()), word.core,
                               vocabulary, word.affixes))
    # A quantity is a number then a unit: where one of the two is there, expect the other.
    for previous, current in zip(words, words[1:], strict=False):
        if _is_number(previous.core) and not _is_unit(current.core):
            current.set(_in_context(logp[current.start:current.end], current.core,
                                    _unit_words(), current.affixes))
    for current, following in zip(words, words[1:], strict=False):
        if _is_unit(following.core) and not _is_number(current.core):
            current.set(_as_number(logp[current.start:current.end], current.core,
                                   current.affixes))
    return " ".join(word.text for word in words)


def _crossed_out(probs: np.ndarray, word: tuple[str, int, int],
                 struck: list[tuple[float, float]]) -> bool:
    """Whether the frames where the word's letters were read lie mostly inside a strike."""
    if not struck:
        return False
    letters = np.flatnonzero(probs[word[1]:word[2] + 1].argmax(axis=1) != 0)
    if not len(letters):
        return False
    first, last = word[1] + int(letters[0]), word[1] + int(letters[-1]) + 1
    return covered((first / len(probs), last / len(probs)), struck) >= STRUCK_SHARE


class _Word:
    """A best-path word, its frames, and the punctuation around it (kept, not corrected)."""

    def __init__(self, text: str, first: int, last: int) -> None:
        self.start, self.end = first, last + 1
        match = re.fullmatch(r"([\"'(\[-]*)(.*?)([.,;:!?)\]'\"-]*)", text)
        lead, core, trail = match.groups() if match and match.group(2) else ("", text, "")
        self.affixes = (lead, trail)
        self.core = core

    def set(self, core: str) -> None:
        self.core = core

    @property
    def text(self) -> str:
        return self.affixes[0] + self.core + self.affixes[1]


def _words(probs: np.ndarray) -> list[tuple[str, int, int]]:
    """Best-path words and the frames each spans (up to the spaces around it)."""
    chars = charset()
    space = len(chars) - 1
    best = probs.argmax(axis=1)
    words: list[tuple[str, int, int]] = []
    letters: list[str] = []
    start = 0
    previous = 0
    for t, cls in enumerate(best):
        if cls == space:
            if letters:
                words.append(("".join(letters).lower(), start, t - 1))
                letters = []
            start = t + 1
        elif cls != 0 and cls != previous:
            letters.append(_plain(chars[cls]))
        previous = cls
    if letters:
        words.append(("".join(letters).lower(), start, len(best) - 1))
    return words


def _correct_word(logp: np.ndarray, read_score: float, word: str, vocabulary: Vocabulary,
                  affixes: tuple[str, str]) -> str:
    if len(logp) == 0 or not word or _NUMBER.fullmatch(word) or vocabulary.known(word):
        return word
    if word[0].isdigit():
        return _glued_quantity(logp, read_score, word, affixes)
    best, best_score = word, read_score - UNKNOWN_WORD_COST
    for candidate, _, _ in process.extract(word, vocabulary.words, scorer=fuzz.ratio,
                                           limit=MAX_CANDIDATES, score_cutoff=MIN_SIMILARITY):
        score = path_score(logp, candidate, affixes)
        if score > best_score:
            best, best_score = candidate, score
    if best == word and len(word) >= MIN_GLUED_LENGTH:
        return vocabulary.split_glued(word) or word
    return best


def _glued_quantity(logp: np.ndarray, read_score: float, word: str,
                    affixes: tuple[str, str]) -> str:
    """`10kg` stays; `10vg`, `251g` become the likeliest round number + known unit."""
    digits = _best_digits(logp)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]*)", word)
    best, best_score = word, read_score - UNKNOWN_WORD_COST
    if match and (not match.group(2) or _is_unit(match.group(2))):
        best_score = read_score + _number_prior(match.group(1))
    for end in range(1, len(digits) + 1):
        for unit in GLUED_UNITS:
            candidate = digits[:end] + unit
            dropped = max(0, len(word) - len(candidate)) * DROPPED_LETTER_COST
            score = path_score(logp, candidate, affixes) + _number_prior(digits[:end]) - dropped
            if score > best_score:
                best, best_score = candidate, score
    return best


def _as_number(logp: np.ndarray, word: str, affixes: tuple[str, str]) -> str:
    """The word before a unit read as digits or a number word, when nearly as likely."""
    if not word or len(logp) == 0:
        return word
    digits = _best_digits(logp) or max("0123456789",
                                       key=lambda d: path_score(logp, d, affixes))
    return _in_context(logp, word, (digits, *_number_words()), affixes)


def _in_context(logp: np.ndarray, word: str, expected: tuple[str, ...],
                affixes: tuple[str, str]) -> str:
    """The likeliest of the `expected` words that are like `word`, if it is nearly as likely
    as `word` itself (digits are always compared: any word may be a smudged number)."""
    if len(logp) == 0:
        return word
    similar = [c for c, _, _ in process.extract(word, expected, scorer=fuzz.ratio,
                                                limit=MAX_CANDIDATES,
                                                score_cutoff=MIN_SIMILARITY)]
    candidates = similar + [c for c in expected[:1] if c.isdigit() and c not in similar]
    best, best_score = word, path_score(logp, word, affixes) - UNKNOWN_WORD_COST
    for candidate in candidates:
        score = path_score(logp, candidate, affixes)
        if score > best_score:
            best, best_score = candidate, score
    return best


@functools.lru_cache(maxsize=1)
def _number_words() -> tuple[str, ...]:
    return tuple(sorted(k for k in (*lexicon.NUMBER_WORDS, *lexicon.FRACTION_WORDS)
                        if k.isascii() and k.isalpha() and k not in lexicon.AMBIGUOUS_NUMBERS))


@functools.lru_cache(maxsize=1)
def _unit_words() -> tuple[str, ...]:
    return tuple(sorted({s for spellings in lexicon.UNIT_SPELLINGS.values() for s in spellings
                         if s.isascii() and s.isalpha() and len(s) > 1}))


def _is_number(word: str) -> bool:
    """Digits, or a number word that is nothing else (`dai` is also "elder brother")."""
    key = fold(word)
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return True
    return key not in lexicon.AMBIGUOUS_NUMBERS and (
        key in lexicon.NUMBER_WORDS or key in lexicon.FRACTION_WORDS)


def _best_digits(logp: np.ndarray) -> str:
    """Best path when only digits (and the blank) may be read."""
    columns = _digit_columns()
    best = logp[:, columns].argmax(axis=1)
    out = [str(c - 1) for t, c in enumerate(best) if c != 0 and (t == 0 or c != best[t - 1])]
    return "".join(out)


def _number_prior(number: str) -> float:
    significant = len(number.replace(".", "").strip("0"))
    return -ODD_NUMBER_COST * max(0, significant - 2)


def _is_unit(word: str) -> bool:
    return fold(word) in lexicon.UNIT_KEYS


def path_score(logp: np.ndarray, text: str, affixes: tuple[str, str] = ("", "")) -> float:
    """Log probability of the best CTC path that reads `text` (between the `affixes`
    punctuation) over the frames of `logp`."""
    _, column = _columns()
    labels = [column.get(c) for c in (affixes[0] + text + affixes[1]).lower()]
    if not labels or None in labels:
        return _NEG
    extended = np.zeros(2 * len(labels) + 1, dtype=np.int64)
    extended[1::2] = [lab for lab in labels if lab is not None]
    states = len(extended)
    # A letter may follow the letter two states back unless both are the same letter.
    skip = np.zeros(states, dtype=bool)
    skip[2:] = (extended[2:] != 0) & (extended[2:] != extended[:-2])
    score = np.full(states, _NEG)
    score[0] = logp[0, 0]
    score[1] = logp[0, extended[1]]
    for t in range(1, len(logp)):
        stay = score
        step = np.concatenate([[_NEG], score[:-1]])
        jump = np.where(skip, np.concatenate([[_NEG, _NEG], score[:-2]]), _NEG)
        score = np.maximum(np.maximum(stay, step), jump) + logp[t, extended]
    return float(max(score[-1], score[-2]))
