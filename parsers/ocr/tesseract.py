"""Tesseract engine: clean the photo, settle orientation and script, read it line by line."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np
import pytesseract
from PIL import Image

from parsers.ocr.preprocess import prepare

# A list is a single column of short lines of uneven indent; psm 6 ("one uniform block")
# keeps each written line as one output line, which is what the parser needs.
PSM = 6
OCR_TIMEOUT_S = 20
# Below this mean word confidence a reading is doubtful enough to try it upside down.
LOW_CONFIDENCE = 80.0
# Stop trying alternatives once this much time has gone: the reply must stay quick.
TIME_BUDGET_S = 1.5
LANGS_BY_SCRIPT = {"Latin": "eng", "Devanagari": "nep+hin+eng"}
ALL_LANGS = "eng+nep+hin"


@dataclass(frozen=True)
class Reading:
    """Lines read by Tesseract and their mean word confidence (0..100)."""

    lines: list[str]
    confidence: float | None


@dataclass(frozen=True)
class Osd:
    """What Tesseract's orientation and script detection said, if it could say anything."""

    rotate: int
    orientation_conf: float
    script: str
    script_conf: float


def recognise(image: Image.Image) -> Reading:
    """Read an order list from a decoded image with Tesseract (eng, nep, hin)."""
    started = time.monotonic()
    page = prepare(image).image
    osd = detect_osd(page)
    page = _apply_osd_rotation(page, osd)
    langs = choose_langs(osd)
    reading = read_lines(page, langs)
    if _worth_flipping(reading, osd) and time.monotonic() - started < TIME_BUDGET_S:
        # OSD needs enough glyphs to vote; on a two-line list it may say nothing, so compare
        # readings the right way up and upside down and keep the more confident one.
        flipped = read_lines(page.rotate(180, expand=True), langs)
        if (flipped.confidence or 0) > (reading.confidence or 0) + 10:
            reading = flipped
    return reading


def detect_osd(page: Image.Image) -> Osd | None:
    """Run Tesseract OSD; None when there is too little text for it to decide."""
    try:
        raw = pytesseract.image_to_osd(page, config="--psm 0 -c min_characters_to_try=10",
                                       timeout=OCR_TIMEOUT_S)
    except (pytesseract.TesseractError, RuntimeError):
        return None
    fields = dict(re.findall(r"^([A-Za-z ]+):\s*(.+)$", raw, flags=re.MULTILINE))
    try:
        return Osd(rotate=int(fields["Rotate"]),
                   orientation_conf=float(fields["Orientation confidence"]),
                   script=fields.get("Script", "").strip(),
                   script_conf=float(fields.get("Script confidence", 0)))
    except (KeyError, ValueError):
        return None


def _apply_osd_rotation(page: Image.Image, osd: Osd | None) -> Image.Image:
    if osd is None or osd.rotate == 0:
        return page
    # Quarter turns were already judged from the line profile, so OSD must be surer to
    # overrule that than to flip a page that is merely upside down.
    needed = 1.0 if osd.rotate == 180 else 3.0
    if osd.orientation_conf < needed:
        return page
    # OSD's "Rotate" is clockwise degrees; PIL rotates counter-clockwise.
    return page.rotate(-osd.rotate, expand=True, fillcolor=255)


def choose_langs(osd: Osd | None) -> str:
    """Pick Tesseract languages from the detected script: fewer models read faster and
    stop Latin strokes from being read as Devanagari (and the other way round)."""
    if osd is None or osd.script_conf < 1.0:
        return ALL_LANGS
    return LANGS_BY_SCRIPT.get(osd.script, ALL_LANGS)


def _worth_flipping(reading: Reading, osd: Osd | None) -> bool:
    if osd is not None and osd.orientation_conf >= 1.0:
        return False
    return reading.confidence is None or reading.confidence < LOW_CONFIDENCE


def read_lines(page: Image.Image, langs: str) -> Reading:
    """OCR `page` and regroup Tesseract's words into the written lines."""
    data = pytesseract.image_to_data(page, lang=langs, config=f"--psm {PSM}",
                                     output_type=pytesseract.Output.DICT,
                                     timeout=OCR_TIMEOUT_S)
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for index, word in enumerate(data["text"]):
        conf = float(data["conf"][index])
        if not word.strip() or conf < 0:
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        lines.setdefault(key, []).append(word)
        confidences.append(conf)
    ordered = [" ".join(words) for _, words in sorted(lines.items())]
    mean = float(np.mean(confidences)) if confidences else None
    return Reading(ordered, mean)
