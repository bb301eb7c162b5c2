"""The local engine for phone photos: PP-OCR finds and reads the lines, Tesseract the Devanagari.

    reading = recognise(image, vocabulary)

1. The detector finds each written line as a quadrilateral on the photo as it is: no global
   threshold or deskew, which break on shadows, curled paper and handwriting. Each line is
   cut out and warped flat on its own, which undoes tilt and perspective locally.
2. A page whose lines stand upright is turned a quarter; one the recogniser reads far more
   surely upside down is turned round (a Devanagari page: the way Tesseract reads it more
   surely).
3. The Latin recogniser reads every line; its per-frame probabilities are read against the
   order vocabulary (`ctc.correct_line`), and words struck out by hand are left out
   (`strike.py`).
4. Lines it is unsure of go to Tesseract's Hindi + Nepali models; where they read Devanagari
   letters, and the page is mostly Devanagari, its reading replaces the Latin one. So Latin
   digits stay Latin and Devanagari lines are read with the script they are written in.
5. The pieces are regrouped into written lines along their own slope (`lines.group`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

from parsers.ocr import ctc, devanagari, ppocr, strike
from parsers.ocr.lines import Piece, group

# Larger photos are shrunk to this long side first: line crops stay sharp and cheap.
WORK_LONG_SIDE = 2000
# A box this much taller than wide is a word written downwards (the page is sideways).
UPRIGHT_RATIO = 1.5
# Mean recogniser confidence (0..1) at which a page reads as upright Latin text; below it
# the page is also read upside down, and that reading wins only if it is this sure...
SURE = 0.85
# ...and this much surer than the upright one.
FLIP_GAIN = 0.1
# Lines read less surely than this, or with non-Latin letters, are also read by Tesseract.
DOUBTFUL = 0.9
# A Tesseract reading counts as Devanagari when this share of its signs are letters.
DEVANAGARI_SHARE = 0.6
# Tesseract must read a Devanagari page this much more surely (0..100) upside down to turn it.
DEVANAGARI_FLIP_GAIN = 10.0
# On a page that is not mostly Devanagari a single line still is when Tesseract reads it as
# surely as this (0..100) and the Latin recogniser is this unsure (0..1).
LONE_LINE_TESS_CONF = 50.0
LONE_LINE_LATIN_CONF = 0.7


@dataclass(frozen=True)
class Reading:
    """Written lines top to bottom and the mean confidence of their readings (0..1)."""

    lines: list[str]
    confidence: float | None


@dataclass
class _Page:
    """The photo one way up, its line boxes and the lines cut out of it."""

    rgb: np.ndarray
    boxes: list[np.ndarray]
    crops: list[np.ndarray]

    def turned_round(self) -> _Page:
        h, w = self.rgb.shape[:2]
        corner = np.array([w, h], np.float32)
        boxes = [ppocr.order_corners(corner - b) for b in self.boxes]
        crops = [np.ascontiguousarray(c[::-1, ::-1]) for c in self.crops]
        return _Page(np.ascontiguousarray(self.rgb[::-1, ::-1]), boxes, crops)

    @property
    def weights(self) -> np.ndarray:
        # Longer lines say more about the page than a stray mark does.
        return np.array([c.shape[1] / max(c.shape[0], 1) for c in self.crops])


@dataclass
class _Latin:
    """The Latin recogniser's output for every line of a page."""

    page: _Page
    probs: list[np.ndarray]
    reads: list[tuple[str, float]]

    @property
    def confidence(self) -> float:
        return _mean([conf for _, conf in self.reads], self.page.weights)


@dataclass
class _Text:
    """The chosen reading of every line of a page, and whether the page is Devanagari."""

    page: _Page
    texts: list[str]
    confidences: list[float]
    devanagari: bool = False
    devanagari_confidence: float = 0.0


def recognise(image: Image.Image, vocabulary: ctc.Vocabulary) -> Reading:
    """Read the order list in a decoded photo, line by line."""
    page = _detect_upright(to_rgb(image))
    if not page.boxes:
        return Reading([], None)
    up = _latin(page)
    if up.confidence >= SURE:
        best = _read(up, vocabulary)
    else:
        down = _latin(page.turned_round())
        if down.confidence >= SURE and down.confidence >= up.confidence + FLIP_GAIN:
            best = _read(down, vocabulary)
        else:
            best = _either_way_up(_read(up, vocabulary), _read(down, vocabulary))
    lines = group([Piece(box, text) for box, text in zip(best.page.boxes, best.texts,
                                                          strict=True)])
    return Reading(lines, round(_mean(best.confidences, best.page.weights), 3))


