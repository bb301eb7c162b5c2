"""Sniffing and safe decoding of uploads: every bad input becomes UnreadableImage."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from parsers.ocr import read_image
from parsers.ocr.images import MAX_PIXELS, UnreadableImage, load_image, sniff_image_type


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                           ("WEBP", "image/webp"), ("PDF", "application/pdf")])
def test_sniffs_each_type(list_image, make_bytes, fmt, mime):
    assert sniff_image_type(make_bytes(list_image, fmt)) == mime


def test_sniffs_heic_when_pillow_heif_is_there(list_image, make_bytes):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    try:
        data = make_bytes(list_image, "HEIF")
    except (KeyError, OSError, ValueError) as exc:
        pytest.skip(f"this pillow-heif build cannot encode HEIF: {exc}")
    assert sniff_image_type(data) == "image/heic"
    assert load_image(data).size == list_image.size


@pytest.mark.parametrize("data", [b"", b"hello, this is text", b"GIF89a....", b"\x00" * 64])
def test_unknown_bytes_are_not_sniffed(data):
    assert sniff_image_type(data) is None


def test_zero_bytes_are_refused():
    with pytest.raises(UnreadableImage) as caught:
        load_image(b"")
    assert caught.value.reason == "empty"


def test_truncated_jpeg_is_refused(list_image, make_bytes):
    data = make_bytes(list_image, "JPEG")
    with pytest.raises(UnreadableImage) as caught:
        load_image(data[: len(data) // 2])
    assert caught.value.reason == "truncated"


def test_text_file_renamed_jpg_is_refused(tmp_path: Path):
    fake = tmp_path / "order.jpg"
    fake.write_text("chini 10 kg\nmaggi 2 peti\n", encoding="utf-8")
    with pytest.raises(UnreadableImage) as caught:
        read_image(fake)
    assert caught.value.reason == "not_an_image"


def test_missing_file_is_refused(tmp_path: Path):
    with pytest.raises(UnreadableImage):
        read_image(tmp_path / "nope.jpg")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb's signature."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * 16  # a few real rows; the claim is what matters
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(row * 4)) + _png_chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [7_000, 12_000])  # 49 MP warns in Pillow, 144 MP errors
def test_decompression_bomb_png_is_refused(side):
    assert side * side > MAX_PIXELS
    with pytest.raises(UnreadableImage) as caught:
        load_image(_png_claiming(side, side))
    assert caught.value.reason == "too_large"


def test_real_compressed_bomb_is_refused_before_decoding(make_bytes):
    # 9000 x 9000 one-bit pixels compress to a few kilobytes but would decode to 81 MP.
    bomb = make_bytes(Image.new("1", (9_000, 9_000), 1), "PNG", optimize=True)
    assert len(bomb) < 200_000
    with pytest.raises(UnreadableImage) as caught:
        load_image(bomb)
    assert caught.value.reason == "too_large"


def test_huge_dimension_is_refused(make_bytes):
    strip = make_bytes(Image.new("L", (30_000, 2), 255), "PNG")
    with pytest.raises(UnreadableImage) as caught:
        load_image(strip)
    assert caught.value.reason == "too_large"


def test_global_pixel_limit_is_restored(list_image, make_bytes):
    before = Image.MAX_IMAGE_PIXELS
    load_image(make_bytes(list_image, "PNG"))
    assert Image.MAX_IMAGE_PIXELS == before


def test_broken_pdf_is_refused():
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    with pytest.raises(UnreadableImage) as caught:
        load_image(b"%PDF-1.4\n%broken and cut off")
    assert caught.value.reason == "truncated"


def test_pdf_first_page_is_rendered(render, make_bytes):
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    first = render(["chini 10 kg", "maggi 2 peti"]).convert("RGB")
    second = render(["this page is not read"]).convert("RGB")
    pdf = make_bytes(first, "PDF", save_all=True, append_images=[second], resolution=100)
    page = load_image(pdf)
    assert page.width > 100 and page.height > 100
    result = read_image(pdf)
    assert "chini 10 kg" in result.lines
    assert "not read" not in result.text


def test_transparent_png_is_read_on_white(render, make_bytes):
    rgba = render(["chini 10 kg"]).convert("RGBA")
    # Ink only, background fully transparent, as some apps export screenshots.
    rgba.putalpha(rgba.convert("L").point(lambda v: 255 if v < 128 else 0))
    assert "chini 10 kg" in read_image(make_bytes(rgba, "PNG")).lines
