"""Search filters as Whoosh sees them: the documents an author, tag and date filter allow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from whoosh import query as wq

from indexer.errors import IndexOutdatedError
from search_api.engine import SearchFilters


def require_fields(searcher: Any, feature: str, *fields: str) -> None:
    """Raise IndexOutdatedError when the served index lacks fields that `feature` reads."""
    missing = [name for name in fields if name not in searcher.schema]
    if missing:
        raise IndexOutdatedError(feature, missing)


def _author_terms(searcher: Any, authors: tuple[str, ...]) -> list[str]:
    # Authors match whatever their case; the index keeps names as written, so look them up.
    wanted = {author.casefold() for author in authors}
    return [
        name
        for name in (term.decode("utf-8") for term in searcher.reader().lexicon("author_exact"))
        if name.casefold() in wanted
    ]


def allowed_docnums(searcher: Any, filters: SearchFilters) -> set[int] | None:
    """Document numbers of the articles `filters` allow, or None when there is no filter."""
    # A set, passed to Whoosh as `filter=`, keeps scores as they are. (Whoosh's Require query
    # trips an assertion when it skips blocks, and a zero ConstantScoreQuery scores 1.)
    query = filter_query(searcher, filters)
    return None if query is None else set(searcher.docs_for_query(query))


def filter_query(searcher: Any, filters: SearchFilters) -> Any:
    """The Whoosh query matching exactly the articles `filters` allow (None: no filter)."""
    if not filters:
        return None
    parts: list[Any] = []
    if filters.authors:
        require_fields(searcher, "Filtering by author", "author_exact")
        names = _author_terms(searcher, filters.authors)
        parts.append(
            wq.Or([wq.Term("author_exact", name) for name in names]) if names else wq.NullQuery
        )
    if filters.tags:
        # Tags are indexed in lower case, as the indexer normalises them.
        parts.append(wq.Or([wq.Term("tags", tag.lower()) for tag in filters.tags]))
    if filters.date_from or filters.date_to:
        # Undated articles have no `date` term, so a range never includes them.
        low = dt.datetime.combine(filters.date_from, dt.time()) if filters.date_from else None
        high = dt.datetime.combine(filters.date_to, dt.time.max) if filters.date_to else None
        parts.append(wq.DateRange("date", low, high))
    return parts[0] if len(parts) == 1 else wq.And(parts)
