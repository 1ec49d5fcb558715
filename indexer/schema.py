"""The one Whoosh schema: fields, analyzers, boosts, and the query parser built from them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup, QueryParser

from indexer.analysis import wordwise
from indexer.articles import Article

# Fields a plain query searches, and how much a match in each counts (BM25F, per field).
# Tags are left out: a KEYWORD field takes query words verbatim, stop words and stray operators
# included, and the words of a tag already appear in the article's own text.
FIELD_BOOSTS: dict[str, float] = {"title": 3.0, "summary": 1.5, "body": 1.0}
SEARCH_FIELDS: tuple[str, ...] = tuple(FIELD_BOOSTS)
# Fields whose stored text is highlighted in snippets, in the order they are shown.
TEXT_FIELDS: tuple[str, ...] = ("title", "summary", "body")
TAG_SEPARATOR = ","


def text_analyzer() -> Analyzer:
    """Analyzer for prose: words, lower case, English stop words removed, Porter stems."""
    return StemmingAnalyzer()


def name_analyzer() -> Analyzer:
    """Analyzer for people's names: words in lower case, no stemming or stop words."""
    return RegexTokenizer() | LowercaseFilter()


def build_schema() -> Schema:
    """The Whoosh schema every index generation is written with."""
    # Same tokens as text_analyzer(), each distinct word analyzed once (indexer/analysis.py).
    prose = wordwise(text_analyzer())
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=prose, stored=True),
        summary=TEXT(analyzer=prose, stored=True),
        body=TEXT(analyzer=prose, stored=True),
        author=TEXT(analyzer=name_analyzer(), stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        date=DATETIME(stored=True, sortable=True),
        content_hash=STORED,
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
    }
    if article.date is not None:
        # YAML dates arrive as `date`; Whoosh's DATETIME wants `datetime`.
        document["date"] = dt.datetime.combine(article.date, dt.time())
    return document


def stored_tags(value: str | None) -> list[str]:
    """Tags as a list, from the stored comma-joined string."""
    return [tag for tag in (value or "").split(TAG_SEPARATOR) if tag]


def build_query_parser(schema: Schema) -> QueryParser:
    """Parser for user queries: OR between words so questions still match, fields boosted."""
    return MultifieldParser(list(SEARCH_FIELDS), schema, fieldboosts=FIELD_BOOSTS, group=OrGroup)
