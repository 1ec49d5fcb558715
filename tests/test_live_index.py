"""The served index: switches to new generations, lets readers finish, and frees old ones."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.build import update_index
from indexer.storage import CURRENT_FILE, generation_dirs
from search_api.whoosh_engine.live.live_index import LiveIndex
from tests.conftest import write_article


@pytest.fixture
def live(index_dir: Path) -> Iterator[LiveIndex]:
    """A LiveIndex on the tiny corpus's index that frees old generations quickly."""
    live_index = LiveIndex(index_dir, retire_grace=0.05)
    yield live_index
    live_index.close()


def _generations_after(index_dir: Path, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while len(generation_dirs(index_dir)) > 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    return [path.name for path in generation_dirs(index_dir)]


def test_live_index_switches_while_an_open_searcher_finishes_on_the_old_generation(
    live: LiveIndex, corpus_dir: Path, index_dir: Path
) -> None:
    with live.searcher() as old:
        assert live.generation == "gen-000001"
        (corpus_dir / "tension-type-headache.md").unlink()
        write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nB2.\n")
        update_index(corpus_dir, index_dir)
        with live.searcher() as new:
            assert live.generation == "gen-000002"
            assert new.document(id="riboflavin") is not None
            assert new.document(id="tension-type-headache") is None
        time.sleep(0.2)
        # Still leased by the open searcher, so still on disk and readable.
        assert old.document(id="tension-type-headache") is not None
        assert old.document(id="riboflavin") is None
        assert [p.name for p in generation_dirs(index_dir)] == ["gen-000001", "gen-000002"]
    assert _generations_after(index_dir, 10) == ["gen-000002"]


def test_live_index_keeps_serving_when_a_new_generation_is_broken(
    live: LiveIndex, index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert live.current()[0] == "gen-000001"
    # Published but empty, as if someone deleted its files.
    (index_dir / "gen-000002").mkdir()
    (index_dir / CURRENT_FILE).write_text("gen-000002\n")
    with caplog.at_level(logging.ERROR, logger="medsearch"):
        for _ in range(3):
            with live.searcher() as searcher:
                assert searcher.document(id="migraine-basics") is not None
    assert live.generation == "gen-000001"
    assert [r.getMessage().split(";")[-1] for r in caplog.records] == [" still serving gen-000001"]


def test_live_index_close_releases_every_lease(live: LiveIndex, index_dir: Path) -> None:
    live.current()
    write_article(index_dir.parent / "corpus", "riboflavin.md", "---\ntitle: R\n---\nB2.\n")
    update_index(index_dir.parent / "corpus", index_dir)
    live.close()
    # Nobody leases gen-000002's predecessor any more, so the next writer removes it.
    update_index(index_dir.parent / "corpus", index_dir, full=True)
    assert [p.name for p in generation_dirs(index_dir)] == ["gen-000003"]
