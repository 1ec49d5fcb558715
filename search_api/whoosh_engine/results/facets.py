"""Facets: how many of the matching articles have each author, tag and year."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from indexer.schema import day_date
from search_api.models import FacetCounts, FacetValue
from search_api.whoosh_engine.results.filters import require_fields

# Index field whose terms are the values of each term-based facet.
_TERM_FIELDS = {"author": "author_exact", "tag": "tags"}


def _ranked(counts: Counter[str], limit: int) -> list[FacetValue]:
    # Most frequent first; ties in alphabetical order so answers are stable.
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))
    return [FacetValue(value=value, count=count) for value, count in ordered[:limit]]


def _term_counts(reader: Any, field: str, docnums: Collection[int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for term in reader.lexicon(field):
        found = sum(1 for docnum in reader.postings(field, term).all_ids() if docnum in docnums)
        if found:
            counts[term.decode("utf-8")] = found
    return counts


def _year_counts(reader: Any, docnums: Collection[int]) -> Counter[str]:
    days = reader.column_reader("day")
    counts: Counter[str] = Counter()
    for docnum in docnums:
        date = day_date(days[docnum])
        if date is not None:
            counts[str(date.year)] += 1
    return counts


def count_facets(
    searcher: Any, docnums: Collection[int], names: tuple[str, ...], limit: int
) -> FacetCounts:
    """Counts of each value of the facets `names` over the articles `docnums`, top `limit` each."""
    needed = {"author": "author_exact", "year": "day"}
    require_fields(searcher, "Facets", *(needed[name] for name in names if name in needed))
    reader = searcher.reader()
    counts: dict[str, list[FacetValue]] = {}
    for name in names:
        if name == "year":
            counts[name] = _ranked(_year_counts(reader, docnums), limit)
        else:
            counts[name] = _ranked(_term_counts(reader, _TERM_FIELDS[name], docnums), limit)
    return FacetCounts.model_validate(counts)
