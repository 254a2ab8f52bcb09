"""The web app's bundle served under /app/: files, client-side routes, caching and the CSP."""

from pathlib import Path

import pytest
from test_routes import Gateway

from interlude_gateway import webapp
from interlude_gateway.webapp import WebBundle

INDEX = b"<!doctype html><title>Interlude</title><script type=module src=/app/assets/index-abc123.js></script>"


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "manifest.webmanifest").write_text("{}")
    (tmp_path.parent / "secret.txt").write_text("outside the bundle")
    monkeypatch.setattr(webapp, "DEFAULT_WEB_DIR", tmp_path)
    return tmp_path


def test_a_client_side_route_gets_the_page(bundle: Path) -> None:
    page = WebBundle(bundle).file("todo/some-assignment")

    assert page is not None and page.content == INDEX and not page.immutable


def test_a_missing_asset_or_a_path_outside_the_bundle_is_nothing(bundle: Path) -> None:
    web = WebBundle(bundle)

    assert web.file("assets/index-missing.js") is None
    assert web.file("favicon.ico") is None
    assert web.file("../secret.txt") is None


def test_without_a_build_there_is_no_page(tmp_path: Path) -> None:
    assert WebBundle(tmp_path / "absent").file("") is None


def test_the_page_is_served_with_a_strict_content_security_policy(bundle: Path, gateway: Gateway) -> None:
    response = gateway.request("GET", "/app/")

    assert response.status_code == 200
    assert response.content == INDEX
    assert response.headers["Content-Type"].startswith("text/html")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["Cache-Control"] == "no-cache"
    assert gateway.request("GET", "/app/todo").content == INDEX


def test_hashed_assets_are_cached_for_good(bundle: Path, gateway: Gateway) -> None:
    response = gateway.request("GET", "/app/assets/index-abc123.js")

    assert response.status_code == 200
    assert "javascript" in response.headers["Content-Type"]
    assert "immutable" in response.headers["Cache-Control"]
    assert "Content-Security-Policy" not in response.headers
    assert gateway.request("GET", "/app/manifest.webmanifest").headers["Cache-Control"] == "no-cache"
    assert gateway.request("GET", "/app/assets/gone.js").status_code == 404


def test_the_data_dictionary_in_the_bundle_is_shown_as_utf8_text(bundle: Path) -> None:
    (bundle / "data-dictionary.md").write_text("# Data dictionary — columns", encoding="utf-8")

    found = WebBundle(bundle).file("data-dictionary.md")

    assert found is not None and found.content_type == "text/plain; charset=utf-8"
    assert found.content.decode("utf-8") == "# Data dictionary — columns"
