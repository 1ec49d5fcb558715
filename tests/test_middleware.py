"""Security headers on every response, and nothing internal in error responses."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from indexer.settings import Settings
from search_api.http.app import create_app
from search_api.http.middleware import API_POLICY, DOCS_POLICY, PAGE_POLICY

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _app_with_test_routes(settings: Settings) -> FastAPI:
    app = create_app(settings)

    def page() -> HTMLResponse:
        return HTMLResponse("<!doctype html><p>hello</p>")

    def own_policy() -> HTMLResponse:
        return HTMLResponse("<p>x</p>", headers={"Content-Security-Policy": "default-src 'self'"})

    def broken() -> None:
        raise RuntimeError("secret internal detail /srv/medsearch/index")

    app.add_api_route("/test-page", page)
    app.add_api_route("/test-own-policy", own_policy)
    app.add_api_route("/test-broken", broken)
    return app


def test_security_headers_on_api_responses(client: TestClient) -> None:
    for response in (
        client.get("/search", params={"q": "botox"}),
        client.get("/search", params={"q": ""}),
        client.get("/nope"),
        client.get("/health"),
    ):
        assert {name: response.headers.get(name) for name in COMMON} == COMMON
        assert response.headers["content-security-policy"] == API_POLICY
        assert response.headers["x-frame-options"] == "DENY"
        assert "server" not in response.headers


def test_security_headers_on_html_pages(settings: Settings) -> None:
    with TestClient(_app_with_test_routes(settings)) as client:
        page = client.get("/test-page")
        docs = client.get("/docs")
        own = client.get("/test-own-policy")
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert "script-src 'self';" in PAGE_POLICY
    assert "unsafe-inline" not in PAGE_POLICY
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert docs.headers["content-security-policy"] == DOCS_POLICY
    assert own.headers["content-security-policy"] == "default-src 'self'"
    assert "x-frame-options" not in own.headers


def test_search_page_allows_only_its_own_scripts(client: TestClient) -> None:
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "server" not in page.headers


def test_unexpected_error_is_500_without_internals(settings: Settings) -> None:
    with TestClient(_app_with_test_routes(settings), raise_server_exceptions=False) as client:
        response = client.get("/test-broken")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error; it has been logged."}
    assert "secret" not in response.text
    assert "Traceback" not in response.text
