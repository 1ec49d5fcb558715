"""Limits that keep any one query cheap: bounded term expansion, sane boosts, a time budget.

Whoosh expands a wildcard, prefix, fuzzy word or text range into every matching word of the
index and ORs them together, and `*` walks every posting list of every field; on a large index a
single `a*` then costs tens of seconds. Here a parsed query is rewritten before it runs so that
each such word stands for at most `max_expansions` index words (the most frequent ones), the
lexicon scanned to find them is bounded for the whole query, and matching stops at a deadline.
Whatever a limit cuts short is reported, so the response can say its results are partial.
"""

from __future__ import annotations

import fnmatch
import heapq
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from whoosh import query as wq
from whoosh.collectors import FilterCollector, WrappingCollector

from indexer.errors import QueryError

# Parentheses deeper than this are refused before Whoosh's recursive parser sees them.
MAX_NESTING = 16
# Largest boost accepted on any part of a parsed query (field weights included); much bigger
# ones overflow scores to infinity, which JSON cannot carry.
MAX_BOOST = 1e6
# Lucene's default cap on the clauses of one boolean query.
MAX_CLAUSES = 1024
# Lexicon entries that wildcard and range words may examine together in one query.
MAX_TERMS_SCANNED = 20_000
# Deepest edit distance a fuzzy word may ask for; automata beyond 2 edits grow explosively.
MAX_FUZZY_EDITS = 2
# How many matched documents pass between two looks at the clock.
CLOCK_EVERY = 64


@dataclass(frozen=True)
class QueryLimits:
    """The limits one search runs under, from settings."""

    time_limit_ms: int = 1000
    max_expansions: int = 64
    max_clauses: int = MAX_CLAUSES
    max_terms_scanned: int = MAX_TERMS_SCANNED


@dataclass
class QueryBudget:
    """What one query has used of its limits, and whether any limit cut it short."""

    limits: QueryLimits
    deadline: float = 0.0
    scanned: int = 0
    clauses: int = 0
    cut_short: bool = False

    @classmethod
    def start(cls, limits: QueryLimits) -> QueryBudget:
        """A fresh budget whose clock starts now."""
        return cls(limits, deadline=time.monotonic() + limits.time_limit_ms / 1000)

    def expired(self) -> bool:
        """Whether the query has used up its time."""
        return time.monotonic() > self.deadline

    def cut(self) -> None:
        """Record that a limit made the results incomplete."""
        self.cut_short = True


def check_nesting(text: str) -> None:
    """Refuse parentheses nested deeper than MAX_NESTING (outside quoted phrases)."""
    depth = deepest = 0
    for index, part in enumerate(text.split('"')):
        if index % 2:
            continue
        for char in part:
            depth += (char == "(") - (char == ")")
            deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(
            f"The query nests parentheses {deepest} deep; the limit is {MAX_NESTING}. "
            "Remove some of the parentheses."
        )


def bound_query(parsed: Any, reader: Any, budget: QueryBudget) -> Any:
    """Rewrite `parsed` so that running it stays within `budget` (see the module docstring)."""
    # Clauses are counted per query: a search may run several (a spelling retry, feedback).
    budget.clauses = 0
    return _bound(parsed, reader, budget)


def _bound(parsed: Any, reader: Any, budget: QueryBudget) -> Any:
    _check_boost(parsed)
    if _matches_everything(parsed):
        # Every(field) reads every posting of the field; all articles have a title, so "all
        # documents" is the same answer from the document list alone.
        return wq.Every(boost=parsed.boost)
    if isinstance(parsed, wq.MultiTerm):
        return _expand(parsed, reader, budget)
    if parsed.is_leaf():
        budget.clauses += max(1, sum(1 for _ in parsed.terms()))
        if budget.clauses > budget.limits.max_clauses:
            raise QueryError(
                f"The query has too many words to search for; the limit is "
                f"{budget.limits.max_clauses:,} word-and-field pairs. Shorten it to the words "
                "that matter."
            )
        return parsed
    return parsed.apply(lambda child: _bound(child, reader, budget))


def _check_boost(parsed: Any) -> None:
    boost = getattr(parsed, "boost", 1.0)
    if not math.isfinite(boost) or boost > MAX_BOOST:
        raise QueryError("A boost (word^N) is too large to score; use a small number such as ^2.")


def _matches_everything(parsed: Any) -> bool:
    if isinstance(parsed, wq.Every):
        return True
    if isinstance(parsed, wq.Prefix):
        return not parsed.text
    return isinstance(parsed, wq.Wildcard) and set(parsed.text) == {"*"}


