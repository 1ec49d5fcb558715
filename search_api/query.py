"""Checking and parsing user queries, with messages a person can act on."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from whoosh import query as wq

from indexer.errors import QueryError
from search_api.query_limits import check_nesting

_WHITESPACE_CONTROLS = "\t\n\r"


def check_query_text(text: str, max_length: int) -> str:
    """Return the query with surrounding space removed, or raise QueryError saying what to fix."""
    if len(text) > max_length:
        raise QueryError(
            f"The query is {len(text):,} characters long; the limit is {max_length:,}. "
            "Shorten it to the words that matter."
        )
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in _WHITESPACE_CONTROLS:
            raise QueryError(
                f"The query contains the control character U+{ord(char):04X}; remove it."
            )
    text = " ".join(text.split())
    if not text:
        raise QueryError("The query is empty; type a word to search for, such as q=migraine.")
    if text.count('"') % 2:
        raise QueryError(
            'The query has an unclosed quote ("); close the phrase with a second quote '
            "or remove the quote."
        )
    depth = 0
    for char in _outside_quotes(text):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            raise QueryError("The query has a ')' without a matching '('; remove it or add a '('.")
    if depth > 0:
        raise QueryError("The query has a '(' that is never closed; add a ')' or remove the '('.")
    return text


def _outside_quotes(text: str) -> str:
    return "".join(part for i, part in enumerate(text.split('"')) if i % 2 == 0)


_QUOTED = re.compile(r'"[^"]*"')
_FIELD_PREFIX = re.compile(r"(?:^|[\s(])([A-Za-z_]+):(?=$|[\s)])")
# A question mark that ends a word ends a question: "does magnesium help?" must not become the
# one-letter wildcard "help?", which matches "helps" but never "help". Inside a word ("migr?ne")
# it stays a wildcard.
_QUESTION_MARK = re.compile(r"(?<=\w)\?+(?=$|[\s)\"',.;:!])")


def without_question_marks(text: str) -> str:
    """`text` with the question marks that end words removed."""
    return _QUESTION_MARK.sub("", text)


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


def require_words(text: str) -> None:
    """Raise QueryError when `text` has no letter or digit at all."""
    if not any(char.isalnum() for char in text):
        raise QueryError(
            "The query has no words to search for, only punctuation or operators; add a word."
        )


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
