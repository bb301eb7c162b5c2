"""OCR of photographed order lists: bytes or a path in, cleaned text lines out.

    result = read_image(photo_bytes)          # engine from OCR_ENGINE, default tesseract
    result.text                               # one written list line per output line

Decoding refuses unsafe or unreadable uploads with UnreadableImage (see images.py). This
package imports nothing of `app/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from parsers.ocr.cleanup import clean_lines
from parsers.ocr.images import UnreadableImage, load_image, sniff_image_type

__all__ = ["ENGINES", "OcrResult", "UnreadableImage", "read_image", "sniff_image_type"]

ENGINES = ("tesseract", "google")


@dataclass(frozen=True)
class OcrResult:
    """Text read from one image, line structure kept so each list line is one item."""

    text: str
    lines: list[str] = field(default_factory=list)
    confidence: float | None = None
    engine: str = "tesseract"


def read_image(source: str | Path | bytes, engine: str | None = None) -> OcrResult:
    """Read the order list in an image (JPEG, PNG, WebP, HEIC or a PDF's first page).

    `engine` is "tesseract" or "google"; None takes OCR_ENGINE from the environment.
    Raises UnreadableImage when the upload cannot be decoded safely, ValueError for an
    unknown engine.
    """
    name = (engine or os.environ.get("OCR_ENGINE") or "tesseract").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; expected one of {ENGINES}")
    data = source if isinstance(source, bytes) else _read_file(Path(source))
    image = load_image(data)
    raw_lines, confidence = _recognise(image, name)
    lines = clean_lines(raw_lines)
    return OcrResult("\n".join(lines), lines, confidence, name)


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableImage("not_an_image", f"cannot read {path.name}: {exc.strerror}") from exc


def _recognise(image: Image.Image, engine: str) -> tuple[list[str], float | None]:
    if engine == "google":
        from parsers.ocr import google

        return google.recognise(image)
    from parsers.ocr import tesseract

    reading = tesseract.recognise(image)
    confidence = None if reading.confidence is None else round(reading.confidence / 100, 3)
    return reading.lines, confidence
