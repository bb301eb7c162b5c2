"""Lexer: one segment of a message -> typed tokens (numbers, units, multipliers, words).

The lexer knows the language (number words, unit spellings, what a price or a date looks
like) but nothing of the catalog, so the catalog's own names go through it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers import lexicon as lx
from parsers.normalize import fold, has_devanagari

NUM, UNIT, MULT, WORD, SKIP, MARK = "num", "unit", "mult", "word", "skip", "mark"


@dataclass(slots=True)
class Tok:
    """One token. `key` is the folded word; `bare` marks a unit written without a number."""

    kind: str
    raw: str
    key: str = ""
    value: float | None = None
    unit: str | None = None
    bare: bool = False


_NUMBER = r"\d+(?:\.\d+)?"
_RE_NUM = re.compile(rf"^{_NUMBER}$")
_RE_FRACTION = re.compile(r"^(\d+)/(\d+)$")
_RE_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?$")
_RE_TIME = re.compile(r"^\d{1,2}:\d{2}(?:am|pm)?$")
_RE_GLUED = re.compile(rf"^({_NUMBER})([^\d\s].*)$")
_RE_MULT = re.compile(rf"^[x*]({_NUMBER})$")
_RE_PRICE_PREFIX = re.compile(rf"^(?:rs\.?|npr|inr|₹|रु\.?|रू\.?)({_NUMBER})$")
_RE_PER_UNIT = re.compile(r"^/(.+)$")
_PUNCT_SPACED = re.compile(r"([@#₹*×()\[\]{}+=\"<>|~])")
_STRIP = ".,:;!?'\"`"

_MULT_MARKERS = frozenset({"x", "*", "×"})


def _split_pieces(segment: str) -> list[str]:
    text = segment.lower().replace("/-", " rs ")
    text = _PUNCT_SPACED.sub(r" \1 ", text)
    text = re.sub(r"(?<=[a-z])&(?=[a-z])", "", text)
    text = text.replace("&", " ").replace("'", "").replace("\u2019", "")
    # A hyphen joins words (parle-g, wai-wai) but also separates name and quantity; only a
    # hyphen between digits (a date) is kept.
    text = re.sub(r"(?<!\d)-|-(?!\d)", " ", text)
    pieces = []
    for piece in text.split():
        piece = piece.strip(_STRIP)
        if piece:
            pieces.append(piece)
    return pieces


def _number_token(raw: str) -> Tok:
    digits = raw.split(".")[0]
    if len(digits) >= 7:  # a phone or an order number, never a quantity
        return Tok(SKIP, raw)
    return Tok(NUM, raw, value=float(raw))


def _glued(raw: str, number: str, suffix: str) -> list[Tok]:
    key = fold(suffix)
    if suffix.startswith("/"):
        return [Tok(SKIP, raw)]  # 2450/jar, 95/kg: a price per unit
    if key in lx.UNIT_KEYS or key in lx.UNIT_OR_NUMBER:
        unit = lx.UNIT_KEYS.get(key, "tin")
        return [_number_token(number), Tok(UNIT, suffix, key, unit=unit)]
    if key in lx.TIME_AFTER or key in lx.DATE_AFTER or key in lx.PRICE_AFTER:
        return [Tok(SKIP, raw)]
    if suffix == "x":
        return [_number_token(number)]
    return [Tok(WORD, raw, fold(raw))]


def _piece_tokens(raw: str) -> list[Tok]:
    """Tokens of one whitespace-separated piece, before context is considered."""
    if _RE_NUM.match(raw):
        return [_number_token(raw)]
    if m := _RE_FRACTION.match(raw):
        top, bottom = int(m.group(1)), int(m.group(2))
        if 0 < top < bottom <= 8 and bottom in (2, 3, 4, 8):
            return [Tok(NUM, raw, value=top / bottom)]
        return [Tok(SKIP, raw)]  # 15/06: a date
    if _RE_DATE.match(raw) or _RE_TIME.match(raw) or _RE_PRICE_PREFIX.match(raw):
        return [Tok(SKIP, raw)]
    if m := _RE_MULT.match(raw):
        return [Tok(MULT, raw, value=float(m.group(1)))]
    if raw in _MULT_MARKERS:
        return [Tok(MULT, raw)]
    if raw in ("@", "#", "₹"):
        return [Tok(MARK, raw, raw)]
    if m := _RE_GLUED.match(raw):
        return _glued(raw, m.group(1), m.group(2))
    if _RE_PER_UNIT.match(raw):
        return [Tok(SKIP, raw)]
    word = "".join(ch for ch in raw if ch.isalnum() or "\u0900" <= ch <= "\u097f")
    if not word:
        return []
    return _inflected(raw, word) or [Tok(WORD, raw, fold(word))]


def strip_postposition(word: str) -> str | None:
    """`चिनीको` -> `चिनी`, `kiloko` -> `kilo`: the word without a glued case ending, or None."""
    endings = lx.POSTPOSITIONS_DEVANAGARI if has_devanagari(word) else lx.POSTPOSITIONS_LATIN
    for ending in endings:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 2:
            return stem
    return None


def _is_lexicon_word(key: str) -> bool:
    return (key in lx.UNIT_KEYS or key in lx.NUMBER_WORDS or key in lx.FRACTION_WORDS
            or key in lx.FRACTION_PREFIXES)


def _inflected(raw: str, word: str) -> list[Tok] | None:
    """A unit or number word with a case ending (`किलोको`, `बोराका`): the word, then the
    ending as a word of its own, as if they had been written apart."""
    if _is_lexicon_word(fold(word)):
        return None
    stem = strip_postposition(word)
    if stem is None or not _is_lexicon_word(fold(stem)):
        return None
    ending = word[len(stem):]
    return [Tok(WORD, stem, fold(stem)), Tok(WORD, ending, fold(ending))]


def _is_unit_word(tok: Tok | None) -> bool:
    return tok is not None and (
        tok.kind == UNIT
        or (tok.kind == WORD and tok.key in lx.UNIT_KEYS
            and tok.key not in lx.UNIT_AFTER_NUMBER_ONLY)
    )


def _is_number_like(tok: Tok | None) -> bool:
    return tok is not None and (
        tok.kind == NUM or (tok.kind == WORD and tok.key in lx.NUMBER_WORDS
                            and tok.key not in lx.AMBIGUOUS_NUMBERS)
    )


def _read_number_words(toks: list[Tok]) -> None:
    """Number, fraction and indefinite words become NUM tokens where context allows."""
    for i, tok in enumerate(toks):
        if tok.kind != WORD:
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        prev = toks[i - 1] if i else None
        key = tok.key
        # `dhai sau gram`, `do hajar`: a number word before a scale word counts as before a unit.
        before_unit = _is_unit_word(nxt) or (nxt is not None and nxt.kind == WORD
                                             and nxt.key in lx.SCALE_WORDS)
        if key in lx.UNIT_OR_NUMBER and prev is not None and prev.kind == NUM:
            continue  # `12 tin`: the unit
        if key in lx.FRACTION_PREFIXES:
            if _is_number_like(nxt) or (nxt is not None and nxt.key in lx.NUMBER_WORDS):
                tok.kind, tok.value = "prefix", lx.FRACTION_PREFIXES[key]
            elif before_unit:
                tok.kind, tok.value = NUM, 1 + lx.FRACTION_PREFIXES[key]
            continue
        if key in lx.NUMBER_WORDS or key in lx.FRACTION_WORDS:
            value = lx.NUMBER_WORDS.get(key, lx.FRACTION_WORDS.get(key))
            if key not in lx.AMBIGUOUS_NUMBERS or before_unit:
                tok.kind, tok.value = NUM, value
        elif key in lx.INDEFINITE_ONE and before_unit:
            tok.kind, tok.value = NUM, 1.0
        elif key in lx.INDEFINITE_TWO and (before_unit or _of_unit(toks, i)):
            tok.kind, tok.value = NUM, 2.0
            if not before_unit and nxt is not None:
                nxt.kind = SKIP  # `a couple of cartons`: the `of` goes with the number
    _apply_prefixes(toks)


def _of_unit(toks: list[Tok], i: int) -> bool:
    """`couple of cartons`: `of` and then a unit."""
    return i + 2 < len(toks) and toks[i + 1].key == "of" and _is_unit_word(toks[i + 2])


def _apply_prefixes(toks: list[Tok]) -> None:
    for i, tok in enumerate(toks):
        if tok.kind != "prefix":
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and nxt.kind == WORD and nxt.key in lx.NUMBER_WORDS:
            nxt.kind, nxt.value = NUM, lx.NUMBER_WORDS[nxt.key]
        if nxt is not None and nxt.kind == NUM and nxt.value is not None:
            nxt.value += tok.value or 0.0
            nxt.raw = f"{tok.raw} {nxt.raw}"
            tok.kind = SKIP
        else:
            tok.kind = WORD


def _spelled(tok: Tok) -> bool:
    return tok.kind == NUM and not any(ch.isdigit() for ch in tok.raw)


def _merge_numbers(toks: list[Tok]) -> list[Tok]:
    """Numbers written in several pieces are one: `1 1/2`, `dhai sau` (250), `twenty four`,
    `one and a half`, `2 and a half`."""
    out: list[Tok] = []
    for tok in toks:
        prev = out[-1] if out else None
        value = tok.value
        if tok.kind != NUM or value is None:
            out.append(tok)
            continue
        if prev is not None and prev.kind == NUM and prev.value is not None:
            whole = float(prev.value).is_integer()
            if value < 1 and whole and not _spelled(tok) or (
                    tok.key in lx.HALF_WORDS and whole):
                prev.value += value
            elif tok.key in lx.SCALE_WORDS and _spelled(tok):
                prev.value *= value
            elif (prev.key in lx.TENS_WORDS and _spelled(tok) and float(value).is_integer()
                  and 0 < value < 10):
                prev.value += value
            else:
                out.append(tok)
                continue
            prev.raw = f"{prev.raw} {tok.raw}"
            continue
        if tok.key in lx.HALF_WORDS and len(out) >= 2:
            # `one and a half`: the `and` (and `a`) between the number and the half go.
            between = [t for t in out[-2:] if t.kind == WORD]
            keys = [t.key for t in between]
            start = len(out) - len(between)
            before = out[start - 1] if start > 0 else None
            if keys and keys[0] in lx.CONJUNCTIONS and set(keys[1:]) <= lx.INDEFINITE_ONE \
                    and before is not None and before.kind == NUM and before.value is not None \
                    and float(before.value).is_integer():
                del out[start:]
                before.value += value
                before.raw = f"{before.raw} and {tok.raw}"
                continue
        out.append(tok)
    return out


def _read_units(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    for tok in toks:
        prev = out[-1] if out else None
        if (tok.kind == WORD and tok.key in lx.UNIT_KEYS and prev is not None
                and prev.kind == WORD and prev.key in lx.ADD_WORDS and len(out) > 1
                and out[-2].kind == NUM):
            # `6 extra packets`, `2 aru packet`: the unit goes with the number.
            out.insert(len(out) - 1, Tok(UNIT, tok.raw, tok.key, unit=lx.UNIT_KEYS[tok.key]))
            continue
        after_number = prev is not None and (prev.kind == NUM or (prev.kind == MULT
                                                                  and prev.value is not None))
        if tok.kind == WORD and (tok.key in lx.UNIT_KEYS or tok.key in lx.UNIT_OR_NUMBER):
            unit = lx.UNIT_KEYS.get(tok.key, "tin")
            if after_number:
                tok.kind, tok.unit = UNIT, unit
            elif tok.key not in lx.UNIT_AFTER_NUMBER_ONLY:
                if unit == "dozen":  # `dozen eggs`: one dozen
                    out.append(Tok(NUM, "", value=1.0))
                    tok.kind, tok.unit = UNIT, unit
                else:
                    tok.kind, tok.unit, tok.bare = UNIT, unit, True
        elif tok.kind == WORD and tok.key in lx.FOREIGN_UNITS and after_number:
            tok.kind = SKIP
        out.append(tok)
    return out


def _read_multipliers(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tok.kind == MULT and tok.value is None:
            if nxt is not None and nxt.kind == NUM:
                out.append(Tok(MULT, f"{tok.raw} {nxt.raw}", value=nxt.value))
                i += 2
                continue
            tok.kind = SKIP
        out.append(tok)
        i += 1
    # `x 48 bottles`: the unit after a multiplier belongs to it.
    for i, tok in enumerate(out[:-1]):
        nxt = out[i + 1]
        if tok.kind == MULT and nxt.kind == UNIT and not nxt.bare:
            tok.unit = nxt.unit
            nxt.kind = SKIP
    return out


def _context_skips(toks: list[Tok]) -> None:
    """Numbers that are prices, order numbers, times or dates are not quantities."""
    for i, tok in enumerate(toks):
        if tok.kind not in (NUM, MULT):
            continue
        prev = toks[i - 1] if i else None
        prev2 = toks[i - 2] if i > 1 else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        nxt2 = toks[i + 2] if i + 2 < len(toks) else None
        pkey = prev.key if prev is not None else ""
        nkey = nxt.key if nxt is not None and nxt.kind in (WORD, MARK) else ""
        unit_follows = nxt is not None and nxt.kind == UNIT
        if pkey in lx.PRICE_BEFORE or (prev is not None and prev.kind == MARK and prev.raw == "@"):
            tok.kind = SKIP
            if prev is not None and prev.kind == WORD:
                prev.kind = SKIP  # `rate 95` states a price; it asks nothing
        elif nkey in lx.PRICE_AFTER or nkey in lx.TIME_AFTER or nkey in lx.DATE_AFTER:
            tok.kind = SKIP
        elif nkey in lx.MONTHS or pkey in lx.MONTHS:
            tok.kind = SKIP
        elif nkey in lx.PER_WORDS and nxt2 is not None and nxt2.kind == UNIT:
            tok.kind = SKIP  # 95 per kg
        elif (pkey in lx.ORDER_NUMBER_BEFORE or (prev is not None and prev.raw == "#")) \
                and not unit_follows:
            tok.kind = SKIP
        elif prev is not None and prev2 is not None and prev2.kind == UNIT and prev2.bare \
                and pkey in (fold("ko"), fold("ka"), fold("ke")):
            tok.kind = SKIP  # `kg ko 95`: the price of a kilo
        if tok.kind == SKIP and unit_follows and nxt is not None and nxt.bare is False \
                and pkey in lx.PRICE_BEFORE:
            nxt.kind = SKIP


def lex(segment: str) -> list[Tok]:
    """Typed tokens of one segment; skipped tokens (prices, dates, phones) are dropped."""
    toks: list[Tok] = []
    for piece in _split_pieces(segment):
        toks.extend(_piece_tokens(piece))
    _read_number_words(toks)
    toks = _merge_numbers([t for t in toks if t.kind != SKIP])
    toks = _read_units(toks)
    toks = _read_multipliers(toks)
    _context_skips(toks)
    return [t for t in toks if t.kind not in (SKIP, MARK)]
