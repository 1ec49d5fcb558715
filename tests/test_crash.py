"""`kill -9` of the indexer mid-build: the API keeps serving the last generation, the next run
cleans up."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.build import update_index
from indexer.pause import Phase
from indexer.settings import Settings
from indexer.status import read_status
from indexer.storage import BUILD_PREFIX, current_generation
from search_api.http.app import create_app
from tests.conftest import start_paused_index, write_article


@pytest.mark.parametrize("phase", ["apply", "commit", "publish"])
@pytest.mark.parametrize("flags", [["--full", "--processes", "1"], []], ids=["full", "incremental"])
def test_cli_index_killed_mid_build_leaves_the_index_served_and_recoverable(
    corpus_dir: Path, index_dir: Path, tmp_path: Path, flags: list[str], phase: Phase
) -> None:
    bulk = corpus_dir / "bulk"
    for number in range(50):
        write_article(bulk, f"a{number}.md", f"---\ntitle: Bulk {number}\n---\nWords {number}.\n")
    args = ["--corpus", str(corpus_dir), "--index", str(index_dir), *flags]
    process = start_paused_index(phase, tmp_path / "ready", *args, output=subprocess.DEVNULL)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    assert process.returncode == -signal.SIGKILL
    assert current_generation(index_dir) == "gen-000001"
    assert list(index_dir.glob(f"{BUILD_PREFIX}*")) != []
    last = read_status(index_dir).last_build
    assert last is not None
    assert (last.result, last.errors[-1]) == (
        "interrupted",
        "the indexer stopped before finishing (killed or crashed); the index was not changed",
    )
    settings = Settings(corpus_dir=corpus_dir, index_dir=index_dir)
    with TestClient(create_app(settings)) as client:
        health = client.get("/health").json()
        search = client.get("/search", params={"q": "migraine"})
    assert (health["generation"], health["documents"]) == ("gen-000001", 7)
    assert search.status_code == 200
    assert search.json()["total"] > 0

    shutil.rmtree(bulk)
    write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nB2.\n")
    report = update_index(corpus_dir, index_dir)
    assert (report.added, report.generation) == (["riboflavin"], "gen-000002")
    assert list(index_dir.glob(f"{BUILD_PREFIX}*")) == []
