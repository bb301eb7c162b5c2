"""Words struck out by hand: a stroke drawn through the middle of the letters.

People correct a written list by crossing a word out; the recogniser still reads it
(`tel` struck becomes `tet`), and the parser would order it. A strike is found on the
line crop as a long horizontal ink run through the middle band of the letters, longer than
any letter is wide but shorter than the line (a ruled line runs the whole width, and sits
above or below the letters).
"""

from __future__ import annotations

import cv2
import numpy as np

# Where a strike crosses the letters, as shares of the line crop's height from the top.
BAND = (0.3, 0.75)
# Grey level (paper = 255) that pen ink is darker than.
INK_DARKER_THAN = 170
# A strike is at least this many line heights long...
MIN_LENGTH = 1.5
# ...and covers at most this share of the line (a rule crosses all of it).
MAX_SHARE = 0.7


def struck_spans(crop: np.ndarray) -> list[tuple[float, float]]:
    """Horizontal spans (shares of the crop's width) that a strike crosses out."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    h, w = gray.shape
    if h < 8 or w < 2 * h:
        return []
    side = h | 1
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, np.ones((side, side), np.uint8))
    flat = cv2.divide(gray, np.maximum(paper, 1), scale=255)
    # Pen ink only: printed rules are a light colour that Otsu alone may count as ink.
    otsu, _ = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = np.where(flat < min(otsu, INK_DARKER_THAN), 255, 0).astype(np.uint8)
    # A hand-drawn line wobbles by a pixel or two: thicken it before asking for one row.
    band = cv2.dilate(ink[int(BAND[0] * h):int(BAND[1] * h)], np.ones((3, 1), np.uint8))
    length = max(3, int(MIN_LENGTH * h))
    runs = cv2.morphologyEx(band, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    columns = np.asarray(runs.max(axis=0) > 0)
    spans = []
    for start, end in _true_runs(columns):
        if end - start <= MAX_SHARE * w:
            spans.append((start / w, end / w))
    return spans


def _true_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def covered(span: tuple[float, float], spans: list[tuple[float, float]]) -> float:
    """Share of `span` that the struck `spans` cover."""
    start, end = span
    if end <= start:
        return 0.0
    hit = sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
    return hit / (end - start)
