"""The admin API: bearer-token guard, status, and background reindex with a 409 when busy."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from indexer.build import update_index
from indexer.errors import EmptyCorpusError
from indexer.locks import WriterLock
from indexer.settings import Settings
from search_api.http.app import create_app
from tests.conftest import ADMIN_TOKEN, write_article

TOKEN = ADMIN_TOKEN
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def admin(corpus_dir: Path, index_dir: Path) -> Iterator[TestClient]:
    """A client for an app with the admin API switched on."""
    settings = Settings(corpus_dir=corpus_dir, index_dir=index_dir, admin_token=SecretStr(TOKEN))
    with TestClient(create_app(settings)) as client:
        yield client


def _wait_for_idle(client: TestClient, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        status: dict[str, Any] = client.get("/admin/status", headers=AUTH).json()
        if status["running"] is None or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_admin_routes_do_not_exist_without_a_token(client: TestClient) -> None:
    assert client.get("/admin/status", headers=AUTH).status_code == 404
    assert client.post("/admin/reindex", headers=AUTH).status_code == 404
    assert not any(
        path.startswith("/admin") for path in client.get("/openapi.json").json()["paths"]
    )


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Send the admin token as `Authorization: Bearer TOKEN`."),
        (
            {"Authorization": f"Basic {TOKEN}"},
            "Send the admin token as `Authorization: Bearer TOKEN`.",
        ),
        ({"Authorization": "Bearer"}, "Send the admin token as `Authorization: Bearer TOKEN`."),
        ({"Authorization": "Bearer wrong-token-0123456789"}, "The admin token is not valid."),
        ({"Authorization": f"Bearer {TOKEN}x"}, "The admin token is not valid."),
    ],
)
def test_admin_rejects_requests_without_the_token(
    admin: TestClient, headers: dict[str, str], detail: str
) -> None:
    for response in (
        admin.get("/admin/status", headers=headers),
        admin.post("/admin/reindex", headers=headers),
    ):
        assert response.status_code == 401
        assert response.json() == {"detail": detail}
        assert response.headers["www-authenticate"] == "Bearer"


def test_admin_never_logs_the_token(admin: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        admin.get("/admin/status", headers=AUTH)
        admin.get("/admin/status", headers={"Authorization": f"Bearer {TOKEN}-wrong"})
    assert TOKEN not in caplog.text


def test_admin_status_reports_the_index_and_the_last_build(
    admin: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    response = admin.get("/admin/status", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("generation", "documents", "corpus_dir", "index_dir")} == {
        "generation": "gen-000001",
        "documents": 7,
        "corpus_dir": str(corpus_dir.resolve()),
        "index_dir": str(index_dir.resolve()),
    }
    assert body["running"] is None
    last = body["last_build"]
    assert (last["result"], last["mode"], last["added"], last["errors"]) == (
        "succeeded",
        "full",
        7,
        [],
    )


def test_admin_status_shows_why_the_last_build_failed(
    admin: TestClient, tmp_path: Path, index_dir: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EmptyCorpusError):
        update_index(empty, index_dir)
    last = admin.get("/admin/status", headers=AUTH).json()["last_build"]
    message = f"nothing to index in {empty}: no .md files were found; the index was not changed"
    assert (last["result"], last["errors"], last["summary"]) == ("failed", [message], message)


def test_admin_reindex_runs_in_the_background_and_status_follows_it(
    admin: TestClient, corpus_dir: Path
) -> None:
    write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nVitamin B2.\n")
    write_article(corpus_dir, "no-title.md", "---\ndate: 2020-01-01\n---\nBody\n")
    response = admin.post("/admin/reindex", headers=AUTH)
    assert response.status_code == 202
    assert response.headers["location"] == "/admin/status"
    assert response.json()["mode"] == "incremental"
    status = _wait_for_idle(admin)
    last = status["last_build"]
    assert last["pid"] == response.json()["pid"]
    assert (last["result"], last["added"], last["skipped"], last["generation"]) == (
        "succeeded",
        1,
        1,
        "gen-000002",
    )
    assert last["errors"] == [
        f"{corpus_dir.resolve() / 'no-title.md'}: title: missing; add `title:` to the front "
        "matter or a `# Heading` to the body"
    ]
    assert status["generation"] == "gen-000002"
    assert admin.get("/search", params={"q": "riboflavin"}).json()["total"] == 1


def test_admin_reindex_full_rebuilds(admin: TestClient) -> None:
    response = admin.post("/admin/reindex", headers=AUTH, params={"full": "true"})
    assert response.status_code == 202
    last = _wait_for_idle(admin)["last_build"]
    assert (last["mode"], last["result"], last["generation"]) == ("full", "succeeded", "gen-000002")


def test_admin_reindex_given_articles_updates_only_them(
    admin: TestClient, corpus_dir: Path
) -> None:
    write_article(corpus_dir, "new/riboflavin.md", "---\ntitle: Riboflavin\n---\nVitamin B2.\n")
    write_article(corpus_dir, "zinc.md", "---\ntitle: Zinc\n---\nZinc lozenges.\n")
    (corpus_dir / "migraine-basics.md").unlink()
    response = admin.post(
        "/admin/reindex",
        headers=AUTH,
        params=[("article", "new/riboflavin.md"), ("article", "migraine-basics.md")],
    )
    assert response.status_code == 202
    last = _wait_for_idle(admin)["last_build"]
    assert (last["result"], last["added"], last["deleted"], last["unchanged"]) == (
        "succeeded",
        1,
        1,
        6,
    )
    assert admin.get("/search", params={"q": "riboflavin"}).json()["total"] == 1
    # Not named, so not indexed yet.
    assert admin.get("/search", params={"q": "zinc"}).json()["total"] == 0


def test_admin_reindex_refuses_articles_it_would_not_index(
    admin: TestClient, corpus_dir: Path
) -> None:
    root = corpus_dir.resolve()
    cases = [
        ({"article": "../elsewhere.md"}, f"{root / '../elsewhere.md'} is outside"),
        ({"article": "notes.txt"}, f"{root / 'notes.txt'} is not a Markdown file"),
        ({"article": ".drafts/x.md"}, f"{root / '.drafts/x.md'} is hidden"),
    ]
    for params, start in cases:
        response = admin.post("/admin/reindex", headers=AUTH, params=params)
        assert response.status_code == 400
        assert response.json()["detail"].startswith(start)
    response = admin.post(
        "/admin/reindex", headers=AUTH, params={"article": "zinc.md", "full": "true"}
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "a full rebuild looks at the whole corpus; give no article with full=true"},
    )
    assert admin.get("/admin/status", headers=AUTH).json()["generation"] == "gen-000001"


def test_admin_reindex_while_an_update_runs_is_409(admin: TestClient, index_dir: Path) -> None:
    with WriterLock.acquire(index_dir):
        response = admin.post("/admin/reindex", headers=AUTH)
    assert response.status_code == 409
    assert response.json() == {"detail": f"another index update is running in {index_dir}"}


def test_settings_admin_token_must_be_long_and_blank_means_off() -> None:
    with pytest.raises(ValidationError, match="must be at least 16 characters"):
        Settings.from_env({"MEDSEARCH_ADMIN_TOKEN": "secret"})
    assert Settings.from_env({"MEDSEARCH_ADMIN_TOKEN": " "}).admin_token is None
    assert TOKEN not in repr(Settings(admin_token=SecretStr(TOKEN)))
