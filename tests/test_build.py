"""Full builds: counts, skipped files, and the live index surviving failed or interrupted builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.errors import CorpusNotFoundError, EmptyCorpusError, StrictModeError
from indexer.locks import ReaderLease
from indexer.storage import (
    BUILD_PREFIX,
    current_generation,
    generation_dirs,
    open_current,
    remove_unused_generations,
)
from tests.conftest import write_article


def _ids(index_dir: Path) -> set[str]:
    _, index = open_current(index_dir)
    with index.searcher() as searcher:
        return {fields["id"] for fields in searcher.all_stored_fields()}


def _leftovers(index_dir: Path) -> list[Path]:
    return list(index_dir.glob(f"{BUILD_PREFIX}*"))


def test_build_index_indexes_every_article(corpus_dir: Path, tmp_path: Path) -> None:
    report = build_index(corpus_dir, tmp_path / "index")
    assert (report.indexed, report.skipped, report.generation) == (7, [], "gen-000001")
    assert "nested/deep/jaw-pain" in _ids(tmp_path / "index")


def test_build_index_skips_bad_articles_and_counts_them(corpus_dir: Path, tmp_path: Path) -> None:
    write_article(corpus_dir, "no-title.md", "---\ndate: 2020-01-01\n---\nBody\n")
    write_article(corpus_dir, "latin1.md", b"---\ntitle: Caf\xe9\n---\n")
    report = build_index(corpus_dir, tmp_path / "index")
    assert report.indexed == 7
    assert sorted((e.path.name, e.field) for e in report.skipped) == [
        ("latin1.md", "encoding"),
        ("no-title.md", "title"),
    ]
    assert report.summary().startswith("indexed 7 article(s), skipped 2, in ")
    assert report.summary().endswith(
        "; live generation: gen-000001 (7 documents); full build because it was asked for"
    )


def test_build_index_strict_keeps_old_index(corpus_dir: Path, index_dir: Path) -> None:
    write_article(corpus_dir, "no-title.md", "---\ndate: 2020-01-01\n---\nBody\n")
    (corpus_dir / "migraine-basics.md").unlink()
    with pytest.raises(StrictModeError):
        build_index(corpus_dir, index_dir, strict=True)
    assert current_generation(index_dir) == "gen-000001"
    assert "migraine-basics" in _ids(index_dir)
    assert _leftovers(index_dir) == []


def test_build_index_interrupted_keeps_old_index(corpus_dir: Path, index_dir: Path) -> None:
    (corpus_dir / "migraine-basics.md").unlink()

    def interrupt(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(corpus_dir, index_dir, on_progress=interrupt)
    assert current_generation(index_dir) == "gen-000001"
    assert "migraine-basics" in _ids(index_dir)
    assert _leftovers(index_dir) == []


def test_build_index_rebuild_publishes_new_generation(corpus_dir: Path, index_dir: Path) -> None:
    write_article(corpus_dir, "new.md", "---\ntitle: Brand new\n---\nFresh text.\n")
    (corpus_dir / "migraine-basics.md").unlink()
    assert build_index(corpus_dir, index_dir).generation == "gen-000002"
    ids = _ids(index_dir)
    assert "new" in ids
    assert "migraine-basics" not in ids


def test_build_index_removes_generations_nobody_reads(corpus_dir: Path, index_dir: Path) -> None:
    build_index(corpus_dir, index_dir)
    build_index(corpus_dir, index_dir)
    assert [p.name for p in generation_dirs(index_dir)] == ["gen-000003"]


def test_build_index_keeps_generations_a_reader_leases(corpus_dir: Path, index_dir: Path) -> None:
    lease = ReaderLease.take(index_dir / "gen-000001")
    assert lease is not None
    build_index(corpus_dir, index_dir)
    assert [p.name for p in generation_dirs(index_dir)] == ["gen-000001", "gen-000002"]
    lease.release()
    assert remove_unused_generations(index_dir) == ["gen-000001"]
    assert [p.name for p in generation_dirs(index_dir)] == ["gen-000002"]


def test_build_index_empty_corpus_changes_nothing(tmp_path: Path, index_dir: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EmptyCorpusError, match=r"no \.md files were found"):
        build_index(empty, index_dir)
    assert current_generation(index_dir) == "gen-000001"


def test_build_index_missing_corpus_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError):
        build_index(tmp_path / "nope", tmp_path / "index")
    assert not (tmp_path / "index").exists()
