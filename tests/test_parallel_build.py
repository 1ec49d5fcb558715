"""Full builds on several processes: the same index, ranks and scores as a single writer."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from indexer.articles import corpus_files
from indexer.errors import ArticleError
from indexer.parallel import build_in_parallel
from indexer.schema import build_query_parser, build_schema
from indexer.storage import new_build_dir, open_current, publish
from tests.conftest import write_article

QUERIES = ["headache", "botox", '"chronic migraine"', "jaw pain", "oxygen OR pregnancy", "migr*"]


def _answers(index: Any) -> list[list[tuple[str, float]]]:
    parser = build_query_parser(build_schema())
    with index.searcher() as searcher:
        return [
            [(hit["id"], round(hit.score, 9)) for hit in searcher.search(parser.parse(q))]
            for q in QUERIES
        ]


def test_build_in_parallel_ranks_and_scores_as_one_writer(
    corpus_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    bad = write_article(corpus_dir, "zz-bad.md", "---\ndate: 2020-01-01\n---\nNo title.\n")
    paths = corpus_files(corpus_dir)
    parallel_dir = tmp_path / "parallel"
    build_dir = new_build_dir(parallel_dir)
    progress: list[int] = []
    skips: list[ArticleError] = []
    skipped = build_in_parallel(
        paths,
        corpus_dir,
        build_dir,
        processes=2,
        limitmb=32,
        on_progress=lambda done, total: progress.append(done),
        on_skip=skips.append,
    )
    publish(parallel_dir, build_dir)
    assert [(e.path, e.field) for e in skipped] == [(bad, "title")]
    assert skips == skipped
    assert progress[-1] == len(paths)
    _, single = open_current(index_dir)
    _, parallel = open_current(parallel_dir)
    assert parallel.doc_count() == single.doc_count() == 7
    with parallel.reader() as reader:
        assert len(reader.leaf_readers()) == 2
    assert _answers(parallel) == _answers(single)


def test_build_in_parallel_interrupted_stops_its_processes(
    corpus_dir: Path, tmp_path: Path
) -> None:
    build_dir = new_build_dir(tmp_path / "ix")

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_in_parallel(
            corpus_files(corpus_dir),
            corpus_dir,
            build_dir,
            processes=2,
            limitmb=32,
            on_progress=interrupt,
        )
    assert multiprocessing.active_children() == []
