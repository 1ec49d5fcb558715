"""Search insights: a query is shown only once enough different clients typed it that day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from indexer.settings import Settings
from search_api.http.app import create_app
from search_api.http.insights import Insights, normalise
from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def with_insights(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with insights in a file of their own and the admin API on."""
    return settings.model_copy(
        update={"insights": tmp_path / "insights.sqlite", "admin_token": SecretStr(ADMIN_TOKEN)}
    )


@pytest.fixture
def app(with_insights: Settings) -> FastAPI:
    """One app (one process's key for hashing) for the readers and the admin."""
    return create_app(with_insights)


@pytest.fixture
def admin(app: FastAPI) -> Iterator[TestClient]:
    """A client for the admin routes, with the app's lifespan run."""
    with TestClient(app) as client:
        yield client


def search_from(app: FastAPI, client_address: str, q: str, page: int = 1) -> None:
    """One search as a reader at `client_address` sends it."""
    reader = TestClient(app, client=(client_address, 50000))
    assert reader.get("/search", params={"q": q, "page": page}).status_code == 200


def insights(admin: TestClient) -> dict[str, Any]:
    """GET /admin/insights."""
    response = admin.get("/admin/insights", headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_insights_show_a_query_only_from_the_fifth_client_on(
    app: FastAPI, with_insights: Settings, admin: TestClient
) -> None:
    for number in range(1, 5):
        search_from(app, f"10.0.0.{number}", "Migraine  AURA")
        search_from(app, f"10.0.0.{number}", "xylophone")
    # One client asking many times is still one client.
    for _ in range(6):
        search_from(app, "10.0.0.1", "botox")
    assert insights(admin) == {
        "days": 7,
        "min_clients": 5,
        "top_queries": [],
        "zero_result_queries": [],
    }
    # Below the threshold the text is nowhere in the file, only keyed hashes.
    stored = with_insights.insights.read_bytes()  # type: ignore[union-attr]
    assert b"aura" not in stored
    assert b"xylophone" not in stored
    assert b"10.0.0" not in stored

    search_from(app, "10.0.0.5", "migraine aura")
    search_from(app, "10.0.0.5", "Xylophone")
    assert insights(admin)["top_queries"] == [
        {"query": "migraine aura", "searches": 5},
        {"query": "xylophone", "searches": 5},
    ]
    assert insights(admin)["zero_result_queries"] == [{"query": "xylophone", "searches": 5}]


def test_insights_count_first_pages_only_and_clients_by_network(
    app: FastAPI, admin: TestClient
) -> None:
    for number in range(1, 5):
        search_from(app, f"10.0.1.{number}", "aura")
    # A later page of the same search is not another search; IPv6 addresses of one /64 are
    # one client (as for the rate limit).
    search_from(app, "10.0.1.9", "aura", page=2)
    search_from(app, "2001:db8::1", "aura")
    search_from(app, "2001:db8::2", "aura")
    assert insights(admin)["top_queries"] == [{"query": "aura", "searches": 6}]


def test_insights_forget_yesterdays_clients(tmp_path: Path) -> None:
    day = [dt.date(2026, 12, 3)]
    counted = Insights(tmp_path / "i.sqlite", 2, b"k" * 32, today=lambda: day[0])
    counted.record("aura", "10.0.0.1", 1)
    day[0] = dt.date(2026, 12, 4)
    counted.record("aura", "10.0.0.2", 1)
    # Two clients, but on two days: not shown, and yesterday's hashes are gone.
    assert counted.report(7).top_queries == []
    counted.record("aura", "10.0.0.3", 1)
    assert [(q.query, q.searches) for q in counted.report(7).top_queries] == [("aura", 2)]
    assert [(q.query, q.searches) for q in counted.report(1).top_queries] == [("aura", 2)]


def test_insights_are_off_and_admin_only(settings: Settings, admin: TestClient) -> None:
    assert admin.get("/admin/insights").status_code == 401
    with_admin = settings.model_copy(update={"admin_token": SecretStr(ADMIN_TOKEN)})
    with TestClient(create_app(with_admin)) as client:
        off = client.get("/admin/insights", headers=AUTH)
    assert (off.status_code, off.json()) == (
        404,
        {"detail": "Search insights are off; set MEDSEARCH_INSIGHTS to a file."},
    )


def test_insights_normalise_case_spaces_and_unicode() -> None:
    assert normalise("  Migraine\tAURA ") == "migraine aura"
    # Full-width letters, as some phone keyboards type them.
    assert normalise("\uff2d\uff29\uff27\uff32\uff21\uff29\uff2e\uff25") == "migraine"
