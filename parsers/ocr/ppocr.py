"""PP-OCR text-line detection and Latin recognition with ONNX Runtime.

The models are the ones the `rapidocr` wheel ships in its `models/` folder (PP-OCRv6 small
detector and recogniser); they are read from there, so nothing is downloaded at run time.
Only the model files are used: the package itself is never imported (it pulls in config and
logging machinery this service does not need).

The detector finds each written line as a quadrilateral, so tilt, perspective and curled
paper are undone line by line when the line is cut out. The recogniser returns per-frame
character probabilities (CTC), which `parsers.ocr.ctc` reads against the catalog's words.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
# Detection runs on the photo shrunk to this long side: enough for handwriting a phone
# photo holds, and four times cheaper than the 1,600 px WhatsApp sends.
DET_LONG_SIDE = 736
# Detector post-processing as PaddleOCR trains it: pixel threshold, mean box score, growth.
DET_THRESHOLD = 0.3
BOX_THRESHOLD = 0.5
UNCLIP_RATIO = 1.6
# The recogniser drops a line's last letter when the crop ends on it: widen each line by
# this share of its height on both sides.
CROP_PAD = 0.25
REC_HEIGHT = 48
REC_MIN_WIDTH = 320
REC_BATCH = 6

_LOCK = threading.Lock()


def models_dir() -> Path | None:
    """Folder holding the wheel's ONNX models, or None when rapidocr is not installed."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    return folder if (folder / DET_MODEL).exists() and (folder / REC_MODEL).exists() else None


def available() -> bool:
    """Whether ONNX Runtime and the model files are installed."""
    return importlib.util.find_spec("onnxruntime") is not None and models_dir() is not None


def _threads() -> int:
    # One photo uses at most two cores; a process pinned to one core gets one thread, and
    # OMP_THREAD_LIMIT (which Tesseract obeys) caps ONNX Runtime the same way.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    limit = os.environ.get("OMP_THREAD_LIMIT", "")
    cap = int(limit) if limit.isdigit() and int(limit) > 0 else 2
    return max(1, min(cap, cores or 1))


@functools.lru_cache(maxsize=4)
def _session(name: str) -> Any:  # an onnxruntime.InferenceSession
    import onnxruntime as ort  # type: ignore[import-untyped]

    folder = models_dir()
    if folder is None:
        raise RuntimeError("the rapidocr models are not installed")
    options = ort.SessionOptions()
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    with _LOCK:
        return ort.InferenceSession(str(folder / name), options,
                                    providers=["CPUExecutionProvider"])


@functools.lru_cache(maxsize=1)
def charset() -> tuple[str, ...]:
    """Recogniser classes: CTC blank first, the model's characters, then the space."""
    meta = _session(REC_MODEL).get_modelmeta().custom_metadata_map
    return ("", *meta["character"].splitlines(), " ")


def detect(rgb: np.ndarray) -> list[np.ndarray]:
    """Quadrilaterals (tl, tr, br, bl as float32 4x2, in `rgb` pixels) of the text lines."""
    h, w = rgb.shape[:2]
    ratio = min(1.0, DET_LONG_SIDE / max(h, w))
    rh = max(32, round(h * ratio / 32) * 32)
    rw = max(32, round(w * ratio / 32) * 32)
    image = cv2.resize(rgb, (rw, rh)).astype(np.float32) / 127.5 - 1.0
    pred = _session(DET_MODEL).run(None, {"x": image.transpose(2, 0, 1)[None]})[0][0, 0]
    mask = cv2.dilate((pred > DET_THRESHOLD).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        box = _grown_box(pred, contour)
        if box is not None:
            box[:, 0] *= w / rw
            box[:, 1] *= h / rh
            boxes.append(box)
    return boxes


def _grown_box(pred: np.ndarray, contour: np.ndarray) -> np.ndarray | None:
    """The contour's rotated box if the detector is sure of it, grown to cover the ink.

    The detector marks a shrunken core of each line; growing it by area * ratio / perimeter
    (as PaddleOCR's training shrank it) recovers the line's full height.
    """
    box, short_side = _min_box(contour)
    if short_side < 3:
        return None
    mask = np.zeros(pred.shape, np.uint8)
    cv2.fillPoly(mask, [box.astype(np.int32)], 1)
    if cv2.mean(pred, mask)[0] < BOX_THRESHOLD:
        return None
    distance = cv2.contourArea(box) * UNCLIP_RATIO / max(cv2.arcLength(box, True), 1.0)
    grown, short_side = _min_box(box, distance)
    return grown if short_side >= 5 else None


def _min_box(points: np.ndarray, grow: float = 0.0) -> tuple[np.ndarray, float]:
    (cx, cy), (bw, bh), angle = cv2.minAreaRect(points.astype(np.float32))
    rect = ((cx, cy), (bw + 2 * grow, bh + 2 * grow), angle)
    return order_corners(cv2.boxPoints(rect)), min(rect[1])


def order_corners(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, np.float32).reshape(4, 2)
    total = pts.sum(axis=1)
    diff = pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(total)], pts[np.argmin(diff)], pts[np.argmax(total)],
                     pts[np.argmax(diff)]], np.float32)


