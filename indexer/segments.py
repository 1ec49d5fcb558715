"""Matching a query over an index of several segments as Whoosh would over one segment.

A parallel full build (indexer.parallel) leaves one segment per process. Whoosh matches each
segment on its own and picks how to join OR clauses by the segment's size: a tree of unions
that can skip blocks above ARRAY_UNION_MAX_DOCS documents, an array that adds up every posting
below it. Both add the same term scores, in a different order, so a document's float score can
differ in the last bit from a single writer's, and ties can swap. Choosing by the size of the
whole index instead restores the single writer's choice.
"""

from __future__ import annotations

from typing import Any

from whoosh import query as wq

# The size above which Whoosh's Or joins its clauses with a tree of unions (whoosh.query.Or).
ARRAY_UNION_MAX_DOCS = 5000


def one_segment_unions(parsed: Any, doc_count: int) -> Any:
    """Make the OR clauses of `parsed` join as in one segment of `doc_count` documents.

    Changes `parsed` in place and returns it; call it with the searcher's `doc_count_all()`
    before searching. Below the limit every segment already chooses as one segment would.
    """
    if doc_count <= ARRAY_UNION_MAX_DOCS:
        return parsed
    if isinstance(parsed, wq.Or) and len(parsed.subqueries) < wq.Or.TOO_MANY_CLAUSES:
        parsed.matcher_type = wq.Or.DEFAULT_MATCHER
    if not parsed.is_leaf():
        for child in parsed.children():
            one_segment_unions(child, doc_count)
    return parsed
