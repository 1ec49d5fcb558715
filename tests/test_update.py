"""Incremental updates: what changed is applied, nothing else is written, and the result matches
a full build."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from indexer.build import build_index, update_index
from indexer.errors import StrictModeError
from indexer.locks import ReaderLease
from indexer.manifest import MANIFEST_FILE
from indexer.status import BuildRecord, BuildStatus, read_status
from indexer.storage import (
    BUILD_PREFIX,
    CURRENT_FILE,
    REMOVING_PREFIX,
    current_generation,
    generation_dirs,
)
from tests.conftest import stored_documents, write_article

NEW_ARTICLE = "---\ntitle: Riboflavin for migraine\n---\nVitamin B2 may prevent attacks.\n"


def _snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file below `folder` with its inode, mtime and content digest."""
    return {
        str(path.relative_to(folder)): (
            path.stat().st_ino,
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _edit(corpus_dir: Path) -> None:
    """Add one article, change one, delete one."""
    write_article(corpus_dir, "riboflavin.md", NEW_ARTICLE)
    basics = corpus_dir / "migraine-basics.md"
    basics.write_text(basics.read_text().replace("Migraine basics", "Migraine, the basics"))
    (corpus_dir / "tension-type-headache.md").unlink()


def test_update_index_first_run_is_a_full_build(corpus_dir: Path, tmp_path: Path) -> None:
    report = update_index(corpus_dir, tmp_path / "index")
    assert (report.mode, report.reason, report.generation) == (
        "full",
        "there was no index yet",
        "gen-000001",
    )
    assert (report.indexed, report.documents, report.changed) == (7, 7, True)


def test_update_index_applies_added_changed_and_deleted_files(
    corpus_dir: Path, index_dir: Path
) -> None:
    _edit(corpus_dir)
    report = update_index(corpus_dir, index_dir)
    assert (report.mode, report.generation, report.documents) == ("incremental", "gen-000002", 7)
    assert (report.added, report.updated, report.deleted) == (
        ["riboflavin"],
        ["migraine-basics"],
        ["tension-type-headache"],
    )
    assert (report.unchanged, report.skipped) == (5, [])
    assert report.summary().startswith("added 1, updated 1, deleted 1, unchanged 5, skipped 0, in ")
    stored = stored_documents(index_dir)
    assert set(stored) == {
        "botox-for-chronic-migraine",
        "cluster-headache-oxygen",
        "headaches-in-pregnancy",
        "migraine-basics",
        "nested/deep/jaw-pain",
        "riboflavin",
        "unsafe-markup",
    }
    assert stored["migraine-basics"][0] == "Migraine, the basics"
    assert stored["riboflavin"][0] == "Riboflavin for migraine"


def test_update_index_with_nothing_changed_writes_nothing(
    corpus_dir: Path, index_dir: Path
) -> None:
    generation = index_dir / "gen-000001"
    before = _snapshot(generation)
    report = update_index(corpus_dir, index_dir)
    assert (report.changed, report.generation, report.unchanged) == (False, "gen-000001", 7)
    assert report.summary().startswith("no changes: 7 unchanged, 0 skipped, in ")
    assert report.summary().endswith("gen-000001 (7 documents), no new generation")
    assert _snapshot(generation) == before
    assert [p.name for p in generation_dirs(index_dir)] == ["gen-000001"]
    assert list(index_dir.glob(f"{BUILD_PREFIX}*")) == []


def test_update_index_ignores_a_touched_but_unchanged_file(
    corpus_dir: Path, index_dir: Path
) -> None:
    path = corpus_dir / "migraine-basics.md"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    report = update_index(corpus_dir, index_dir)
    assert (report.changed, report.unchanged) == (False, 7)


def test_update_index_catches_an_edit_that_kept_size_and_mtime(
    corpus_dir: Path, tmp_path: Path
) -> None:
    # Written within a timestamp tick of the last scan, so size and mtime are not trusted.
    path = write_article(corpus_dir, "migraine-basics.md", "---\ntitle: Migraine basics\n---\n")
    update_index(corpus_dir, tmp_path / "index")
    stat = path.stat()
    path.write_text("---\ntitle: Migraine BASICS\n---\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    report = update_index(corpus_dir, tmp_path / "index")
    assert report.updated == ["migraine-basics"]
    assert stored_documents(tmp_path / "index")["migraine-basics"][0] == "Migraine BASICS"


def test_update_index_ends_where_a_full_build_does(corpus_dir: Path, tmp_path: Path) -> None:
    incremental = tmp_path / "incremental"
    update_index(corpus_dir, incremental)
    _edit(corpus_dir)
    update_index(corpus_dir, incremental)
    write_article(corpus_dir, "nested/deep/jaw-pain.md", "---\ntitle: Jaw pain, again\n---\nTMJ.\n")
    (corpus_dir / "riboflavin.md").unlink()
    write_article(corpus_dir, "tension-type-headache.md", "---\ntitle: Tension back\n---\nNeck.\n")
    update_index(corpus_dir, incremental)
    full = tmp_path / "full"
    build_index(corpus_dir, full)
    assert stored_documents(incremental) == stored_documents(full)
    assert current_generation(incremental) == "gen-000003"


def test_update_index_leaves_the_live_generations_files_alone(
    corpus_dir: Path, index_dir: Path
) -> None:
    lease = ReaderLease.take(index_dir / "gen-000001")
    assert lease is not None
    before = _snapshot(index_dir / "gen-000001")
    _edit(corpus_dir)
    update_index(corpus_dir, index_dir)
    assert _snapshot(index_dir / "gen-000001") == before
    # Segment files are shared through hard links, not copied.
    shared = {
        name
        for name, (inode, _, _) in _snapshot(index_dir / "gen-000002").items()
        if name.endswith(".seg") and before.get(name, (None,))[0] == inode
    }
    assert shared != set()
    lease.release()


def test_update_index_deletes_an_article_whose_file_turned_bad(
    corpus_dir: Path, index_dir: Path
) -> None:
    bad = write_article(corpus_dir, "migraine-basics.md", "---\ntitle: [unclosed\n---\nBody\n")
    report = update_index(corpus_dir, index_dir)
    assert report.deleted == ["migraine-basics"]
    assert [(e.path, e.field) for e in report.skipped] == [(bad, "front matter")]
    assert "migraine-basics" not in stored_documents(index_dir)


def test_update_index_reports_a_bad_file_on_every_run(corpus_dir: Path, index_dir: Path) -> None:
    write_article(corpus_dir, "no-title.md", "---\ndate: 2020-01-01\n---\nBody\n")
    first = update_index(corpus_dir, index_dir)
    second = update_index(corpus_dir, index_dir)
    assert [e.field for e in first.skipped] == [e.field for e in second.skipped] == ["title"]
    assert (first.changed, second.changed) == (False, False)


def test_update_index_strict_keeps_the_index(corpus_dir: Path, index_dir: Path) -> None:
    write_article(corpus_dir, "no-title.md", "---\ndate: 2020-01-01\n---\nBody\n")
    write_article(corpus_dir, "riboflavin.md", NEW_ARTICLE)
    with pytest.raises(StrictModeError):
        update_index(corpus_dir, index_dir, strict=True)
    assert current_generation(index_dir) == "gen-000001"
    assert "riboflavin" not in stored_documents(index_dir)
    assert list(index_dir.glob(f"{BUILD_PREFIX}*")) == []


def test_update_index_rebuilds_when_the_schema_changed(corpus_dir: Path, index_dir: Path) -> None:
    manifest_path = index_dir / "gen-000001" / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["schema_fingerprint"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    report = update_index(corpus_dir, index_dir)
    assert (report.mode, report.reason, report.indexed) == (
        "full",
        "the schema changed since gen-000001 was built",
        7,
    )


def test_update_index_rebuilds_a_generation_without_manifest(
    corpus_dir: Path, index_dir: Path
) -> None:
    (index_dir / "gen-000001" / MANIFEST_FILE).unlink()
    report = update_index(corpus_dir, index_dir)
    assert (report.mode, report.reason) == ("full", "gen-000001 has no manifest of indexed files")
    assert update_index(corpus_dir, index_dir).changed is False


def test_update_index_rebuilds_when_current_is_garbage(corpus_dir: Path, index_dir: Path) -> None:
    (index_dir / CURRENT_FILE).write_text("not a generation\n")
    report = update_index(corpus_dir, index_dir)
    assert report.mode == "full"
    assert report.reason.startswith("the live index cannot be read (CURRENT names no generation")
    assert current_generation(index_dir) == "gen-000002"


def test_update_index_cleans_up_after_a_crashed_writer(corpus_dir: Path, index_dir: Path) -> None:
    # What a writer killed at each step leaves: a build folder, a generation renamed but never
    # made current, a half-written CURRENT, an old generation half removed, a running record.
    (index_dir / f"{BUILD_PREFIX}99999-abc").mkdir()
    (index_dir / f"{BUILD_PREFIX}99999-abc" / "MAIN_x.seg").write_bytes(b"partial")
    shutil.copytree(index_dir / "gen-000001", index_dir / "gen-000002")
    (index_dir / f"{CURRENT_FILE}.99999.tmp").write_text("gen-000002")
    (index_dir / f"{REMOVING_PREFIX}gen-000000-99999").mkdir()
    dead = BuildRecord(
        result="running",
        mode="full",
        pid=2**22 + 12345,
        corpus_dir=str(corpus_dir),
        started_at="2024-05-01T10:00:00Z",  # type: ignore[arg-type]
    )
    (index_dir / "build-status.json").write_text(BuildStatus(running=dead).model_dump_json())
    status = read_status(index_dir)
    assert status.running is None
    assert status.last_build is not None
    assert status.last_build.result == "interrupted"

    write_article(corpus_dir, "riboflavin.md", NEW_ARTICLE)
    report = update_index(corpus_dir, index_dir)
    assert (report.added, report.generation) == (["riboflavin"], "gen-000002")
    assert sorted(p.name for p in index_dir.iterdir()) == [
        ".writer.lock",
        CURRENT_FILE,
        "build-status.json",
        "gen-000002",
    ]
    assert "riboflavin" in stored_documents(index_dir)


def test_update_index_rebuilds_over_a_live_segment_overwritten_in_place(
    corpus_dir: Path, index_dir: Path
) -> None:
    # Same size, new bytes: the update cannot trust the file's recorded stat and hashes it.
    segment = next((index_dir / "gen-000001").glob("*.seg"))
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    report = update_index(corpus_dir, index_dir)
    assert report.mode == "full"
    assert report.reason.startswith("the live index cannot be read (gen-000001: MAIN_")
    assert report.reason.endswith("does not match its checksum (corrupted))")
