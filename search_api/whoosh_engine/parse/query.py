"""Parsing checked query text into Whoosh queries, with messages a person can act on."""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as wq

from indexer.errors import QueryError
from search_api.query.text import check_query_text, require_words, without_question_marks
from search_api.whoosh_engine.parse.limits import check_nesting

_QUOTED = re.compile(r'"[^"]*"')
_FIELD_PREFIX = re.compile(r"(?:^|[\s(])([A-Za-z_]+):(?=$|[\s)])")


def parse_query(text: str, parser: Any, max_length: int) -> Any:
    """Check `text` and parse it with Whoosh's `parser` into a query object."""
    text = check_query_text(text, max_length)
    check_nesting(text)
    # Phrases kept as empty quotes: `title:"..."` has a word after the colon, `"a b:"` is a phrase.
    for match in _FIELD_PREFIX.finditer(_QUOTED.sub('""', text)):
        field = match.group(1)
        if field in parser.schema.names():
            raise QueryError(
                f"'{field}:' needs a word after the colon, for example {field}:migraine."
            )
    try:
        parsed = parser.parse(without_question_marks(text))
    # Whoosh raises bare Exception or ValueError, with internal wording, for a range it cannot
    # read such as date:[someday TO 2020]; ranges are the only syntax that fails this way.
    except Exception:
        raise QueryError(
            "The query has a range that cannot be read; write ranges like date:[2019 TO 2021] "
            "or date:[2019-01-01 TO 2020-06-30]."
        ) from None
    if parsed is wq.NullQuery:
        require_words(text)
    return exclude_negations(parsed)


def exclude_negations(parsed: Any) -> Any:
    """Make `a b NOT c` mean (a OR b) AND NOT c, as readers expect, not a OR b OR (NOT c)."""
    if parsed.is_leaf():
        return parsed
    parsed = parsed.apply(exclude_negations)
    if not isinstance(parsed, wq.Or):
        return parsed
    negated = [child.query for child in parsed.subqueries if isinstance(child, wq.Not)]
    kept = [child for child in parsed.subqueries if not isinstance(child, wq.Not)]
    if not negated or not kept:
        return parsed
    positive = kept[0] if len(kept) == 1 else wq.Or(kept, boost=parsed.boost)
    return wq.AndNot(positive, negated[0] if len(negated) == 1 else wq.Or(negated))


def positive_query(parsed: Any) -> Any:
    """The query without its NOT clauses: the words whose matches a snippet may highlight."""
    if isinstance(parsed, wq.Not):
        return wq.NullQuery
    if parsed.is_leaf():
        return parsed
    return parsed.apply(positive_query)
