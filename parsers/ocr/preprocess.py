"""Image clean-up before OCR: orientation, grey, illumination, deskew, threshold, scale.

Phone photos of paper lists arrive tilted, unevenly lit, on a table, with ruled lines and
JPEG noise. Tesseract reads best a black-on-white, upright image whose lowercase letters are
a few dozen pixels tall, so each step below moves the photo towards that, using only
measurements of the image itself (no thresholds tuned to particular lists).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

# Work at most at this long side: more pixels cost time without helping text of normal size.
WORK_LONG_SIDE = 2000
# Height Tesseract's LSTM models read best at, for the median glyph body (measured on ink
# components, so roughly cap/x-height of a hand-printed list).
TARGET_GLYPH_PX = 32
MAX_SKEW_DEG = 15.0


@dataclass(frozen=True)
class Prepared:
    """A cleaned, upright binary image and what was done to get it."""

    image: Image.Image
    quarter_turns: int
    skew_deg: float
    scale: float


def prepare(image: Image.Image) -> Prepared:
    """Turn a decoded photo into an upright, deskewed, thresholded image for Tesseract."""
    gray = _limit_size(to_gray(image))
    first = binarize(flatten_illumination(gray, denoise=False))
    quarter, skew = estimate_orientation(first)
    # Scale the grey image before denoising and thresholding: tiny writing would lose its
    # thin strokes to the median filter, and an enlarged binary image has blocky edges.
    scale = text_scale(first)
    if abs(scale - 1.0) > 0.15:
        gray = _resize(gray, scale)
    flat = flatten_illumination(gray)
    binary = binarize(rotate(flat, quarter, skew))
    binary = drop_specks_and_blobs(remove_rules(binary))
    return Prepared(Image.fromarray(binary), quarter, skew, scale)


def to_gray(image: Image.Image) -> np.ndarray:
    """Apply EXIF orientation, flatten transparency onto white and return 8-bit grey."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def _limit_size(gray: np.ndarray) -> np.ndarray:
    long_side = max(gray.shape)
    if long_side <= WORK_LONG_SIDE:
        return gray
    factor = WORK_LONG_SIDE / long_side
    size = (round(gray.shape[1] * factor), round(gray.shape[0] * factor))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def flatten_illumination(gray: np.ndarray, denoise: bool = True) -> np.ndarray:
    """Divide by an estimate of the paper's brightness so shadows and gradients vanish.

    A grey closing wider than any pen stroke erases the ink and keeps the lighting; a step
    edge (paper against a dark table) survives a closing, so the table also turns white.
    """
    side = max(15, (max(gray.shape) // 40) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, kernel)
    background = cv2.blur(background, (side, side))
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    # Soften sensor and JPEG noise without blurring stroke edges much.
    return cv2.medianBlur(flat, 3) if denoise else flat


def binarize(flat: np.ndarray) -> np.ndarray:
    """Otsu threshold on the flattened image: ink 0, paper 255."""
    _, binary = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return binary


def _profile_score(ink: np.ndarray, angle: float) -> float:
    """How sharply the rows of `ink` (rotated by `angle`) split into lines and gaps."""
    h, w = ink.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST)
    profile = rotated.sum(axis=1, dtype=np.float64)
    mean = profile.mean()
    if mean <= 0:
        return 0.0
    # Scale-free sharpness, so 0 and 90 degree candidates of any aspect ratio compare fairly.
    return float(np.square(np.diff(profile)).sum() / (mean * mean * len(profile)))


def _best_angle(ink: np.ndarray) -> tuple[float, float]:
    coarse = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.1, 1.5)
    scores = [_profile_score(ink, a) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 1.5, best + 1.55, 0.25)
    scores = [_profile_score(ink, a) for a in fine]
    index = int(np.argmax(scores))
    return float(fine[index]), float(scores[index])


def estimate_orientation(binary: np.ndarray) -> tuple[int, float]:
    """Return (quarter turns counter-clockwise, small skew in degrees) that level the lines.

    Letters of a word sit side by side, closer than the lines sit to each other, so the
    direction to each mark's nearest neighbour tells whether lines run across or down the
    image. Upside-down is left to Tesseract's OSD, which can see glyph shapes.
    """
    small = _shrink_for_search(binary)
    ink = (small < 128).astype(np.uint8)
    quarter = 1 if _lines_run_vertically(ink) else 0
    if quarter:
        ink = np.ascontiguousarray(np.rot90(ink))
    angle, _ = _best_angle(ink)
    return quarter, angle


