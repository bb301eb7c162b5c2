"""Fixtures for the OCR tests: order lists rendered in the test, and their encodings."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw, ImageFont


def render_list(lines: list[str], size: int = 44) -> Image.Image:
    """Draw `lines` black on white like a neat printed list, with margins."""
    font = ImageFont.load_default(size=size)
    width = 60 + max(int(font.getlength(line)) for line in lines) + 60
    height = 60 + len(lines) * int(size * 1.6) + 60
    image = Image.new("RGB", (max(width, 400), height), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((60, 60 + index * int(size * 1.6)), line, fill=(20, 20, 30), font=font)
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    """Serialise `image` as `fmt` bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture
def order_lines() -> list[str]:
    """A short Latin order list, one item a line."""
    return ["chini 10 kg", "dhara tel 2 peti", "maggi 5 packet"]


@pytest.fixture
def list_image(order_lines: list[str]) -> Image.Image:
    """The order list rendered as a clean image."""
    return render_list(order_lines)


@pytest.fixture
def make_bytes() -> Callable[..., bytes]:
    """Encode an image into bytes of a given format."""
    return encode


@pytest.fixture
def render() -> Callable[..., Image.Image]:
    """Render any list of lines into an image."""
    return render_list
