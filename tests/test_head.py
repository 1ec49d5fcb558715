"""HEAD on every GET route answers as GET would, without a body (for `curl -I`, uptime checks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from indexer.settings import Settings
from search_api.http.app import create_app
from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# One request for each GET route and static mount, by its route template.
GET_REQUESTS = {
    "/": "/",
    "/read/{article_id}": "/read/migraine-basics",
    "/widget.js": "/widget.js",
    "/static": "/static/medsearch.css",
    "/docs": "/docs",
    "/docs-assets": "/docs-assets/swagger-ui.css",
    "/openapi.json": "/openapi.json",
    "/search": "/search?q=botox",
    "/articles/{article_id}": "/articles/migraine-basics",
    "/articles/{article_id}/related": "/articles/migraine-basics/related",
    "/suggest": "/suggest?q=mig",
    "/health": "/health",
    "/metrics": "/metrics",
    "/admin/status": "/admin/status",
    "/admin/": "/admin/",
    "/admin/insights": "/admin/insights",
}


@pytest.fixture
def admin_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The app with the admin API and insights on, so every route exists."""
    with_admin = settings.model_copy(
        update={"admin_token": SecretStr(ADMIN_TOKEN), "insights": tmp_path / "insights.sqlite"}
    )
    with TestClient(create_app(with_admin)) as client:
        yield client


def test_head_every_get_route_is_covered_here(admin_client: TestClient) -> None:
    schema = admin_client.get("/openapi.json").json()
    documented = {path for path, item in schema["paths"].items() if "get" in item}
    assert documented <= set(GET_REQUESTS)


@pytest.mark.parametrize("template", sorted(GET_REQUESTS))
def test_head_answers_like_get_without_a_body(admin_client: TestClient, template: str) -> None:
    url = GET_REQUESTS[template]
    got = admin_client.get(url, headers=AUTH)
    head = admin_client.head(url, headers=AUTH)
    assert (head.status_code, got.status_code) == (200, 200)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    # Two answers differ in length only where they hold a time (`took_ms`) or a count that the
    # GET itself raised (/metrics).
    if template not in ("/search", "/metrics"):
        assert int(head.headers["content-length"]) == len(got.content)
    else:
        assert int(head.headers["content-length"]) > 0
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]


def test_head_on_a_missing_article_is_404_and_post_only_routes_refuse_it(
    admin_client: TestClient,
) -> None:
    assert admin_client.head("/articles/no-such-article").status_code == 404
    assert admin_client.head("/read/no-such-article").status_code == 404
    refused = admin_client.head("/admin/reindex", headers=AUTH)
    assert refused.status_code == 405
    assert refused.content == b""
