"""The request log: one JSON line per request, private by default, never holding credentials."""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bench.server import running_server
from indexer.settings import Settings
from search_api.http.access_log import ACCESS_LOGGER
from search_api.http.app import create_app

SECRET = "tok-3f9c2a7d1e-5b8e4c0a"  # noqa: S105 - a made-up token the logs must not show


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS_LOGGER]


def test_access_log_one_private_line_per_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    client.get("/search", params={"q": "botox"})
    client.get("/search", params={"q": ""})
    lines = _lines(caplog)
    assert [set(line) for line in lines] == [{"time", "method", "path", "status", "ms", "hits"}] * 2
    assert [(r["method"], r["path"], r["status"], r["hits"]) for r in lines] == [
        ("GET", "/search", 200, 2),
        ("GET", "/search", 400, None),
    ]
    assert all(isinstance(line["ms"], float) for line in lines)
    assert "botox" not in caplog.text


def test_access_log_with_log_queries_adds_query_and_client(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    with TestClient(create_app(settings.model_copy(update={"log_queries": True}))) as client:
        client.get("/search", params={"q": "jaw pain"})
    [line] = _lines(caplog)
    assert (line["query"], line["client"], line["hits"]) == ("q=jaw+pain", "testclient", 2)


def test_logs_never_hold_the_admin_token(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with_admin = Settings(
        corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, admin_token=SecretStr(SECRET)
    )
    headers = {"Authorization": f"Bearer {SECRET}"}
    wrong = {"Authorization": f"Bearer {SECRET}-wrong"}
    with TestClient(create_app(with_admin)) as client:
        statuses = [
            client.post("/admin/reindex", headers=headers).status_code,
            client.get("/admin/status", headers=headers).status_code,
            client.get("/admin/status", headers=wrong).status_code,
            client.get("/search", params={"q": "botox"}, headers=headers).status_code,
        ]
    assert statuses == [202, 200, 401, 200]
    assert [line["status"] for line in _lines(caplog)] == statuses
    assert SECRET not in caplog.text


def _wait_for_last_build(url: str, auth: dict[str, str]) -> dict[str, Any]:
    """Poll /admin/status until no update runs; return the last build's record."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        request = urllib.request.Request(f"{url}/admin/status", headers=auth)
        with urllib.request.urlopen(request, timeout=10) as response:
            status: dict[str, Any] = json.load(response)
        if status["running"] is None:
            return dict(status["last_build"])
        time.sleep(0.1)
    raise AssertionError("the update did not finish within 60 s")


def test_serve_process_logs_json_lines_and_hides_server(
    corpus_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    env = {"MEDSEARCH_ADMIN_TOKEN": SECRET, "MEDSEARCH_CORPUS_DIR": str(corpus_dir)}
    auth = {"Authorization": f"Bearer {SECRET}"}
    with running_server(index_dir, tmp_path, env=env) as server:
        search = urllib.request.Request(f"{server.url}/search?q=migraine", headers=auth)
        reindex = urllib.request.Request(f"{server.url}/admin/reindex", headers=auth, method="POST")
        with urllib.request.urlopen(search, timeout=10) as response:
            headers = {name.lower(): value for name, value in response.getheaders()}
            assert response.status == 200
        with urllib.request.urlopen(reindex, timeout=10) as response:
            assert response.status == 202
        finished = _wait_for_last_build(server.url, auth)
    assert finished["result"] == "succeeded"
    assert "server" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    # Every line of stdout is a request: the indexer's summary went to stderr.
    records = [json.loads(line) for line in server.log_lines()]
    polls = ("/health", "/admin/status")
    assert [
        (r["method"], r["path"], r["status"], r["hits"]) for r in records if r["path"] not in polls
    ] == [
        ("GET", "/search", 200, 2),
        ("POST", "/admin/reindex", 202, None),
    ]
    assert finished["summary"] in server.stderr.read_text()
    output = server.stdout.read_text() + server.stderr.read_text()
    assert "migraine" not in output
    assert SECRET not in output
    assert "Traceback" not in output
