"""Media storage: bytes in, a key out. Local files under MEDIA_ROOT by default, S3 when
MEDIA_STORAGE=s3 (S3_BUCKET, S3_ENDPOINT_URL). Callers keep only the key.

    key = store(data, "image/jpeg", "inbound")   # -> "inbound/2024/06/ab12....jpg"
    data = open(key)
    link = url(key)   # a presigned link on S3; None for local files (serve them via open())
"""
from __future__ import annotations

import mimetypes
import uuid
from pathlib import Path
from typing import Any, Protocol

from flask import current_app

from market.db import utcnow


class MediaError(ValueError):
    """A key that does not name a stored object, or data refused by the store."""


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def link(self, key: str) -> str | None: ...


def _safe_key(key: str) -> str:
    parts = key.split("/")
    # Keys are made here, but they come back from rows and URLs: refuse anything that climbs.
    if not key or key.startswith("/") or any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise MediaError(f"{key!r} is not a media key")
    return key


class LocalStorage:
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # readers never see half a file

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise MediaError(f"{key!r} is not stored")
        return path.read_bytes()

    def link(self, key: str) -> str | None:
        return None


class S3Storage:
    def __init__(self, bucket: str, endpoint_url: str | None) -> None:
        import boto3

        self.bucket = bucket
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=_safe_key(key), Body=data,
                               ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=_safe_key(key))
        except self.client.exceptions.NoSuchKey:
            raise MediaError(f"{key!r} is not stored") from None
        return obj["Body"].read()

    def link(self, key: str) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": _safe_key(key)}, ExpiresIn=600)


def storage() -> Storage:
    """The store the current app is configured for (made once per app)."""
    app = current_app
    found = app.extensions.get("media_storage")
    if found is None:
        if app.config.get("MEDIA_STORAGE") == "s3":
            if not app.config.get("S3_BUCKET"):
                raise RuntimeError("MEDIA_STORAGE=s3 needs S3_BUCKET")
            found = S3Storage(app.config["S3_BUCKET"], app.config.get("S3_ENDPOINT_URL"))
        else:
            found = LocalStorage(app.config["MEDIA_ROOT"])
        app.extensions["media_storage"] = found
    return found


def store(data: bytes, content_type: str, prefix: str) -> str:
    """Keep `data` and return its new key, under `prefix` (a word like "inbound")."""
    limit = current_app.config.get("MEDIA_MAX_BYTES")
    if limit and len(data) > int(limit):
        raise MediaError(f"{len(data)} bytes is more than the {limit} allowed")
    ext = mimetypes.guess_extension(content_type or "") or ".bin"
    now = utcnow()
    key = f"{_safe_key(prefix)}/{now:%Y/%m}/{uuid.uuid4().hex}{ext}"
    storage().put(key, data, content_type or "application/octet-stream")
    return key


def open(key: str) -> bytes:  # noqa: A001 - the interface other modules call
    """The bytes stored under `key`; MediaError if there are none."""
    return storage().get(key)


def url(key: str) -> str | None:
    """A link a browser may fetch directly, when the store offers one."""
    return storage().link(key)


__all__ = ["MediaError", "open", "store", "storage", "url"]
