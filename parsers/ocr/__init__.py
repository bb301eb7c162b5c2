"""OCR of photographed order lists: bytes or a path in, cleaned text lines out.

    result = read_image(photo_bytes)          # engine from OCR_ENGINE, default tesseract
    result = read_image(photo_bytes, catalog=catalog)   # read against the catalog's words
    result.text                               # one written list line per output line

The default ("tesseract") engine is local: PP-OCR line detection and Latin recognition
(models shipped in the rapidocr wheel, run with ONNX Runtime) with Tesseract reading the
Devanagari lines (photo.py). Without those models it falls back to Tesseract alone on a
cleaned page (tesseract.py). "google" sends the photo to Cloud Vision.

Decoding refuses unsafe or unreadable uploads with UnreadableImage (see images.py). This
package imports nothing of `app/`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from parsers.ocr.cleanup import clean_lines
from parsers.ocr.images import UnreadableImage, load_image, sniff_image_type

if TYPE_CHECKING:
    from parsers.catalog import Catalog
    from parsers.ocr.ctc import Vocabulary

__all__ = ["ENGINES", "OcrResult", "UnreadableImage", "read_image", "sniff_image_type"]

ENGINES = ("tesseract", "google")


@dataclass(frozen=True)
class OcrResult:
    """Text read from one image, line structure kept so each list line is one item."""

    text: str
    lines: list[str] = field(default_factory=list)
    confidence: float | None = None
    engine: str = "tesseract"


def read_image(source: str | Path | bytes, engine: str | None = None,
               catalog: Catalog | None = None) -> OcrResult:
    """Read the order list in an image (JPEG, PNG, WebP, HEIC or a PDF's first page).

    `engine` is "tesseract" or "google"; None takes OCR_ENGINE from the environment.
    `catalog`, when given, adds its product names, aliases and brands to the words the
    local engine prefers where the handwriting is ambiguous.
    Raises UnreadableImage when the upload cannot be decoded safely, ValueError for an
    unknown engine.
    """
    name = (engine or os.environ.get("OCR_ENGINE") or "tesseract").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; expected one of {ENGINES}")
    data = source if isinstance(source, bytes) else _read_file(Path(source))
    image = load_image(data)
    raw_lines, confidence = _recognise(image, name, catalog)
    lines = clean_lines(raw_lines)
    return OcrResult("\n".join(lines), lines, confidence, name)


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableImage("not_an_image", f"cannot read {path.name}: {exc.strerror}") from exc


def _recognise(image: Image.Image, engine: str,
               catalog: Catalog | None) -> tuple[list[str], float | None]:
    if engine == "google":
        from parsers.ocr import google

        return google.recognise(image)
    from parsers.ocr import ppocr

    if ppocr.available():
        from parsers.ocr import photo

        page = photo.recognise(image, _vocabulary(catalog))
        return page.lines, page.confidence
    from parsers.ocr import tesseract

    # Without the models: Tesseract alone on a cleaned page (reads printed lists well).
    reading = tesseract.recognise(image)
    confidence = None if reading.confidence is None else round(reading.confidence / 100, 3)
    return reading.lines, confidence


def _vocabulary(catalog: Catalog | None) -> Vocabulary:
    phrases = () if catalog is None else tuple(
        p for product in catalog for p in (product.name, product.brand, *product.aliases))
    return _vocabulary_of(phrases)


@functools.lru_cache(maxsize=8)
def _vocabulary_of(phrases: tuple[str, ...]) -> Vocabulary:
    # Built once per catalog and reused for every photo read against it.
    from parsers.ocr.ctc import build_vocabulary

    return build_vocabulary(phrases)
