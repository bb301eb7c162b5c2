"""Benchmark: OCR + parse of one photographed order list, on one core.

    python bench/bench_ocr.py [--images DIR] [--hard-images DIR] [--repeat N]

Prints `bench NAME VALUE UNIT` lines (shared/spec/CONTRACT.md):
    bench ocr_p50_s, bench ocr_p95_s          OCR + parse per clean photo (1600 px long side)
    bench ocr_hard_p50_s, bench ocr_hard_p95_s   the same per hard phone photo, as sent
    bench ocr_decode_p50_s                    same-run baseline: decode + greyscale only
    bench ocr_vs_decode_ratio                 p50 of the first over p50 of the baseline
The clean photos are the shared dev images scaled to 1600 px; the hard ones (handwriting,
angle, shadow, WhatsApp recompression) are timed as they are. Without shared/ a few lists
are drawn instead so the clean figures still exist; the hard ones are then left out.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LONG_SIDE = 1600


def _pin_to_one_core() -> None:
    # The target is per photo on one core: keep Tesseract's OpenMP and OpenCV single-threaded
    # and pin this process (and the tesseract children it starts) to one CPU.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import cv2

    cv2.setNumThreads(1)


def _as_sent(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(folder.glob("*.jpg"))] if folder.is_dir() else []


def _photos(folder: Path) -> list[bytes]:
    paths = sorted(folder.glob("*.jpg")) if folder.is_dir() else []
    images = [Image.open(path).convert("RGB") for path in paths] or _drawn_lists()
    return [_as_jpeg(_scale(image)) for image in images]


def _scale(image: Image.Image) -> Image.Image:
    factor = LONG_SIDE / max(image.size)
    return image.resize((round(image.width * factor), round(image.height * factor)))


def _as_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _drawn_lists() -> list[Image.Image]:
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default(size=48)
    lists = [["chini 10 kg", "dhara tel 2 peti", "maggi 5 packet"],
             ["2 bora chamal", "dal 5 kg", "tata salt 10 pkt", "coke 500ml x 24"]]
    images = []
    for lines in lists * 5:
        image = Image.new("RGB", (1600, 1000), (235, 232, 220))
        draw = ImageDraw.Draw(image)
        for index, line in enumerate(lines):
            draw.text((120, 150 + index * 90), line, fill=(30, 30, 40), font=font)
        images.append(image.rotate(3, fillcolor=(90, 80, 70)))
    return images


def _time(function: Callable[[bytes], None], items: list[bytes], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            function(item)
            timings.append(time.perf_counter() - started)
    return timings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    """Time OCR + parse against decode-only on the same photos and print the bench lines."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--images", type=Path, default=ROOT.parent / "shared/eval/images-dev")
    ap.add_argument("--hard-images", type=Path,
                    default=ROOT.parent / "shared/eval/images-hard-dev")
    ap.add_argument("--catalog", type=Path, default=ROOT / "data" / "catalog")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    _pin_to_one_core()

    from parsers import parse
    from parsers.catalog import Catalog
    from parsers.ocr import read_image
    from parsers.ocr.images import load_image

    catalog = Catalog.load_dir(args.catalog)
    photos = _photos(args.images)
    hard = _as_sent(args.hard_images)
    read_image(photos[0], catalog=catalog)  # warm the caches and the models once

    def ocr_and_parse(data: bytes) -> None:
        parse(read_image(data, catalog=catalog).text, catalog)

    def decode(data: bytes) -> None:
        load_image(data).convert("L")

    full = _time(ocr_and_parse, photos, args.repeat)
    base = _time(decode, photos, args.repeat)
    p50, base_p50 = statistics.median(full), statistics.median(base)
    print(f"bench ocr_p50_s {p50:.3f} s")
    print(f"bench ocr_p95_s {_percentile(full, 0.95):.3f} s")
    if hard:
        hard_times = _time(ocr_and_parse, hard, args.repeat)
        print(f"bench ocr_hard_p50_s {statistics.median(hard_times):.3f} s")
        print(f"bench ocr_hard_p95_s {_percentile(hard_times, 0.95):.3f} s")
    print(f"bench ocr_decode_p50_s {base_p50:.4f} s")
    print(f"bench ocr_vs_decode_ratio {p50 / base_p50:.1f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
