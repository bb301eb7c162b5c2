"""The media store the admin keeps vendor documents and uploads in; the first admin."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from market import media
from market.db import db as database
from market.models import Staff
from tests.conftest import make_config


def test_local_store_round_trip_and_refuses_climbing_keys(app, tmp_path):
    app.config["MEDIA_ROOT"] = str(tmp_path)
    app.extensions.pop("media_storage", None)
    key = media.store(b"%PDF-1.4", "application/pdf", "vendor-documents")
    assert key.startswith("vendor-documents/") and key.endswith(".pdf")
    assert media.open(key) == b"%PDF-1.4"
    assert media.url(key) is None
    for bad in ("../etc/passwd", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(media.MediaError):
            media.open(bad)
    with pytest.raises(media.MediaError):
        media.open("vendor-documents/missing.pdf")
    app.config["MEDIA_MAX_BYTES"] = 4
    with pytest.raises(media.MediaError):
        media.store(b"12345", "text/plain", "x")
    app.extensions.pop("media_storage", None)


def test_first_admin_comes_from_the_environment(database_url):
    from app import create_app

    app = create_app(make_config(database_url, ADMIN_EMAIL="first@example.com",
                                 ADMIN_PASSWORD="first admin password"))
    with app.app_context():
        try:
            staff = database.session.scalar(select(Staff).where(Staff.email ==
                                                                "first@example.com"))
            assert staff is not None and staff.role == "admin"
        finally:
            database.session.execute(delete(Staff).where(Staff.email == "first@example.com"))
            database.session.commit()


def test_no_tables_yet_does_not_stop_the_app(tmp_path):
    from app import create_app

    app = create_app(make_config(f"sqlite:///{tmp_path / 'empty.db'}",
                                 ADMIN_EMAIL="a@example.com", ADMIN_PASSWORD="long password"))
    assert "admin" in app.blueprints
