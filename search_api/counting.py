"""Counting every match of a query by set operations on whole posting blocks.

The top hits need scoring, and Whoosh finds them while skipping blocks that cannot make the page.
The total count then runs the query again without scoring, stepping a tree of matchers one
document at a time in Python: on a large archive that costs more than finding the hits. For the
queries people type (words, combined with OR, AND, NOT) the count is a union, intersection or
difference of posting lists, and each posting block's document numbers come as one array, so
sets do the work in C. Phrases, wildcards and ranges return None and are counted the usual way.
"""

from __future__ import annotations

from typing import Any

from whoosh import query as wq

Docs = set[int]


def _term_docs(reader: Any, fieldname: str, text: Any) -> Docs:
    if (fieldname, text) not in reader:
        return set()
    matcher = reader.postings(fieldname, text)
    # A reader with deletions wraps the postings in a filter that tests documents one by one;
    # read the postings beneath and take deletions out once per segment instead.
    matcher = getattr(matcher, "child", matcher)
    docs: Docs = set()
    read_block = getattr(matcher, "_read_ids", None)
    next_block = getattr(matcher, "_next_block", None)
    if read_block is None or next_block is None:
        docs.update(matcher.all_ids())
        return docs
    # Whoosh's own block reader (W3LeafMatcher): a whole block of document numbers at a time.
    while matcher.is_active():
        if matcher._ids is None:
            read_block()
        docs.update(matcher._ids)
        next_block()
    return docs


def _docs(reader: Any, query: Any) -> Docs | None:
    if query is wq.NullQuery:
        return set()
    kind = type(query)
    if kind is wq.Term:
        return _term_docs(reader, query.fieldname, query.text)
    if kind is wq.Or and not query.minmatch and not query.scale:
        union: Docs = set()
        for sub in query.subqueries:
            docs = _docs(reader, sub)
            if docs is None:
                return None
            union |= docs
        return union
    if kind is wq.And:
        # `a AND NOT b` parses as And([a, Not(b)]): intersect the positive parts, then subtract.
        wanted = [sub for sub in query.subqueries if type(sub) is not wq.Not]
        unwanted = [sub.query for sub in query.subqueries if type(sub) is wq.Not]
        if not wanted:
            return None
        found = _docs(reader, wanted[0])
        for sub in wanted[1:]:
            docs = _docs(reader, sub)
            if found is None or docs is None:
                return None
            found &= docs
        for sub in unwanted:
            docs = _docs(reader, sub)
            if found is None or docs is None:
                return None
            found -= docs
        return found
    if kind is wq.AndNot:
        positive, negative = _docs(reader, query.a), _docs(reader, query.b)
        if positive is None or negative is None:
            return None
        return positive - negative
    return None


def countable(query: Any) -> bool:
    """Whether count_matches can count `query`: words joined by OR, AND and NOT only."""
    if query is wq.NullQuery or type(query) is wq.Term:
        return True
    kind = type(query)
    if kind is wq.Or:
        return not query.minmatch and not query.scale and all(map(countable, query.subqueries))
    if kind is wq.And:
        subs = query.subqueries
        wanted = [sub for sub in subs if type(sub) is not wq.Not]
        unwanted = [sub.query for sub in subs if type(sub) is wq.Not]
        return bool(wanted) and all(map(countable, wanted + unwanted))
    if kind is wq.AndNot:
        return countable(query.a) and countable(query.b)
    return False


def count_matches(searcher: Any, parsed: Any) -> int | None:
    """How many live documents match `parsed`, or None when the query is not a word query."""
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