def box_size(box: np.ndarray) -> tuple[float, float]:
    """(width, height) of a quadrilateral along its own axes."""
    width = (np.linalg.norm(box[1] - box[0]) + np.linalg.norm(box[2] - box[3])) / 2
    height = (np.linalg.norm(box[3] - box[0]) + np.linalg.norm(box[2] - box[1])) / 2
    return float(width), float(height)


def crop(rgb: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Cut one line out and warp it flat, widened by CROP_PAD of its height on each side.

    Not heightened: on ruled paper the rules above and below then enter the crop, and
    cost more letters than the clipped tops of tall letters they would save.
    """
    width, height = box_size(box)
    along = (box[1] - box[0]) / max(float(np.linalg.norm(box[1] - box[0])), 1e-6)
    pad = along * CROP_PAD * height
    source = np.array([box[0] - pad, box[1] + pad, box[2] + pad, box[3] - pad], np.float32)
    out_w = max(1, round(width + 2 * CROP_PAD * height))
    out_h = max(1, round(height))
    target = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    return cv2.warpPerspective(rgb, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)


def recognise(crops: list[np.ndarray]) -> list[np.ndarray]:
    """Per-frame class probabilities (frames x len(charset())) for each line crop."""
    out: list[np.ndarray] = [np.zeros((0, 0), np.float32)] * len(crops)
    ratios = [c.shape[1] / max(c.shape[0], 1) for c in crops]
    # Similar widths batch together, so little of each batch is padding.
    order = np.argsort(ratios)
    for start in range(0, len(crops), REC_BATCH):
        ids = [int(i) for i in order[start:start + REC_BATCH]]
        width = int(REC_HEIGHT * max(REC_MIN_WIDTH / REC_HEIGHT, *(ratios[i] for i in ids)))
        batch = np.zeros((len(ids), 3, REC_HEIGHT, width), np.float32)
        used = []
        for k, i in enumerate(ids):
            resized_w = min(width, math.ceil(REC_HEIGHT * ratios[i]))
            line = cv2.resize(crops[i], (resized_w, REC_HEIGHT)).astype(np.float32)
            batch[k, :, :, :resized_w] = line.transpose(2, 0, 1) / 127.5 - 1.0
            used.append(resized_w / width)
        probs = _session(REC_MODEL).run(None, {"x": batch})[0]
        frames = probs.shape[1]
        for k, i in enumerate(ids):
            # Frames past the line's own width only read the batch's padding: drop them,
            # so frame t of every line sits at t / frames of its width.
            out[i] = probs[k, :min(frames, math.ceil(frames * used[k]) + 1)]
    return out


def greedy(probs: np.ndarray) -> tuple[str, float]:
    """Best-path CTC reading of one line and its mean character confidence (0..1)."""
    chars = charset()
    best = probs.argmax(axis=1)
    keep = (best != 0) & np.concatenate([[True], best[1:] != best[:-1]])
    if not keep.any():
        return "", 0.0
    text = "".join(chars[i] for i in best[keep])
    return text, float(probs.max(axis=1)[keep].mean())
