"""Updates told which files changed (`update_index(changed=...)`, `medsearch index FILE...`):
only those files are looked at, and the index ends where a scan of the corpus would take it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from indexer.articles import corpus_files, list_corpus, list_given, load_article, path_of
from indexer.build import build_index, update_index
from indexer.errors import NotAnArticleError
from indexer.manifest import MANIFEST_FILE, read_manifest
from indexer.merging import MAX_SMALL_SEGMENTS
from indexer.schema import article_from_stored, article_to_document
from indexer.storage import current_generation, open_current
from tests.conftest import run_medsearch, stored_documents, write_article


def _manifest_rows(index_dir: Path) -> dict[str, tuple[int, int, str]]:
    generation = current_generation(index_dir)
    assert generation is not None
    manifest = read_manifest(index_dir / generation)
    assert manifest is not None
    files = manifest.files
    return {
        article_id: (files.sizes[row], files.mtimes_ns[row], files.sha256[row])
        for row, article_id in enumerate(files.ids)
    }


def _retitle(corpus_dir: Path, name: str, title: str) -> Path:
    path = corpus_dir / name
    text = path.read_text(encoding="utf-8")
    old_title = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(old_title, f"title: {title}"), encoding="utf-8")
    return path


def test_update_index_given_files_adds_updates_and_deletes_them(
    corpus_dir: Path, index_dir: Path
) -> None:
    added = write_article(corpus_dir, "new/riboflavin.md", "---\ntitle: Riboflavin\n---\nB2.\n")
    edited = _retitle(corpus_dir, "migraine-basics.md", "Migraine, the basics")
    gone = corpus_dir / "tension-type-headache.md"
    gone.unlink()
    report = update_index(corpus_dir, index_dir, changed=[added, edited, gone])
    assert (report.mode, report.generation) == ("incremental", "gen-000002")
    assert (report.added, report.updated, report.deleted) == (
        ["new/riboflavin"],
        ["migraine-basics"],
        ["tension-type-headache"],
    )
    assert (report.unchanged, report.documents) == (5, 7)
    stored = stored_documents(index_dir)
    assert stored["migraine-basics"][0] == "Migraine, the basics"
    assert stored["new/riboflavin"][0] == "Riboflavin"
    assert "tension-type-headache" not in stored


def test_update_index_given_files_looks_at_nothing_else(corpus_dir: Path, index_dir: Path) -> None:
    given = _retitle(corpus_dir, "migraine-basics.md", "Given")
    _retitle(corpus_dir, "cluster-headache-oxygen.md", "Not given")
    report = update_index(corpus_dir, index_dir, changed=[given])
    assert (report.updated, report.unchanged) == (["migraine-basics"], 6)
    assert stored_documents(index_dir)["cluster-headache-oxygen"][0] != "Not given"
    # The next scan of the corpus finds what nobody told the index about.
    assert update_index(corpus_dir, index_dir).updated == ["cluster-headache-oxygen"]


def test_update_index_given_files_end_where_a_full_build_does(
    corpus_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    changed = [
        write_article(corpus_dir, "zinc.md", "---\ntitle: Zinc\n---\nZinc and colds.\n"),
        _retitle(corpus_dir, "headaches-in-pregnancy.md", "Pregnancy and headaches"),
        corpus_dir / "unsafe-markup.md",
    ]
    changed[2].unlink()
    update_index(corpus_dir, index_dir, changed=changed)
    full = tmp_path / "full"
    build_index(corpus_dir, full)
    assert stored_documents(index_dir) == stored_documents(full)
    assert _manifest_rows(index_dir) == _manifest_rows(full)
    # A scan afterwards agrees that nothing is left to do.
    assert update_index(corpus_dir, index_dir).changed is False


def test_update_index_given_an_unchanged_file_writes_nothing(
    corpus_dir: Path, index_dir: Path
) -> None:
    report = update_index(corpus_dir, index_dir, changed=[corpus_dir / "migraine-basics.md"])
    assert (report.changed, report.generation, report.unchanged) == (False, "gen-000001", 7)


def test_update_index_given_a_file_that_turned_bad_deletes_its_article(
    corpus_dir: Path, index_dir: Path
) -> None:
    bad = write_article(corpus_dir, "migraine-basics.md", "---\ntitle: [unclosed\n---\nBody\n")
    report = update_index(corpus_dir, index_dir, changed=[bad])
    assert report.deleted == ["migraine-basics"]
    assert [(error.path, error.field) for error in report.skipped] == [(bad, "front matter")]
    assert "migraine-basics" not in _manifest_rows(index_dir)


def test_update_index_given_files_without_an_index_builds_everything(
    corpus_dir: Path, tmp_path: Path
) -> None:
    report = update_index(corpus_dir, tmp_path / "index", changed=[corpus_dir / "x.md"])
    assert (report.mode, report.indexed) == ("full", 7)


def test_update_index_refuses_a_given_file_that_is_no_article(
    corpus_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    outside = write_article(tmp_path, "elsewhere.md", "---\ntitle: Elsewhere\n---\n")
    cases = {
        outside: "is outside the corpus folder",
        corpus_dir / "notes.txt": "is not a Markdown file",
        corpus_dir / ".drafts" / "draft.md": "is hidden (a name starts with '.')",
        corpus_dir / "nested": "is not a Markdown file",
    }
    for path, reason in cases.items():
        with pytest.raises(NotAnArticleError) as caught:
            update_index(corpus_dir, index_dir, changed=[path])
        assert caught.value.message == (
            f"{path} {reason}; give Markdown (.md) files inside {corpus_dir}"
        )
    assert current_generation(index_dir) == "gen-000001"


def test_list_given_takes_relative_paths_and_names_each_file_once(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(corpus_dir.parent)
    path = Path("corpus/nested/deep/jaw-pain.md")
    stat = path.stat()
    listed, missing = list_given([path, path.absolute(), Path("corpus/gone.md")], Path("corpus"))
    assert listed == [("nested/deep/jaw-pain", stat.st_size, stat.st_mtime_ns)]
    assert missing == ["gone"]


def test_list_corpus_lists_what_corpus_files_lists_with_each_stat(corpus_dir: Path) -> None:
    write_article(corpus_dir, ".hidden/secret.md", "---\ntitle: Hidden\n---\n")
    write_article(corpus_dir, "a/b.md", "---\ntitle: B\n---\n")
    write_article(corpus_dir, "a.md", "---\ntitle: A\n---\n")
    (corpus_dir / "linked.md").symlink_to(corpus_dir / "a.md")
    expected = [
        (path.relative_to(corpus_dir).with_suffix("").as_posix(), stat.st_size, stat.st_mtime_ns)
        for path, stat in ((path, path.stat()) for path in corpus_files(corpus_dir))
    ]
    assert list_corpus(corpus_dir) == expected
    # Sorted path by path, part by part: ("a", "b.md") before ("a.md",).
    assert [row[0] for row in expected][:3] == ["a/b", "a", "botox-for-chronic-migraine"]
    assert "linked" in [row[0] for row in expected]


def test_update_index_rebuilds_over_a_manifest_of_the_old_format(
    corpus_dir: Path, index_dir: Path
) -> None:
    path = index_dir / "gen-000001" / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    files = manifest["files"]
    # Format 1 kept an object per file, keyed by id.
    manifest["format"] = 1
    manifest["files"] = {
        article_id: {"size": size, "mtime_ns": mtime_ns, "sha256": digest}
        for article_id, size, mtime_ns, digest in zip(
            files["ids"], files["sizes"], files["mtimes_ns"], files["sha256"], strict=True
        )
    }
    path.write_text(json.dumps(manifest))
    report = update_index(corpus_dir, index_dir)
    assert (report.mode, report.reason, report.indexed) == (
        "full",
        "gen-000001's manifest of indexed files is of another version",
        7,
    )


def test_cli_index_given_files_updates_only_them(corpus_dir: Path, index_dir: Path) -> None:
    edited = _retitle(corpus_dir, "migraine-basics.md", "Migraine, the basics")
    done = run_medsearch(
        "index", "--corpus", str(corpus_dir), "--index", str(index_dir), str(edited)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"updated {edited}"
    assert done.stdout.splitlines()[1].startswith("added 0, updated 1, deleted 0, unchanged 6, ")


def test_cli_index_refuses_given_files_with_full_or_check(
    corpus_dir: Path, index_dir: Path
) -> None:
    for flag in ("--full", "--check"):
        done = run_medsearch(
            "index", flag, "--corpus", str(corpus_dir), "--index", str(index_dir), "x.md"
        )
        assert (done.returncode, done.stderr) == (
            2,
            f"error: {flag} looks at the whole corpus; give no ARTICLE with it\n",
        )


def test_cli_index_names_a_given_file_that_is_no_article(corpus_dir: Path, index_dir: Path) -> None:
    done = run_medsearch(
        "index", "--corpus", str(corpus_dir), "--index", str(index_dir), os.devnull
    )
    assert (done.returncode, done.stderr) == (
        1,
        f"error: {os.devnull} is outside the corpus folder; "
        f"give Markdown (.md) files inside {corpus_dir}\n",
    )


def test_update_index_drops_a_segment_whose_articles_were_all_updated_again(
    corpus_dir: Path, index_dir: Path
) -> None:
    def segments() -> list[tuple[int, int]]:
        _, index = open_current(index_dir)
        return sorted((s.doc_count_all(), s.deleted_count()) for s in index._segments())

    first = _retitle(corpus_dir, "migraine-basics.md", "First edit")
    update_index(corpus_dir, index_dir, changed=[first])
    assert segments() == [(1, 0), (7, 1)]
    second = _retitle(corpus_dir, "migraine-basics.md", "Second edit")
    update_index(corpus_dir, index_dir, changed=[second])
    # The first edit's segment held only the article edited again: dropped, not merged.
    assert segments() == [(1, 0), (7, 1)]
    assert stored_documents(index_dir)["migraine-basics"][0] == "Second edit"


def test_article_from_stored_gives_back_the_indexed_document(
    corpus_dir: Path, index_dir: Path
) -> None:
    _, index = open_current(index_dir)
    with index.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            article = load_article(path_of(fields["id"], corpus_dir), corpus_dir)
            assert article_to_document(article_from_stored(fields)) == article_to_document(article)


def test_update_index_folds_small_segments_into_the_next_one(
    corpus_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    names = sorted(path.name for path in corpus_dir.glob("*.md"))
    sizes: list[list[int]] = []
    for number, name in enumerate(names):
        edited = _retitle(corpus_dir, name, f"Edit {number}")
        update_index(corpus_dir, index_dir, changed=[edited])
        _, index = open_current(index_dir)
        sizes.append(sorted(segment.doc_count_all() for segment in index._segments()))
    # One segment per update until more than MAX_SMALL_SEGMENTS are small (the first build's
    # seven articles count as small); then they are all folded into the update's own.
    assert sizes[MAX_SMALL_SEGMENTS - 1] == [1] * MAX_SMALL_SEGMENTS + [7]
    assert sizes[MAX_SMALL_SEGMENTS] == [7]
    full = tmp_path / "full"
    build_index(corpus_dir, full)
    assert stored_documents(index_dir) == stored_documents(full)
