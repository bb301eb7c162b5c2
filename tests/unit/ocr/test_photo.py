"""The local engine on lists photographed the way phones take them, drawn in the test.

A page held at an angle (perspective), lit from one side with a hand's shadow across it,
slightly out of focus and recompressed like WhatsApp does, must still read line by line;
and all of it without a network, from models the rapidocr wheel ships.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from parsers.catalog import Catalog, ProductSpec
from parsers.ocr import ppocr, read_image

pytestmark = [
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed"),
    pytest.mark.skipif(not ppocr.available(),
                       reason="onnxruntime or the rapidocr models are not installed"),
]


def phone_photo(page: Image.Image, tilt: float = 0.18, shadow: bool = True) -> Image.Image:
    """`page` on a dark table seen from an angle, half in shadow, soft and noisy."""
    paper = np.asarray(page.convert("RGB"))
    h, w = paper.shape[:2]
    out_w, out_h = int(w * 1.3), int(h * 1.4)
    # Top edge further away than the bottom one: it looks narrower and tilted.
    corners = np.float32([[w * tilt, h * 0.15], [w * (1.1 - tilt / 3), h * 0.05],
                          [w * 1.2, h * 1.25], [w * 0.05, h * 1.3]])
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), corners)
    photo = cv2.warpPerspective(paper, matrix, (out_w, out_h), borderValue=(70, 62, 55))
    photo = photo.astype(np.float32)
    if shadow:
        ramp = np.linspace(0.45, 1.0, out_w, dtype=np.float32)[None, :, None]
        photo *= ramp
    rng = np.random.default_rng(7)
    photo += rng.normal(0, 6, photo.shape).astype(np.float32)
    image = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8))
    return image.filter(ImageFilter.GaussianBlur(1.2))


def test_reads_a_list_photographed_at_an_angle_in_a_shadow(render, make_bytes, order_lines):
    photo = phone_photo(render(order_lines))
    result = read_image(make_bytes(photo, "JPEG", quality=55))
    assert result.lines == order_lines
    assert result.confidence is not None and result.confidence > 0.8


def test_reads_a_longer_list_with_numbering_and_bullets(render, make_bytes):
    lines = ["order for tomorrow", "1. chini 25 kg", "2. chamal 50 kg", "- masoor 10 kg",
             "- tata salt 10 pkt", "- dhara 1 ltr 12 btl"]
    photo = phone_photo(render(lines), tilt=0.1)
    assert read_image(make_bytes(photo, "JPEG", quality=60)).lines == [
        "order for tomorrow", "chini 25 kg", "chamal 50 kg", "masoor 10 kg", "tata salt 10 pkt",
        "dhara 1 ltr 12 btl"]


def test_reads_an_upside_down_photo(render, make_bytes, order_lines):
    photo = phone_photo(render(order_lines), shadow=False).rotate(180)
    assert read_image(make_bytes(photo, "JPEG", quality=70)).lines == order_lines


def test_catalog_words_are_accepted(render, make_bytes):
    catalog = Catalog.from_products([
        ProductSpec(sku="RICE-JEERA", name="Jeera Masino Rice", base_unit="kg",
                    aliases=("jeera masino",)),
        ProductSpec(sku="RICE-BASMATI", name="Basmati Rice", base_unit="kg")])
    photo = phone_photo(render(["jeera masino 1 bora", "basmati 10 kg"]), shadow=False)
    assert read_image(make_bytes(photo, "JPEG", quality=70), catalog=catalog).lines == [
        "jeera masino 1 bora", "basmati 10 kg"]


def test_models_ship_in_the_wheel_and_nothing_is_fetched(monkeypatch, render, make_bytes,
                                                         order_lines):
    folder = ppocr.models_dir()
    assert folder is not None and folder.parent.name == "rapidocr"
    assert "site-packages" in Path(folder).parts

    def no_network(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("OCR tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert read_image(make_bytes(render(order_lines), "PNG")).lines == order_lines


def test_without_the_models_tesseract_alone_reads_clean_lists(monkeypatch, render, make_bytes,
                                                              order_lines):
    monkeypatch.setattr(ppocr, "available", lambda: False)
    result = read_image(make_bytes(render(order_lines), "PNG"))
    assert result.lines == order_lines and result.engine == "tesseract"


def _line_through(image: Image.Image, line: int, start: int, size: int = 44,
                  below: bool = False) -> Image.Image:
    """Draw a pen stroke over list line `line` of a rendered list, from x=`start` on:
    through the middle of its letters (struck out), or under them (underlined)."""
    image = image.copy()
    y = 60 + line * int(size * 1.6) + (int(size * 1.05) if below else int(size * 0.6))
    ImageDraw.Draw(image).line([(start, y), (start + 3 * size, y + 3)], fill=(20, 20, 60),
                               width=4)
    return image


def test_a_word_struck_out_by_hand_is_left_out(render, make_bytes):
    lines = ["chini 10 kg tel", "dal 5 kg"]
    page = render(lines)
    start = 60 + int(_text_width("chini 10 kg "))
    photo = phone_photo(_line_through(page, 0, start), shadow=False)
    assert read_image(make_bytes(photo, "JPEG", quality=70)).lines == ["chini 10 kg",
                                                                        "dal 5 kg"]


def test_an_underlined_word_is_kept(render, make_bytes):
    lines = ["chini 10 kg tel", "dal 5 kg"]
    page = render(lines)
    start = 60 + int(_text_width("chini 10 kg "))
    photo = phone_photo(_line_through(page, 0, start, below=True), shadow=False)
    assert read_image(make_bytes(photo, "JPEG", quality=70)).lines == lines


def _text_width(text: str, size: int = 44) -> float:
    return ImageFont.load_default(size=size).getlength(text)
