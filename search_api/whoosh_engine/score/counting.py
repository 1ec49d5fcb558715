"""Counting every match of a query by set operations on whole posting blocks.

The top hits need scoring, and Whoosh finds them while skipping blocks that cannot make the page.
The total count then runs the query again without scoring, stepping a tree of matchers one
document at a time in Python: on a large archive that costs more than finding the hits. For the
queries people type (words, combined with OR and AND) the count is a union, intersection or
difference of posting lists, and each posting block's document numbers come as one array, so
sets do the work in C. Phrases, wildcards, ranges and NOT return None and are counted the
usual way (Whoosh's own NOT matching over preloaded unions can keep a document that set
difference would drop, and the count must agree with the hits).
"""

from __future__ import annotations

from typing import Any

from whoosh import query as wq

from search_api.whoosh_engine.score.arrays import read_postings

Docs = set[int]


def _term_docs(reader: Any, fieldname: str, text: Any) -> Docs:
    # Read a block at a time, deletions included: they are taken out once per segment below.
    return set(read_postings(reader, fieldname, text).docnums.tolist())


def _docs(reader: Any, query: Any) -> Docs | None:
    if query is wq.NullQuery:
        return set()
    kind = type(query)
    if kind is wq.Term:
        return _term_docs(reader, query.fieldname, query.text)
    if kind is not wq.Or and kind is not wq.And:
        return None
    if kind is wq.Or and (query.minmatch or query.scale):
        return None
    found: Docs | None = None
    for sub in query.subqueries:
        docs = _docs(reader, sub)
        if docs is None:
            return None
        if found is None:
            found = docs
        elif kind is wq.Or:
            found |= docs
        else:
            found &= docs
    return found if found is not None else set()


def countable(query: Any) -> bool:
    """Whether count_matches can count `query`: words joined by OR and AND only."""
    if query is wq.NullQuery or type(query) is wq.Term:
        return True
    if type(query) is wq.Or:
        return not query.minmatch and not query.scale and all(map(countable, query.subqueries))
    if type(query) is wq.And:
        return bool(query.subqueries) and all(map(countable, query.subqueries))
    return False


def count_matches(searcher: Any, parsed: Any) -> int | None:
    """How many live documents match `parsed`, or None when the query is not a word query."""
    # Whoosh drops empty parts, such as `()`, before matching; count the same query.
    parsed = parsed.normalize()
    total = 0
    for subsearcher, _ in searcher.leaf_searchers():
        reader = subsearcher.reader()
        docs = _docs(reader, parsed)
        if docs is None:
            return None
        if reader.has_deletions():
            docs.difference_update(reader.deleted_docs_set)
        total += len(docs)
    return total
