"""OR clauses over several segments join as over one segment, so scores match a single writer's."""

from __future__ import annotations

import random
from typing import Any

from whoosh import fields
from whoosh import query as wq
from whoosh.filedb.filestore import RamStorage

from indexer.segments import ARRAY_UNION_MAX_DOCS, one_segment_unions

DOCS = ARRAY_UNION_MAX_DOCS + 400
WORDS = ("aura", "botox", "caffeine", "diary", "estrogen", "fever", "gluten", "hydration")


def _index(segments: int) -> Any:
    """DOCS short seeded documents, written by one commit per segment."""
    rng = random.Random(3)
    texts = [" ".join(rng.choices(WORDS, k=rng.randint(1, 12))) for _ in range(DOCS)]
    index = RamStorage().create_index(fields.Schema(body=fields.TEXT))
    share = -(-DOCS // segments)
    for start in range(0, DOCS, share):
        writer = index.writer()
        for text in texts[start : start + share]:
            writer.add_document(body=text)
        writer.commit(merge=False)
    return index


def _query() -> Any:
    return wq.Or([wq.Term("body", word) for word in ("aura", "caffeine", "fever", "gluten")])


def _top(index: Any, query: Any) -> list[tuple[int, float]]:
    with index.searcher() as searcher:
        return [(hit.docnum, hit.score) for hit in searcher.search(query, limit=50)]


def _matcher_names(index: Any, query: Any) -> set[str]:
    with index.searcher() as searcher:
        return {
            type(query.matcher(sub, searcher.context())).__name__
            for sub, _ in searcher.leaf_searchers()
        }


def test_one_segment_unions_joins_as_a_single_segment() -> None:
    single, split = _index(1), _index(2)
    assert _matcher_names(single, _query()) == {"UnionMatcher"}
    # Whoosh alone picks the array join in segments under its limit...
    assert _matcher_names(split, _query()) == {"ArrayUnionMatcher"}
    # ...and as one segment with the whole index's size.
    assert _matcher_names(split, one_segment_unions(_query(), DOCS)) == {"UnionMatcher"}
    # The two joins add in a different order: some scores differ in the last bit without it.
    assert _top(split, _query()) != _top(single, _query())
    assert _top(split, one_segment_unions(_query(), DOCS)) == _top(single, _query())


def test_one_segment_unions_leaves_small_indexes_alone() -> None:
    query = one_segment_unions(wq.Not(_query()), ARRAY_UNION_MAX_DOCS)
    assert query.query.matcher_type == wq.Or.AUTO_MATCHER