def _candidates(leaf: Any, reader: Any, budget: QueryBudget) -> Iterator[bytes]:
    """Index words `leaf` stands for, examining no more lexicon than the budget allows."""
    fieldname = leaf.field()
    allowance = max(0, budget.limits.max_terms_scanned - budget.scanned)
    if isinstance(leaf, wq.Wildcard):
        # Whoosh scans from the literal prefix; with a leading `*` that is the whole lexicon.
        prefix = re.split(r"[*?\[]", leaf.text, maxsplit=1)[0]
        source = reader.expand_prefix(fieldname, prefix) if prefix else reader.lexicon(fieldname)
        pattern = re.compile(fnmatch.translate(leaf.text))
        from_bytes = reader.schema[fieldname].from_bytes
        for btext in islice(source, allowance):
            budget.scanned += 1
            if pattern.match(from_bytes(btext)):
                yield btext
    else:
        if isinstance(leaf, wq.FuzzyTerm) and leaf.maxdist > MAX_FUZZY_EDITS:
            leaf = leaf.copy()
            leaf.maxdist = MAX_FUZZY_EDITS
            budget.cut()
        to_bytes = reader.schema[fieldname].to_bytes
        for _, text in islice(leaf.expanded_terms(reader), allowance):
            budget.scanned += 1
            # Most expansions are index bytes already; fuzzy words come back as text.
            yield to_bytes(text) if isinstance(text, str) else text
    if budget.scanned >= budget.limits.max_terms_scanned:
        budget.cut()


def _expand(leaf: Any, reader: Any, budget: QueryBudget) -> Any:
    fieldname = leaf.field()
    if fieldname not in reader.schema:
        return wq.NullQuery
    found = list(_candidates(leaf, reader, budget))
    room = min(budget.limits.max_expansions, budget.limits.max_clauses - budget.clauses)
    if len(found) > room:
        # The most frequent words are the ones a reader most likely meant by `diab*`.
        found = heapq.nlargest(
            max(room, 0), found, key=lambda btext: reader.doc_frequency(fieldname, btext)
        )
        budget.cut()
    budget.clauses += len(found)
    if not found:
        return wq.NullQuery
    from_bytes = reader.schema[fieldname].from_bytes
    terms = [wq.Term(fieldname, from_bytes(btext)) for btext in sorted(found)]
    return terms[0].with_boost(leaf.boost) if len(terms) == 1 else wq.Or(terms, boost=leaf.boost)


def until_deadline(items: Iterable[int], budget: QueryBudget) -> Iterator[int]:
    """`items` until the budget's time is up (the clock is read every CLOCK_EVERY items)."""
    for seen, item in enumerate(items):
        if seen % CLOCK_EVERY == 0 and budget.expired():
            budget.cut()
            return
        yield item


class DeadlineCollector(WrappingCollector):  # type: ignore[misc]
    """Wraps Whoosh's innermost collector so that matching and counting stop at the deadline.

    It never stops matching before `min_hits` documents were collected, so a query that has
    matches never answers with an empty page because the machine was busy. It sits directly
    around the scoring collector, so a FilterCollector around it still filters: that pulls
    matches through this collector's `matches()` and hands them to its `collect()`. The Results
    it makes count (`len`) and list (`docs()`) all matches through it too, within the budget.
    """

    def __init__(self, child: Any, budget: QueryBudget, min_hits: int = 1) -> None:
        super().__init__(child)
        self.budget = budget
        self.min_hits = min_hits
        self.collected = 0

    def matches(self) -> Iterator[int]:
        """The child's matches, until the deadline passes."""
        budget = self.budget
        next_look = 0
        for seen, docnum in enumerate(self.child.matches()):
            # Look at the clock as soon as enough hits are in, then every CLOCK_EVERY matches.
            if seen >= next_look and self.collected >= self.min_hits:
                next_look = seen + CLOCK_EVERY
                if budget.expired():
                    budget.cut()
                    return
            yield docnum

    def collect(self, sub_docnum: int) -> Any:
        """Collect one match into the child, counting it."""
        self.collected += 1
        return self.child.collect(sub_docnum)

    def collect_matches(self) -> None:
        """Collect matches (WrappingCollector's version would bypass `matches`)."""
        for docnum in self.matches():
            self.collect(docnum)

    def all_ids(self) -> Iterator[int]:
        """Every matching document, until the deadline passes.

        The top-N walk skips blocks that cannot make the top N, so Whoosh lists (and counts)
        matches in a second, unscored walk; this keeps that walk within the budget too.
        """
        return until_deadline(self.child.all_ids(), self.budget)

    def computes_count(self) -> bool:
        """Whether the child counted while collecting (Whoosh's wrapper base says always)."""
        return bool(self.child.computes_count())

    def count(self) -> int:
        """How many documents match: exact unless the deadline cut the count short."""
        if self.child.computes_count():
            return int(self.child.count())
        return max(sum(1 for _ in self.all_ids()), self.collected)

    def results(self) -> Any:
        """The child's Results, counting and listing matches through this collector."""
        results = self.child.results()
        results.collector = self
        return results


def limited_search(
    searcher: Any,
    bounded: Any,
    limit: int | None,
    budget: QueryBudget,
    *,
    min_hits: int = 1,
    allowed: set[int] | None = None,
) -> Any:
    """Whoosh Results for a bounded query's top `limit` hits (None: all), within `budget`.

    At least `min_hits` matches (when there are that many) are collected whatever the time;
    `allowed`, when given, is the set of document numbers a hit must be in. The Results count
    their matches lazily, and within the same budget.
    """
    inner = DeadlineCollector(searcher.collector(limit=limit), budget, min_hits)
    collector = FilterCollector(inner, allow=allowed) if allowed is not None else inner
    searcher.search_with_collector(bounded, collector)
    return collector.results()
