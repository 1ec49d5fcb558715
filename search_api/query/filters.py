"""Filters a request asks for (author, tag, date range), checked and read into SearchFilters."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from indexer.errors import QueryError
from search_api.engine import SearchFilters

# Longest author or tag value a filter accepts; longer ones cannot be in the index anyway.
MAX_FILTER_VALUE_LENGTH = 200
# Most values one filter may list (author=a&author=b...), to bound the query it becomes.
MAX_FILTER_VALUES = 50
_EXAMPLES = {"author": "author=Dr.+Ada+Finch", "tag": "tag=migraine"}
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


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
