"""Google Cloud Vision engine (OCR_ENGINE=google), through the official client over REST.

REST rather than gRPC: it goes through ordinary HTTPS proxies, and a test can stand in for
the service with a small HTTP server (GOOGLE_VISION_ENDPOINT=http://127.0.0.1:PORT).
"""

from __future__ import annotations

import io
import os
from typing import Any

from PIL import Image

from parsers.ocr.preprocess import to_gray

DEFAULT_ENDPOINT = "vision.googleapis.com"
TIMEOUT_S = 20.0
# Vision reads photos as they are; only shrink them so uploads stay small and quick.
MAX_UPLOAD_SIDE = 2000


class VisionError(RuntimeError):
    """Cloud Vision answered with an error or could not be reached."""


def recognise(image: Image.Image) -> tuple[list[str], float | None]:
    """Return the text lines Cloud Vision finds in `image` and its mean confidence."""
    from google.api_core import exceptions as api_exceptions
    from google.cloud import vision

    client = _client(vision)
    request = vision.AnnotateImageRequest(
        image=vision.Image(content=_encode(image)),
        features=[vision.Feature(type_=vision.Feature.Type.DOCUMENT_TEXT_DETECTION)],
        image_context=vision.ImageContext(language_hints=["en", "ne", "hi"]),
    )
    try:
        batch = client.batch_annotate_images(requests=[request], timeout=TIMEOUT_S)
    except api_exceptions.GoogleAPICallError as exc:
        raise VisionError(str(exc)) from exc
    response = batch.responses[0]
    if response.error.message:
        raise VisionError(response.error.message)
    annotation = response.full_text_annotation
    text = annotation.text or (response.text_annotations[0].description
                               if response.text_annotations else "")
    return text.splitlines(), _mean_confidence(annotation)


def _client(vision: Any) -> Any:  # the google.cloud.vision module, imported lazily
    from google.auth.credentials import AnonymousCredentials
    from google.auth.exceptions import DefaultCredentialsError

    options: dict[str, str] = {
        "api_endpoint": os.environ.get("GOOGLE_VISION_ENDPOINT", DEFAULT_ENDPOINT)}
    api_key = os.environ.get("GOOGLE_API_KEY")
    if api_key:
        options["api_key"] = api_key
        return vision.ImageAnnotatorClient(transport="rest", client_options=options)
    # Without a key, fall back to Application Default Credentials when they exist and to
    # anonymous ones otherwise (a local stand-in for the service needs none).
    try:
        return vision.ImageAnnotatorClient(transport="rest", client_options=options)
    except DefaultCredentialsError:
        return vision.ImageAnnotatorClient(transport="rest", client_options=options,
                                           credentials=AnonymousCredentials())


def _encode(image: Image.Image) -> bytes:
    gray = Image.fromarray(to_gray(image))
    gray.thumbnail((MAX_UPLOAD_SIDE, MAX_UPLOAD_SIDE))
    buffer = io.BytesIO()
    gray.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _mean_confidence(annotation: Any) -> float | None:  # a TextAnnotation protobuf message
    scores = [block.confidence for page in annotation.pages for block in page.blocks
              if block.confidence]
    return sum(scores) / len(scores) if scores else None
