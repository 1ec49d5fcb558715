"""Counting matches from posting blocks: the same totals as Whoosh's own count, deletions too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import whoosh.index

from indexer.schema import build_query_parser, build_schema
from indexer.storage import current_generation, open_current
from search_api.whoosh_engine.parse.query import parse_query
from search_api.whoosh_engine.score.counting import count_matches, countable

WORD_QUERIES = [
    "headache",
    "headaches pregnancy",
    "what helps a cluster headache attack",
    "oxygen AND sumatriptan",
    "title:headache OR author:moreau",
    "(jaw OR botox) AND pain",
    "the of and",
    "nosuchword",
]
OTHER_QUERIES = ['"chronic migraine"', "migr*", "date:[2010 TO 2020]", "botox NOT tension"]


def _counts(index: Any, queries: list[str]) -> list[tuple[int, int | None]]:
    parser = build_query_parser(build_schema())
    with index.searcher() as searcher:
        counted = []
        for text in queries:
            parsed = parse_query(text, parser, 1000)
            assert countable(parsed) == (count_matches(searcher, parsed) is not None)
            counted.append((len(searcher.search(parsed, limit=1)), count_matches(searcher, parsed)))
        return counted


def test_count_matches_equals_whoosh_count_for_word_queries(index_dir: Path) -> None:
    _, index = open_current(index_dir)
    counted = _counts(index, WORD_QUERIES)
    assert [whoosh_count for whoosh_count, _ in counted] == [6, 6, 6, 1, 3, 1, 0, 0]
    assert [ours for _, ours in counted] == [whoosh_count for whoosh_count, _ in counted]


def test_count_matches_leaves_phrases_wildcards_and_ranges_to_whoosh(index_dir: Path) -> None:
    _, index = open_current(index_dir)
    assert [ours for _, ours in _counts(index, OTHER_QUERIES)] == [None, None, None, None]


def test_count_matches_leaves_out_deleted_documents(index_dir: Path) -> None:
    generation = current_generation(index_dir)
    assert generation is not None
    writable = whoosh.index.open_dir(str(index_dir / generation))
    with writable.writer() as writer:
        writer.delete_by_term("id", "headaches-in-pregnancy")
    # Opened directly: the generation was changed in place, so its checksums no longer match.
    counted = _counts(whoosh.index.open_dir(str(index_dir / generation)), WORD_QUERIES)
    assert counted[0] == (5, 5)
    assert [ours for _, ours in counted] == [whoosh_count for whoosh_count, _ in counted]
