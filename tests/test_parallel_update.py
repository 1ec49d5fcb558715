"""Full builds of large corpora run on several processes in `update_index`, as one writer would."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import BuildReport, update_index
from indexer.errors import StrictModeError
from indexer.integrity import CHECKSUMS_FILE
from indexer.manifest import read_manifest
from indexer.parallel import PARALLEL_MIN_ARTICLES
from indexer.settings import Settings
from indexer.status import read_status
from indexer.storage import current_generation, open_current
from search_api.http.app import create_app
from tests.conftest import run_medsearch, search_body, write_article

ARTICLES = PARALLEL_MIN_ARTICLES + 20
_VOCABULARY = (
    "migraine headache aura triptan botox nausea vertigo sleep caffeine riboflavin magnesium "
    "pregnancy oxygen cluster tension jaw dental posture screen light noise trigger diary "
    "children adults dose placebo trial relief chronic acute episodic daily weekly pain neck "
    "stress hormone estrogen menstrual vitamin diet water alcohol chocolate cheese exercise yoga "
    "acupuncture massage nerve block injection surgery emergency stroke fever stiffness vision"
)
_WORDS = _VOCABULARY.split()
_TAGS = ("migraine", "sleep", "diet", "treatment", "children", "emergency")
QUERIES = (
    "migraine",
    "chronic migraine relief",
    '"daily headache"',
    "caffeine OR chocolate",
    "botox injection trial",
    "sleep diary",
    "vitamin magnesium riboflavin dose",
    "what helps a tension headache in children",
    "migr*",
    "stroke emergency",
)


def _article(rng: random.Random, number: int) -> str:
    # Words drawn with Zipf-like weights, so term and length statistics vary as in real text.
    weights = [1 / (rank + 1) for rank in range(len(_WORDS))]
    title = " ".join(rng.choices(_WORDS, weights, k=rng.randint(2, 6))).capitalize()
    body = " ".join(rng.choices(_WORDS, weights, k=rng.randint(20, 90)))
    tags = ", ".join(rng.sample(_TAGS, rng.randint(1, 3)))
    date = f"20{10 + number % 15:02d}-0{1 + number % 9}-1{number % 9}"
    return (
        f"---\ntitle: {title} {number}\ndate: {date}\nauthor: Dr. Ada Quill\n"
        f"tags: [{tags}]\n---\n{body.capitalize()}.\n"
    )


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded corpus just large enough for a parallel full build."""
    folder = tmp_path_factory.mktemp("big") / "corpus"
    rng = random.Random(7)
    for number in range(ARTICLES):
        write_article(folder, f"topic-{number % 7}/article-{number:04d}.md", _article(rng, number))
    write_article(folder, "zz-bad.md", "---\ndate: 2020-01-01\n---\nNo title here.\n")
    return folder


@pytest.fixture(scope="module")
def built(
    big_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, BuildReport]]:
    """The corpus indexed by one writer and by two processes."""
    root = tmp_path_factory.mktemp("indexes")
    single = update_index(big_corpus, root / "single", processes=1)
    parallel = update_index(
        big_corpus,
        root / "parallel",
        processes=2,
        on_progress=lambda done, total: PROGRESS.append((done, total)),
        on_skip=lambda error: SKIPS.append((error.path, error.field)),
    )
    return {"single": (root / "single", single), "parallel": (root / "parallel", parallel)}


PROGRESS: list[tuple[int, int]] = []
SKIPS: list[tuple[Path, str]] = []


def _answers(index_dir: Path) -> list[list[tuple[str, float]]]:
    with TestClient(create_app(Settings(index_dir=index_dir))) as client:
        return [
            [(hit["id"], hit["score"]) for hit in search_body(client, q, per_page=50)["results"]]
            for q in QUERIES
        ]


