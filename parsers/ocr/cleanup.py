"""General repairs of OCR text from order lists, applied line by line.

Only confusions that OCR engines make on any list are fixed here: letters read in place of
digits next to quantities, bullets and checkboxes read as punctuation, list numbering, and
lines split or joined by the layout. Nothing is tuned to particular products.
"""

from __future__ import annotations

import re

from parsers.lexicon import UNIT_SPELLINGS

# Letters Tesseract returns for digits when a quantity is handwritten or blurred.
_DIGIT_LOOKALIKES = {"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "i": "1",
                     "|": "1", "!": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2"}
_UNITS = (r"kg|kgs|g|gm|gms|gram|grams|l|ltr|ltrs|litre|liter|ml|pc|pcs|pkt|pkts|ctn|ctns|"
          r"btl|dz|doz|dozen|box|bag|tin|jar")
# A lookalike glued to real digits ("1O", "S0", "l2"): the whole token is a number.
_MIXED_NUMBER = re.compile(r"(?<![^\W\d_])(?=[\dOolI|SZB]*\d)[\dOolI|SZB]{2,}(?![^\W\d_])")
# A lone lookalike right before a unit ("l kg", "lkg", "Ikg", "S kg"); one-letter units are
# left out because "Il"/"Og" style pairs are more often words than quantities. Pack words
# ("I peti", "lo pkt") need the space: glued, "li" + "tre" would turn "litre" into "11tre".
_MULTI_LETTER_UNITS = "|".join(u for u in _UNITS.split("|") if len(u) > 1)
_PACK_WORDS = "|".join(sorted(
    {s for spellings in UNIT_SPELLINGS.values() for s in spellings
     if len(s) > 2 and s.isascii() and s.isalpha()}, key=len, reverse=True))
_BEFORE_UNIT = re.compile(rf"(?<![^\W_])([OolIi|SZ]{{1,2}})"
                          rf"(?=\s?(?:{_MULTI_LETTER_UNITS})\b|\s(?:{_PACK_WORDS})\b)")
# Two-letter words that really occur before a unit word and must stay words.
_REAL_WORDS = {"so", "is", "si", "oi", "io"}
# "Itr"/"1tr" are how "ltr" usually comes out; after a number even a lowercase "itr" is.
_LTR = re.compile(r"(?<![^\W_])[I1|]tr(s?)\b|(?<=\d)(\s?)itr(s?)\b")
# Handwritten ५ (5) that Tesseract's Devanagari models read as the letter प with a vowel sign,
# before a Devanagari unit word ("पू किलो चावल").
_DEVANAGARI_UNITS = "|".join(sorted(
    {s for spellings in UNIT_SPELLINGS.values() for s in spellings
     if any("\u0900" <= ch <= "\u097f" for ch in s)}, key=len, reverse=True))
_DEVANAGARI_FIVE = re.compile(rf"(?<!\S)(?:पू|पु|प्)(?=\s+(?:{_DEVANAGARI_UNITS})(?!\S))")
# A lookalike right after a multiplier sign: "x l2", "x lO".
_AFTER_TIMES = re.compile(r"(?:(?<=\bx\s)|(?<=[×*]\s))([OolIS|]+)\b")

# Bullets, boxes and ticks people draw before items, and what OCR makes of them.
_BULLET = re.compile(r"^[\s\-–—•·*>»«○●◦▪■□☐☑✓✔✗✘➢➤→|।¦'\"`~_=+:;,.]+")
_TRAILING_JUNK = re.compile(r"[\s|।¦'\"`~_=+\-–—•*>»«:;,]+$")
# "1." "2)" "(3)" "4:" before an item. A bare "5 " is a quantity and stays, and so does the
# decimal in "1.5 kg" (no space after the dot).
_NUMBERING = re.compile(r"^\(?(?:\d{1,2}|[a-hA-H])[.):](?:\s+|(?=[^\W\d_]))")
_GLUED_NUMBERING = re.compile(r"^\(?(\d{1,2})[.)]\s*")
_BARE_NUMBER = re.compile(r"^(\d{1,2})\s+(?=\S)")
_PRICE_OR_QTY_ONLY = re.compile(r"^[\d\s.,/x×*@-]+(?:" + _UNITS + r")?\s*$", re.IGNORECASE)


def clean_lines(lines: list[str]) -> list[str]:
    """Repair each OCR line and drop lines that carry no text."""
    cleaned = [_clean_line(line) for line in _strip_glued_numbering(lines)]
    cleaned = _strip_sequence_numbers(cleaned)
    cleaned = _rejoin_broken(cleaned)
    return [line for line in cleaned if _has_content(line)]


def _clean_line(line: str) -> str:
    line = line.replace("\u200c", "").replace("\u200d", "")
    line = re.sub(r"\s+", " ", line).strip()
    line = _BULLET.sub("", line)
    line = _NUMBERING.sub("", line)
    line = _TRAILING_JUNK.sub("", line)
    return fix_number_confusions(line)


def fix_number_confusions(text: str) -> str:
    """Turn letters misread for digits back into digits where a number is expected."""
    text = _LTR.sub(_ltr, text)
    text = _MIXED_NUMBER.sub(lambda m: _to_digits(m.group(0)), text)
    text = _BEFORE_UNIT.sub(_unit_quantity, text)
    text = _DEVANAGARI_FIVE.sub("५", text)
    return _AFTER_TIMES.sub(lambda m: _to_digits(m.group(1)), text)


def _ltr(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return f"ltr{match.group(1)}"
    return f"{match.group(2)}ltr{match.group(3)}"


def _unit_quantity(match: re.Match[str]) -> str:
    token = match.group(1)
    return token if token in _REAL_WORDS else _to_digits(token)


def _to_digits(token: str) -> str:
    return "".join(_DIGIT_LOOKALIKES.get(ch, ch) for ch in token)


def _strip_glued_numbering(lines: list[str]) -> list[str]:
    """Drop "2." from "2.1 kg besar" when the list is numbered "1.", "2.", "3.".

    OCR may lose the space after a list number, which then looks like a decimal. It is
    numbering when the numbers count up line by line and at least one of them is plainly
    numbering (followed by a space or a letter).
    """
    heads = [_GLUED_NUMBERING.match(line.strip()) for line in lines]
    numbers = [int(m.group(1)) if m else None for m in heads]
    present = [n for n in numbers if n is not None]
    counting = len(present) >= 2 and present == list(range(present[0], present[0] + len(present)))
    if not counting or not any(_NUMBERING.match(line.strip()) for line, n
                               in zip(lines, numbers, strict=True) if n is not None):
        return lines
    return [line.strip()[m.end():] if m else line for line, m in zip(lines, heads, strict=True)]


def _strip_sequence_numbers(lines: list[str]) -> list[str]:
    """Drop "1 ", "2 ", "3 " when consecutive lines count up: list numbering lost its dot."""
    numbers = [_BARE_NUMBER.match(line) for line in lines]
    values = [int(m.group(1)) if m else None for m in numbers]
    present = [v for v in values if v is not None]
    if len(present) < 2 or present != list(range(present[0], present[0] + len(present))):
        return lines
    if present[0] not in (0, 1):
        return lines
    # "1 kg chini / 2 kg dal" also counts up; numbering is followed by a line that has its
    # own quantity, so demand another digit after the leading number.
    if not all(_has_digit(line[m.end():]) for line, m in zip(lines, numbers, strict=True) if m):
        return lines
    pairs = zip(lines, numbers, strict=True)
    return [_BARE_NUMBER.sub("", line, count=1) if m else line for line, m in pairs]


def _rejoin_broken(lines: list[str]) -> list[str]:
    """Glue a line that holds only a quantity/unit onto the item line above it.

    Long items wrap on narrow paper ("dhara tel 5 ltr" / "x 4"); the wrapped tail alone is
    not an item, the joined line is.
    """
    out: list[str] = []
    for line in lines:
        if out and _PRICE_OR_QTY_ONLY.match(line) and _has_letters(out[-1]):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _has_letters(line: str) -> bool:
    return any(ch.isalpha() for ch in line)


def _has_content(line: str) -> bool:
    # Single stray characters (a tick, a bar read as "l") are not items.
    return sum(ch.isalnum() for ch in line) >= 2 or line.strip().isdigit()
