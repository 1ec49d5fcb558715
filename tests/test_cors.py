"""CORS: only origins in MEDSEARCH_CORS_ORIGINS may read the API from a browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from indexer.settings import Settings
from search_api.http.app import create_app

CLINIC = "https://clinic.example.org"


@pytest.fixture
def cors_client(settings: Settings) -> Iterator[TestClient]:
    """A client for an app that allows one origin."""
    allowed = settings.model_copy(update={"cors_origins": (CLINIC,)})
    with TestClient(create_app(allowed)) as client:
        yield client


def test_cors_preflight_from_allowed_origin_is_accepted(cors_client: TestClient) -> None:
    response = cors_client.options(
        "/search", headers={"Origin": CLINIC, "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CLINIC
    assert response.headers["access-control-allow-methods"] == "GET, HEAD"
    assert response.headers["access-control-max-age"] == "600"
    assert "Origin" in response.headers["vary"]


def test_cors_preflight_from_other_origin_is_refused_with_detail(cors_client: TestClient) -> None:
    response = cors_client.options(
        "/search",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    assert response.json() == {
        "detail": "Pages from https://elsewhere.example may not call this API; the site's "
        "operator can add the origin to MEDSEARCH_CORS_ORIGINS."
    }


def test_cors_preflight_for_a_write_method_is_refused(cors_client: TestClient) -> None:
    response = cors_client.options(
        "/search",
        headers={
            "Origin": CLINIC,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-token",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Cross-origin requests may use GET or HEAD with no custom headers; got POST "
        "with headers x-token."
    }


def test_cors_search_from_allowed_origin_carries_allow_origin(cors_client: TestClient) -> None:
    response = cors_client.get("/search", params={"q": "botox"}, headers={"Origin": CLINIC})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CLINIC
    assert response.json()["total"] == 2


def test_cors_errors_from_allowed_origin_are_readable(cors_client: TestClient) -> None:
    # A widget shows the API's `detail`, so error responses need the header too.
    response = cors_client.get("/search", params={"q": '"open'}, headers={"Origin": CLINIC})
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == CLINIC


def test_cors_search_from_other_origin_has_no_allow_origin(cors_client: TestClient) -> None:
    response = cors_client.get(
        "/search", params={"q": "botox"}, headers={"Origin": "https://elsewhere.example"}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_no_origin_by_default(client: TestClient) -> None:
    response = client.get("/search", params={"q": "botox"}, headers={"Origin": CLINIC})
    assert "access-control-allow-origin" not in response.headers
    refused = client.options(
        "/search", headers={"Origin": CLINIC, "Access-Control-Request-Method": "GET"}
    )
    assert refused.status_code == 400


def test_cors_star_allows_any_origin(settings: Settings) -> None:
    anyone = settings.model_copy(update={"cors_origins": ("*",)})
    with TestClient(create_app(anyone)) as client:
        response = client.get(
            "/search", params={"q": "botox"}, headers={"Origin": "https://a.example"}
        )
    assert response.headers["access-control-allow-origin"] == "*"
