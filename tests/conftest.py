"""Shared fixtures: a copy of the tiny corpus, an index built from it, and an API client."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.integrity import write_checksums
from indexer.pause import PAUSE_ENV, Phase
from indexer.posting_arrays import EXTENSION as POSTING_ARRAYS_EXTENSION
from indexer.settings import Settings
from indexer.storage import current_generation, open_current
from search_api.http.app import create_app

TEST_CORPUS = Path(__file__).parent / "corpus"
# A made-up admin token for tests (not a secret).
ADMIN_TOKEN = "test-admin-token-0123456789"  # noqa: S105


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A private copy of the tiny test corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(TEST_CORPUS, target)
    return target


@pytest.fixture
def index_dir(tmp_path: Path, corpus_dir: Path) -> Path:
    """An index folder holding one generation built from the tiny corpus."""
    target = tmp_path / "index"
    build_index(corpus_dir, target)
    return target


@pytest.fixture
def settings(corpus_dir: Path, index_dir: Path) -> Settings:
    """Settings pointing at the tiny corpus and its index."""
    return Settings(corpus_dir=corpus_dir, index_dir=index_dir)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An HTTP client for the app, with its lifespan run."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def write_article(folder: Path, name: str, text: str | bytes) -> Path:
    """Write one article file below `folder` and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def stored_documents(index_dir: Path) -> dict[str, tuple[str, str]]:
    """Each document of the live generation: its id with its title and content hash."""
    _, index = open_current(index_dir)
    with index.searcher() as searcher:
        return {
            fields["id"]: (fields["title"], fields["content_hash"])
            for fields in searcher.all_stored_fields()
        }


def run_medsearch(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `medsearch` command in a fresh process and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "search_api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def start_paused_index(
    phase: Phase, ready_file: Path, *args: str, output: int | None = subprocess.PIPE
) -> subprocess.Popen[str]:
    """Start `medsearch index ARGS` and return once it is paused at `phase` (indexer.pause)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "search_api.cli", "index", *args],
        stdout=output,
        stderr=output,
        text=True,
        env={**os.environ, PAUSE_ENV: f"{phase}={ready_file}"},
    )
    deadline = time.monotonic() + 120
    while not ready_file.exists():
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the indexer ended before {phase}: {process.returncode} {err}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the indexer did not reach {phase} in 120 s")
        time.sleep(0.01)
    return process


def search_body(client: TestClient, q: str, **params: Any) -> dict[str, Any]:
    """GET /search, assert it answered 200, and return the JSON body."""
    response = client.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def result_ids(body: dict[str, Any]) -> list[str]:
    """The article ids of a search response's results, in rank order."""
    return [hit["id"] for hit in body["results"]]


def strip_posting_arrays(index_dir: Path) -> None:
    """Delete the current generation's posting arrays files, as in an index written before them."""
    generation = current_generation(index_dir)
    assert generation is not None
    folder = index_dir / generation
    for path in folder.glob(f"*{POSTING_ARRAYS_EXTENSION}"):
        path.unlink()
    write_checksums(folder)