def test_update_index_parallel_build_ranks_and_scores_as_one_writer(
    built: dict[str, tuple[Path, BuildReport]],
) -> None:
    (single_dir, single), (parallel_dir, parallel) = built["single"], built["parallel"]
    assert (parallel.mode, parallel.indexed, parallel.documents) == ("full", ARTICLES, ARTICLES)
    assert sorted(parallel.added) == sorted(single.added)
    assert PROGRESS[-1] == (ARTICLES + 1, ARTICLES + 1)
    with open_current(parallel_dir)[1].reader() as reader:
        assert len(reader.leaf_readers()) == 2
    answers = _answers(single_dir)
    assert all(answers), "every query should find something"
    # Exact equality: same ids, same order, same scores to the last bit.
    assert _answers(parallel_dir) == answers


def test_update_index_parallel_build_records_checksums_and_manifest(
    big_corpus: Path, built: dict[str, tuple[Path, BuildReport]]
) -> None:
    index_dir = built["parallel"][0]
    generation = index_dir / (current_generation(index_dir) or "")
    recorded = json.loads((generation / CHECKSUMS_FILE).read_text())["files"]
    segment_files = {p.name for p in generation.iterdir() if p.suffix in {".seg", ".toc"}}
    assert segment_files
    assert segment_files <= recorded.keys()
    manifest = read_manifest(generation)
    assert manifest is not None
    assert len(manifest.files) == ARTICLES
    single_manifest = read_manifest(built["single"][0] / "gen-000001")
    assert single_manifest is not None
    assert manifest.files == single_manifest.files


def test_update_index_parallel_build_reports_skipped_files(
    big_corpus: Path, built: dict[str, tuple[Path, BuildReport]]
) -> None:
    bad = (big_corpus / "zz-bad.md", "title")
    assert [bad] == SKIPS
    assert [(e.path, e.field) for e in built["parallel"][1].skipped] == [bad]
    assert [(e.path, e.field) for e in built["single"][1].skipped] == [bad]


def test_update_index_after_a_parallel_build_is_incremental(
    big_corpus: Path, built: dict[str, tuple[Path, BuildReport]], tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(built["parallel"][0], index_dir)
    unchanged = update_index(big_corpus, index_dir, processes=2)
    assert (unchanged.mode, unchanged.changed, unchanged.unchanged) == (
        "incremental",
        False,
        ARTICLES,
    )
    changed = big_corpus / "topic-3/article-0003.md"
    original = changed.read_text(encoding="utf-8")
    try:
        changed.write_text(original + "\nA new paragraph on cluster headache.\n", encoding="utf-8")
        report = update_index(big_corpus, index_dir, processes=2)
    finally:
        changed.write_text(original, encoding="utf-8")
    assert (report.mode, report.updated, report.added, report.deleted) == (
        "incremental",
        ["topic-3/article-0003"],
        [],
        [],
    )


def _interrupt(done: int, total: int) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("options", "error", "result"),
    [
        ({"strict": True}, StrictModeError, "failed"),
        ({"on_progress": _interrupt}, KeyboardInterrupt, "interrupted"),
    ],
)
def test_update_index_parallel_build_that_fails_keeps_the_live_generation(
    big_corpus: Path,
    built: dict[str, tuple[Path, BuildReport]],
    tmp_path: Path,
    options: dict[str, Any],
    error: type[BaseException],
    result: str,
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(built["parallel"][0], index_dir)
    live = current_generation(index_dir)
    with pytest.raises(error):
        update_index(big_corpus, index_dir, full=True, processes=2, **options)
    assert current_generation(index_dir) == live
    assert not list(index_dir.glob(".building-*"))
    assert multiprocessing.active_children() == []
    last = read_status(index_dir).last_build
    assert last is not None
    assert last.result == result


def test_medsearch_index_processes_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    done = run_medsearch("index", "--index", str(tmp_path / "index"), "--processes", "65")
    assert done.returncode == 2
    assert "argument --processes: 65 is not between 0 and 64" in done.stderr
    assert not (tmp_path / "index").exists()
