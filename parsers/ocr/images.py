"""Recognise and safely decode the images buyers send (photos, screenshots, PDFs).

Everything that can go wrong while decoding untrusted bytes is turned into one exception,
`UnreadableImage`, whose `reason` is a short code the conversation layer can map to a reply.
"""

from __future__ import annotations

import io
import shutil
import subprocess  # noqa: S404 - only pdftoppm, with a fixed argument list and no shell
import tempfile
import warnings
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

# A WhatsApp photo is at most a few megapixels; 40 MP leaves room for scans while refusing
# decompression bombs long before they exhaust memory.
MAX_PIXELS = 40_000_000
# Refuse absurd sides even under the pixel budget (a 1 x 30M strip is no order list).
MAX_SIDE = 20_000
PDF_TIMEOUT_S = 15
PDF_DPI = 150

REASONS = ("empty", "not_an_image", "too_large", "truncated", "unsupported")


class UnreadableImage(Exception):  # noqa: N818 - the name says what the caller gets
    """The bytes are not an image this service can read; `reason` is one of REASONS."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _heif_available() -> bool:
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        return False
    return True


_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc", b"hevx"}


def _looks_like_heif(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def sniff_image_type(data: bytes) -> str | None:
    """Return the MIME type the magic bytes of `data` announce, or None when unknown."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if _looks_like_heif(head):
        return "image/heic" if _heif_available() else None
    if head.lstrip()[:5] == b"%PDF-":
        return "application/pdf"
    return None


def load_image(data: bytes) -> Image.Image:
    """Decode `data` into a fully loaded PIL image or raise UnreadableImage.

    PDFs yield their first page. Pixel limits are checked before decoding so a small file
    that claims to be huge never allocates its full size.
    """
    if not data:
        raise UnreadableImage("empty")
    kind = sniff_image_type(data)
    if kind is None and _looks_like_heif(data[:32]):
        raise UnreadableImage("unsupported", "HEIC support (pillow-heif) is not installed")
    if kind is None:
        raise UnreadableImage("not_an_image", "unknown magic bytes")
    if kind == "application/pdf":
        return _decode(_render_pdf_first_page(data))
    if kind == "image/heic":
        _register_heif()
    return _decode(data)


def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def _decode(data: bytes) -> Image.Image:
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that; turn the warning into an
    # error so every bomb is refused the same way.
    previous_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _open_and_load(data)
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit


def _open_and_load(data: bytes) -> Image.Image:
    # A truncated photo must be refused, not half-decoded into grey: keep Pillow strict
    # even if some other module relaxed the global flag.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image = Image.open(io.BytesIO(data))
        _check_size(image.size)
        image.load()
    except UnreadableImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableImage("too_large", str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise UnreadableImage("not_an_image", str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports a short read as OSError("image file is truncated ...") and broken
        # headers as SyntaxError/ValueError; all of them mean the upload is incomplete.
        raise UnreadableImage("truncated", str(exc)) from exc
    except MemoryError as exc:
        raise UnreadableImage("too_large", "out of memory") from exc
    return image


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise UnreadableImage("not_an_image", "zero-sized image")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise UnreadableImage("too_large", f"{width}x{height}")


def _render_pdf_first_page(data: bytes) -> bytes:
    """Rasterise page 1 of a PDF with poppler's pdftoppm into PNG bytes."""
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise UnreadableImage("unsupported", "pdftoppm is not installed")
    with tempfile.TemporaryDirectory(prefix="ocr-pdf-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(data)
        target = Path(tmp) / "page"
        # -scale-to caps the raster so a PDF with a giant MediaBox cannot become a bomb.
        args = [binary, "-png", "-r", str(PDF_DPI), "-scale-to", "3000", "-f", "1", "-l", "1",
                "-singlefile", str(source), str(target)]
        try:
            subprocess.run(args, check=True, capture_output=True,  # noqa: S603 - fixed argv
                           timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            raise UnreadableImage("too_large", "pdf rendering timed out") from exc
        except subprocess.CalledProcessError as exc:
            raise UnreadableImage("truncated", exc.stderr.decode(errors="replace")[:200]) from exc
        page = target.with_suffix(".png")
        if not page.exists():
            raise UnreadableImage("truncated", "pdf has no pages")
        return page.read_bytes()