def _either_way_up(up: _Text, down: _Text) -> _Text:
    """Neither way up reads as sure Latin. A Devanagari page is read by Tesseract either
    way, and the way it reads much more surely wins; anything else stays as photographed."""
    if down.devanagari and (not up.devanagari or down.devanagari_confidence
                            >= up.devanagari_confidence + DEVANAGARI_FLIP_GAIN):
        return down
    return up


def _latin(page: _Page) -> _Latin:
    probs = ppocr.recognise(page.crops)
    return _Latin(page, probs, [ppocr.greedy(p) for p in probs])


def _read(latin: _Latin, vocabulary: ctc.Vocabulary) -> _Text:
    texts = [ctc.correct_line(p, vocabulary, strike.struck_spans(crop))
             for p, crop in zip(latin.probs, latin.page.crops, strict=True)]
    return _read_devanagari(latin, _Text(latin.page, texts, [c for _, c in latin.reads]))


def to_rgb(image: Image.Image) -> np.ndarray:
    """EXIF-upright RGB pixels, transparency flattened onto white, long side limited."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    long_side = max(rgb.shape[:2])
    if long_side <= WORK_LONG_SIDE:
        return rgb
    factor = WORK_LONG_SIDE / long_side
    size = (round(rgb.shape[1] * factor), round(rgb.shape[0] * factor))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _detect_upright(rgb: np.ndarray) -> _Page:
    """Detect the lines; turn a sideways page a quarter first (upside down is judged later)."""
    boxes = ppocr.detect(rgb)
    if _share_standing(boxes) > 0.5:
        rgb = np.ascontiguousarray(np.rot90(rgb, -1))
        boxes = ppocr.detect(rgb)
    # What still stands upright is a margin rule or a scribble, not a line of the list.
    boxes = [b for b in boxes if not _standing(b)]
    return _Page(rgb, boxes, [ppocr.crop(rgb, b) for b in boxes])


def _standing(box: np.ndarray) -> bool:
    width, height = ppocr.box_size(box)
    return height > UPRIGHT_RATIO * width


def _share_standing(boxes: list[np.ndarray]) -> float:
    areas = [(ppocr.box_size(b)[0] * ppocr.box_size(b)[1], _standing(b)) for b in boxes]
    total = sum(a for a, _ in areas)
    return sum(a for a, standing in areas if standing) / total if total else 0.0


def _mean(values: list[float], weights: np.ndarray) -> float:
    if not values or float(weights.sum()) <= 0:
        return 0.0
    return float(np.average(values, weights=weights))


def _read_devanagari(latin: _Latin, text: _Text) -> _Text:
    """Replace the Latin readings of Devanagari lines with Tesseract's (see module doc)."""
    page, reads = latin.page, latin.reads
    doubtful = [i for i, (line, conf) in enumerate(reads)
                if conf < DOUBTFUL or any(ord(ch) > 0x24F for ch in line)]
    if not doubtful:
        return text
    tess = dict(zip(doubtful, devanagari.read_lines([page.crops[i] for i in doubtful]),
                    strict=True))
    weights = page.weights
    votes = sum(weights[i] for i in doubtful
                if devanagari.devanagari_share(tess[i][0]) >= DEVANAGARI_SHARE
                and reads[i][1] < SURE)
    text.devanagari = votes >= 0.5 * float(weights.sum())
    text.devanagari_confidence = _mean([tess[i][1] for i in doubtful], weights[doubtful])
    for i in doubtful:
        line, conf = tess[i]
        share = devanagari.devanagari_share(line)
        latin_conf = reads[i][1]
        if text.devanagari and (share >= 0.5 or latin_conf < SURE) or (
                latin_conf < LONE_LINE_LATIN_CONF and share >= DEVANAGARI_SHARE
                and conf >= LONE_LINE_TESS_CONF):
            text.texts[i], text.confidences[i] = line, conf / 100
    return text
