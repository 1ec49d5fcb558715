"""Search filters: by author, by tag, by date range; checked here, turned into a Whoosh query."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from indexer.errors import IndexOutdatedError, QueryError

# Longest author or tag value a filter accepts; longer ones cannot be in the index anyway.
MAX_FILTER_VALUE_LENGTH = 200
# Most values one filter may list (author=a&author=b...), to bound the query it becomes.
MAX_FILTER_VALUES = 50
_EXAMPLES = {"author": "author=Dr.+Ada+Finch", "tag": "tag=migraine"}
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class SearchFilters:
    """Which articles a search may return: any of `authors`, any of `tags`, dated in a range.

    Several values of one filter match any of them (OR); different filters must all match (AND).
    """

    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.authors or self.tags or self.date_from or self.date_to)


def _normalise(value: str) -> str:
    return " ".join(value.split())


def _values(name: str, values: list[str] | None) -> tuple[str, ...]:
    """Filter values with spacing normalised; raises QueryError for empty or oversized ones."""
    cleaned: dict[str, None] = {}
    for value in values or []:
        text = _normalise(value)
        if not text:
            raise QueryError(
                f"Parameter '{name}' is empty; give a value such as {_EXAMPLES[name]}, "
                "or leave the parameter out."
            )
        if len(text) > MAX_FILTER_VALUE_LENGTH:
            raise QueryError(
                f"Parameter '{name}' is {len(text):,} characters long; the limit is "
                f"{MAX_FILTER_VALUE_LENGTH}."
            )
        cleaned.setdefault(text)
    if len(cleaned) > MAX_FILTER_VALUES:
        raise QueryError(
            f"Parameter '{name}' is given {len(cleaned)} times; the limit is {MAX_FILTER_VALUES}."
        )
    return tuple(cleaned)


def parse_date_bound(name: str, value: str | None, *, end: bool) -> dt.date | None:
    """Read YYYY-MM-DD, YYYY-MM or YYYY; a partial date means its first day (last if `end`)."""
    if value is None or not value.strip():
        return None
    match = _PARTIAL_DATE.match(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        year_text, month_text, day_text = match.groups()
        year = int(year_text)
        month = int(month_text) if month_text else (12 if end else 1)
        if day_text:
            return dt.date(year, month, int(day_text))
        return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    except ValueError:
        raise QueryError(
            f"Parameter '{name}': {value[:40]!r} is not a date; write it as YYYY-MM-DD, "
            "YYYY-MM or YYYY."
        ) from None


def build_filters(
    authors: list[str] | None,
    tags: list[str] | None,
    date_from: str | None,
    date_to: str | None,
) -> SearchFilters:
    """Check filter parameters as given in a request and return them, or raise QueryError."""
    start = parse_date_bound("from", date_from, end=False)
    stop = parse_date_bound("to", date_to, end=True)
    if start is not None and stop is not None and start > stop:
        raise QueryError(
            f"'from' ({start.isoformat()}) is after 'to' ({stop.isoformat()}); "
            "swap them or widen the range."
        )
    return SearchFilters(_values("author", authors), _values("tag", tags), start, stop)


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
