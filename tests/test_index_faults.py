"""Index faults: damaged files, a vanished folder, a full disk: clear errors, nothing half-live."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.integrity import CHECKSUMS_FILE
from indexer.settings import Settings
from indexer.storage import BUILD_PREFIX, current_generation, generation_dirs
from search_api.http.app import create_app
from tests.conftest import write_article


def _segment(generation_dir: Path) -> Path:
    [segment] = generation_dir.glob("*.seg")
    return segment


def _truncate(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def _overwrite_middle(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.seek(path.stat().st_size // 2)
        handle.write(b"\xde\xad\xbe\xef" * 16)


DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (_truncate, "(truncated or overwritten)"),
    "overwritten": (_overwrite_middle, "does not match its checksum (corrupted)"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_only_generation_is_503_with_reason(index_dir: Path, damage: str) -> None:
    harm, reason = DAMAGES[damage]
    segment = _segment(index_dir / "gen-000001")
    harm(segment)
    with TestClient(create_app(Settings(index_dir=index_dir))) as client:
        health = client.get("/health")
        search = client.get("/search", params={"q": "botox"})
    assert health.status_code == 503
    assert health.json()["index_loaded"] is False
    assert f"gen-000001: {segment.name} " in health.json()["detail"]
    assert reason in health.json()["detail"]
    assert (search.status_code, search.json()) == (503, {"detail": health.json()["detail"]})


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_new_generation_keeps_last_good_one_live(
    client: TestClient, corpus_dir: Path, index_dir: Path, damage: str
) -> None:
    assert client.get("/search", params={"q": "botox"}).json()["total"] == 2
    write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nVitamin B2.\n")
    build_index(corpus_dir, index_dir)
    DAMAGES[damage][0](_segment(index_dir / "gen-000002"))
    search = client.get("/search", params={"q": "botox"})
    health = client.get("/health").json()
    assert (search.status_code, search.json()["total"]) == (200, 2)
    assert client.get("/search", params={"q": "riboflavin"}).json()["total"] == 0
    assert (health["status"], health["generation"]) == ("ok", "gen-000001")
    assert health["detail"].startswith(f"the index in {index_dir} cannot be opened (gen-000002: ")


def test_missing_index_file_is_reported(index_dir: Path) -> None:
    segment = _segment(index_dir / "gen-000001")
    segment.unlink()
    with TestClient(create_app(Settings(index_dir=index_dir))) as client:
        health = client.get("/health")
    assert health.status_code == 503
    assert f"gen-000001: {segment.name} is missing" in health.json()["detail"]


def test_generation_without_checksums_still_opens(client: TestClient, index_dir: Path) -> None:
    (index_dir / "gen-000001" / CHECKSUMS_FILE).unlink()
    with TestClient(create_app(Settings(index_dir=index_dir))) as fresh:
        assert fresh.get("/search", params={"q": "botox"}).json()["total"] == 2


def test_index_folder_deleted_while_serving_keeps_open_searchers_answering(
    client: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    assert client.get("/search", params={"q": "botox"}).json()["total"] == 2
    shutil.rmtree(index_dir)
    # The pooled searcher holds the generation's files open: it goes on answering from them.
    assert client.get("/search", params={"q": "botox"}).json()["total"] == 2
    assert client.get("/health").status_code == 200
    build_index(corpus_dir, index_dir)
    assert client.get("/search", params={"q": "botox"}).json()["total"] == 2


def test_index_folder_deleted_before_any_search_is_503_with_reason(index_dir: Path) -> None:
    with TestClient(create_app(Settings(index_dir=index_dir))) as client:
        shutil.rmtree(index_dir)
        health = client.get("/health")
        search = client.get("/search", params={"q": "botox"})
    assert health.status_code == 503
    assert "gen-000001: its files are missing or unreadable" in health.json()["detail"]
    assert (search.status_code, search.json()) == (503, {"detail": health.json()["detail"]})


def _limit_file_size() -> None:
    # A portable stand-in for a full disk: writes past 16 KiB fail with EFBIG (File too large)
    # instead of killing the process with SIGXFSZ, just as ENOSPC fails them on a full disk.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))


def test_cli_index_on_full_disk_exits_1_and_changes_nothing(
    corpus_dir: Path, index_dir: Path
) -> None:
    write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nVitamin B2.\n")
    more = ["--index", str(index_dir), "--full"]
    result = subprocess.run(
        [sys.executable, "-m", "search_api.cli", "index", "--corpus", str(corpus_dir), *more],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"error: cannot write the index in {index_dir}: File too large; the index was not changed\n"
    )
    assert current_generation(index_dir) == "gen-000001"
    assert [p.name for p in generation_dirs(index_dir)] == ["gen-000001"]
    assert list(index_dir.glob(f"{BUILD_PREFIX}*")) == []