def _lines_run_vertically(ink: np.ndarray, limit: int = 1500) -> bool:
    count, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = ink.shape
    sizes = stats[1:]
    usable = (sizes[:, cv2.CC_STAT_AREA] >= 4) & (sizes[:, cv2.CC_STAT_HEIGHT] < h / 4) & (
        sizes[:, cv2.CC_STAT_WIDTH] < w / 4)
    points = centroids[1:][usable]
    if len(points) < 3:
        return False
    if len(points) > limit:
        # Evenly thinned, not random, so the same photo always gives the same answer.
        points = points[:: len(points) // limit + 1]
    delta = points[:, None, :] - points[None, :, :]
    distance = np.hypot(delta[..., 0], delta[..., 1])
    np.fill_diagonal(distance, np.inf)
    nearest = delta[np.arange(len(points)), distance.argmin(axis=1)]
    vertical = np.abs(nearest[:, 1]) > np.abs(nearest[:, 0])
    return bool(vertical.mean() > 0.6)


def _shrink_for_search(binary: np.ndarray) -> np.ndarray:
    long_side = max(binary.shape)
    if long_side <= 800:
        return binary
    factor = 800 / long_side
    size = (round(binary.shape[1] * factor), round(binary.shape[0] * factor))
    return cv2.resize(binary, size, interpolation=cv2.INTER_AREA)


def rotate(gray: np.ndarray, quarter_turns: int, angle: float) -> np.ndarray:
    """Rotate by quarter turns then by `angle` degrees, filling new corners with white."""
    if quarter_turns % 4:
        gray = np.ascontiguousarray(np.rot90(gray, quarter_turns % 4))
    if abs(angle) < 0.1:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    # Grow the canvas so the corners of a tilted list are not cut off.
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    return cv2.warpAffine(gray, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def remove_rules(binary: np.ndarray) -> np.ndarray:
    """Erase ruled lines and long edges: ink runs far longer than any handwritten word."""
    h, w = binary.shape
    ink = cv2.bitwise_not(binary)
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, w // 6), 1)))
    vertical = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, h // 4))))
    lines = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    ink = cv2.bitwise_and(ink, cv2.bitwise_not(lines))
    return cv2.bitwise_not(ink)


def drop_specks_and_blobs(binary: np.ndarray) -> np.ndarray:
    """Keep glyphs and the marks beside them; drop what is far from any text.

    Broken ruled lines, paper edges, shadows and specks survive thresholding as marks that
    are either far bigger than a glyph or small and far from every glyph. Dots, matras and
    hyphens sit right next to letters, so proximity to glyph-sized ink keeps them.
    """
    ink = (binary < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return binary
    h, w = binary.shape
    x, y, cw, ch, area = (stats[1:, i] for i in range(5))
    touches = (x == 0) | (y == 0) | (x + cw >= w) | (y + ch >= h)
    huge = (ch > h / 4) | (cw > w / 3)
    glyph_h = _median_glyph_height(ch, area)
    if glyph_h is None:
        keep = ~(touches | huge | (area < 6))
    else:
        glyphs = ~touches & ~huge & (ch >= 0.5 * glyph_h) & (ch <= 3 * glyph_h)
        # A lone narrow mark is a bar or edge; a lone wide one may be a one-word line.
        bars = _isolated(glyphs, labels, glyph_h) & (cw < 0.45 * ch)
        near = _near(glyphs, labels, stats[1:], glyph_h)
        keep = (glyphs & ~bars) | (~touches & ~huge & ~glyphs & near)
    keep_lut = np.concatenate([[False], keep])
    return np.where(keep_lut[labels], 0, 255).astype(np.uint8)


def _median_glyph_height(heights: np.ndarray, areas: np.ndarray) -> float | None:
    candidates = heights[(areas >= 20) & (heights >= 8)]
    if len(candidates) < 5:
        return None
    return float(np.median(candidates))


def _glyph_mask(glyphs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    lut = np.concatenate([np.zeros(1, np.uint8), glyphs.astype(np.uint8)])
    return lut[labels]


def _isolated(glyphs: np.ndarray, labels: np.ndarray, glyph_h: float) -> np.ndarray:
    """Glyph-sized marks with no other glyph within a few letter widths (bars, stray strokes)."""
    mask = _glyph_mask(glyphs, labels)
    reach = max(3, int(glyph_h * 1.5))
    grown = cv2.dilate(mask, np.ones((max(1, int(glyph_h * 0.3)), reach), np.uint8))
    _, groups = cv2.connectedComponents(grown, connectivity=8)
    # Count distinct glyph components per group: a group holding a single one is isolated.
    inked = mask > 0
    pairs = np.unique(np.stack([groups[inked], labels[inked]]), axis=1)
    per_group = np.bincount(pairs[0])
    lonely = np.zeros(len(glyphs), dtype=bool)
    for group, label in pairs.T:
        if per_group[group] == 1:
            lonely[label - 1] = True
    return lonely


def _near(glyphs: np.ndarray, labels: np.ndarray, stats: np.ndarray, glyph_h: float) -> np.ndarray:
    """Components whose box overlaps the neighbourhood of a glyph."""
    mask = _glyph_mask(glyphs, labels)
    pad = max(1, int(glyph_h * 0.6))
    grown = cv2.dilate(mask, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8))
    integral = cv2.integral(grown)
    x, y, cw, ch = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    hits = (integral[y + ch, x + cw] - integral[y, x + cw] - integral[y + ch, x]
            + integral[y, x])
    return hits > 0


def text_scale(binary: np.ndarray) -> float:
    """Factor that brings the median glyph height to TARGET_GLYPH_PX (1.0 if unknown)."""
    ink = (binary < 128).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = binary.shape
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    areas = stats[1:, cv2.CC_STAT_AREA]
    # Ignore specks, dots and accents (they drag the median down) and lines or edges.
    glyphs = heights[(areas >= 8) & (heights >= 4) & (heights < h / 4) & (widths < w / 3)]
    if count <= 1 or len(glyphs) < 5:
        return 1.0
    median = float(np.median(glyphs))
    return float(np.clip(TARGET_GLYPH_PX / median, 0.5, 4.0))


def _resize(gray: np.ndarray, scale: float) -> np.ndarray:
    size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, size, interpolation=interpolation)
