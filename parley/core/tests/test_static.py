"""The icon at /favicon.ico, and static files as production serves them: hashed names,
compressed copies and long cache lifetimes (WhiteNoise's manifest storage)."""

import gzip

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_an_icon_and_pages_link_one(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert "max-age=86400" in response["Cache-Control"]
    page = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert client.post("/favicon.ico").status_code == 405


def test_production_storage_serves_hashed_compressed_files_cached_for_years(tmp_path):
    production = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(
        STORAGES=production,
        STATIC_ROOT=tmp_path,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command(
            "collectstatic",
            "--noinput",
            "--verbosity",
            "0",
            "--ignore",
            "admin",
            "--ignore",
            "ninja",
        )
        url = static("css/parley.css")
        assert url.startswith("/static/css/parley.") and url != "/static/css/parley.css"
        assert (tmp_path / url.removeprefix("/static/")).with_suffix(".css.gz").exists()

        client = Client()  # a new handler: WhiteNoise reads STATIC_ROOT now
        hashed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert hashed.status_code == 200
        assert hashed["Cache-Control"] == "max-age=315360000, public, immutable"
        assert hashed["Content-Encoding"] == "gzip"
        content = b"".join(hashed.streaming_content)  # type: ignore[attr-defined]
        body = gzip.decompress(content).decode()
        assert ":root" in body
        plain = client.get("/static/css/parley.css")
        assert "immutable" not in plain["Cache-Control"]  # its content can change
