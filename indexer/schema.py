"""The one Whoosh schema: fields, analyzers, boosts, and the query parser built from them."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from whoosh.analysis import (
    STOP_WORDS,
    Analyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemmingAnalyzer,
)
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup, QueryParser

from indexer.articles import Article

# Fields a plain query searches, and how much a match in each counts (BM25F, per field).
# Tags are left out: a KEYWORD field takes query words verbatim, stop words and stray operators
# included, and the words of a tag already appear in the article's own text.
FIELD_BOOSTS: dict[str, float] = {"title": 3.0, "summary": 1.5, "body": 1.0}
SEARCH_FIELDS: tuple[str, ...] = tuple(FIELD_BOOSTS)
# Fields whose stored text is highlighted in snippets, in the order they are shown.
TEXT_FIELDS: tuple[str, ...] = ("title", "summary", "body")
TAG_SEPARATOR = ","
# Words as Whoosh's default RegexTokenizer cuts them, without its `*` (kept there for wildcard
# queries), and the shortest word StopFilter keeps.
WORD_PATTERN = re.compile(r"\w+(?:\.?\w+)*")
_MIN_WORD_LENGTH = 2
# Fields that serve filters, sorting and rebuilds rather than queries.
INTERNAL_FIELDS: tuple[str, ...] = ("content_hash", "author_exact", "day")
# Value of the `day` field for an undated article: below every real day, so it sorts last.
NO_DAY = 0


def text_analyzer() -> Analyzer:
    """Analyzer for prose: words, lower case, English stop words removed, Porter stems."""
    return StemmingAnalyzer()


def name_analyzer() -> Analyzer:
    """Analyzer for people's names: words in lower case, no stemming or stop words."""
    return RegexTokenizer() | LowercaseFilter()


def vocabulary_words(text: str) -> set[str]:
    """Autocomplete's distinct words of `text`: lower case, unstemmed, no stop words or letters.

    What RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StopFilter() yields in Whoosh,
    several times faster: the whole corpus goes through it once per index version.
    """
    lowered = (word.lower() for word in WORD_PATTERN.findall(text))
    return {word for word in lowered if len(word) >= _MIN_WORD_LENGTH and word not in STOP_WORDS}


def build_schema() -> Schema:
    """The Whoosh schema every index generation is written with."""
    prose = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=prose, stored=True),
        summary=TEXT(analyzer=prose, stored=True),
        body=TEXT(analyzer=prose, stored=True),
        author=TEXT(analyzer=name_analyzer(), stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        date=DATETIME(stored=True, sortable=True),
        content_hash=STORED,
        # Exact author name, one term, for the author filter and facet.
        author_exact=ID(),
        # The date as a day number (`date.toordinal()`), NO_DAY when undated, as a column only:
        # sorting and the year facet read it; `date`'s own column cannot hold a missing value.
        day=COLUMN(NumericColumn("i", default=NO_DAY)),
    )


def article_to_document(article: Article) -> dict[str, Any]:
    """The field values Whoosh's writer takes for one article."""
    document: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "author": article.author,
        "tags": TAG_SEPARATOR.join(article.tags),
        "content_hash": article.content_hash,
        "day": day_number(article.date),
    }
    if article.author:
        document["author_exact"] = article.author
    if article.date is not None:
        # YAML dates arrive as `date`; Whoosh's DATETIME wants `datetime`.
        document["date"] = dt.datetime.combine(article.date, dt.time())
    return document


def day_number(date: dt.date | None) -> int:
    """The `day` field's value for `date`: its ordinal, or NO_DAY when there is none."""
    return NO_DAY if date is None else date.toordinal()


def day_date(day: int) -> dt.date | None:
    """The date a `day` field value stands for, or None for an undated article."""
    return None if day <= NO_DAY else dt.date.fromordinal(day)


def stored_tags(value: str | None) -> list[str]:
    """Tags as a list, from the stored comma-joined string."""
    return [tag for tag in (value or "").split(TAG_SEPARATOR) if tag]


def stored_date(value: Any) -> dt.date | None:
    """The article's date from the stored `date` field (a `datetime`), or None when undated."""
    return value.date() if isinstance(value, dt.datetime) else None


def build_query_parser(schema: Schema) -> QueryParser:
    """Parser for user queries: OR between words so questions still match, fields boosted."""
    return MultifieldParser(
        list(SEARCH_FIELDS), _queryable(schema), fieldboosts=FIELD_BOOSTS, group=OrGroup
    )


def _queryable(schema: Schema) -> Schema:
    # Fields kept for filters, sorting and autocomplete are not for `field:word` queries: to the
    # parser, `day:5` or `content_hash:x` are plain words, as any unknown `name:` is.
    visible = copy.deepcopy(schema)
    for name in INTERNAL_FIELDS:
        if name in visible:
            visible.remove(name)
    return visible
