"""The one Whoosh schema: fields, analyzers, boosts, and the query parser built from them."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
import re
from collections.abc import Mapping
from typing import Any

from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.qparser import FieldAliasPlugin, MultifieldParser, OrGroup, QueryParser
from whoosh.scoring import BM25F, BM25FScorer

from indexer.analysis import WordwiseAnalyzer, wordwise
from indexer.articles import Article

# The field plain queries rank on: title, summary and body as one text, so a word's frequency and
# the document's length are counted once over the whole article (the BM25 the literature tunes).
CONTENT_FIELD = "content"
# Fields a plain query searches, and how much a match in each counts. The title adds a small
# bonus on top of the content it is already part of; on NFCorpus dev larger title weights
# lowered nDCG@10 (see the relevance notes), since titles are short and saturate quickly.
# Tags are left out: a KEYWORD field takes query words verbatim, stop words and stray operators
# included, and the words of a tag already appear in the article's own text.
FIELD_BOOSTS: dict[str, float] = {CONTENT_FIELD: 1.0, "title": 0.25}
SEARCH_FIELDS: tuple[str, ...] = tuple(FIELD_BOOSTS)
# Fields whose stored text is highlighted in snippets, in the order they are shown.
TEXT_FIELDS: tuple[str, ...] = ("title", "summary", "body")
# Fields analyzed as prose: a query word matched in any of them highlights the same stem.
PROSE_FIELDS: tuple[str, ...] = ("title", CONTENT_FIELD)
# Stored-only text: its words are indexed once, in `content`, where `body:` and `summary:`
# queries look for them. Indexing them again in fields of their own doubled build times and
# index size, and ranking never used them.
CONTENT_ALIASES: tuple[str, ...] = ("summary", "body")
TAG_SEPARATOR = ","
# Words as Whoosh's default RegexTokenizer cuts them, without its `*` (kept there for wildcard
# queries), and the shortest word StopFilter keeps.
WORD_PATTERN = re.compile(r"\w+(?:\.?\w+)*")
_MIN_WORD_LENGTH = 2
# Fields that serve filters, sorting and rebuilds rather than queries.
INTERNAL_FIELDS: tuple[str, ...] = ("content_hash", "author_exact", "day")
# Value of the `day` field for an undated article: below every real day, so it sorts last.
NO_DAY = 0
# BM25 parameters: the usual k1 and b; the measured optimum on NFCorpus dev was flat around them.
BM25_K1 = 1.2
BM25_B = 0.75

# English function words, question words and the pieces contractions leave ("what's" gives
# "s"). Readers type whole questions ("what is the right dose of saffron?"): these words say
# nothing about the topic. Single letters other than these stay searchable (vitamin D, hepatitis
# C), and so do words that carry meaning in medicine: "no", "not", "over", "under", "after".
STOP_WORDS: frozenset[str] = frozenset(
    """
    a about am an and any are as at be because been being but by can could did do does doing
    for from had has have having he her here hers herself him himself his how i if in into
    is it its itself just ll me my myself of on or our ours ourselves re s she should so
    some such t than that the their theirs them themselves then there these they this those
    through to too until ve was we were what whats when where which while who whom why will
    with would you your yours yourself yourselves
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)


def text_analyzer() -> Analyzer:
    """Analyzer for prose: words, lower case, stop words removed, Snowball English stems."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        # Snowball's English stemmer (Porter2) over-stems less than the original Porter
        # ("generic" and "general" stay apart) and is the stemmer the BM25 reference uses.
        | StemFilter(lang="en")
    )


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


@functools.lru_cache(maxsize=4096)
def _encode_one(position: int) -> bytes:
    """Whoosh's Positions encoding of a word found once, at `position`."""
    return bytes(Positions().encode([position]))


class ProseText(TEXT):  # type: ignore[misc]  # Whoosh is untyped
    """A TEXT field that indexes a document's words without a Token per word.

    Whoosh's TEXT asks its format for (term, frequency, weight, value) by walking the analyzer's
    token stream. With a word-by-word analyzer (indexer/analysis.py) and positions, the terms and
    their positions come from one regex split and the analyzer's memo instead: the same postings,
    in a third of the time. Anything else goes through TEXT as usual.
    """

    def index(self, value: Any, **kwargs: Any) -> Any:
        """(term bytes, frequency, weight, encoded positions) for each distinct term of `value`."""
        fast = type(self.format) is Positions and isinstance(self.analyzer, WordwiseAnalyzer)
        if not fast or kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        encode = self.format.encode
        boost = self.format.field_boost
        return [
            (
                term.encode("utf-8"),
                len(positions),
                len(positions) * boost,
                # Most words occur once in an article: their encodings are few and repeat.
                _encode_one(positions[0]) if len(positions) == 1 else encode(positions),
            )
            for term, positions in self.analyzer.words.positions(value).items()
        ]

    def spellable_words(self, value: Any) -> Any:
        """The distinct unstemmed words of `value`, sorted (Whoosh's spelling words)."""
        if not isinstance(self.analyzer, WordwiseAnalyzer) or not isinstance(value, str):
            return super().spellable_words(value)
        return iter(sorted(self.analyzer.unmorphed_words.distinct_terms(value)))


def build_schema() -> Schema:
    """The Whoosh schema every index generation is written with."""
    # Same tokens as text_analyzer(), each distinct word analyzed once (indexer/analysis.py).
    prose = wordwise(text_analyzer())
    return Schema(
        id=ID(stored=True, unique=True),
        title=ProseText(analyzer=prose, stored=True),
        summary=STORED,
        body=STORED,
        # The body as sanitised HTML for the reading page, and the original's address: stored
        # only, so /read/{id} needs neither the corpus files nor a second Markdown parse.
        html=STORED,
        url=STORED,
        # spelling=True keeps the unstemmed words too, for "did you mean" suggestions.
        content=ProseText(analyzer=prose, spelling=True),
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
        "html": article.html,
        "url": article.url,
        CONTENT_FIELD: "\n".join(
            part for part in (article.title, article.summary, article.body) if part
        ),
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


def article_from_stored(fields: Mapping[str, Any]) -> Article:
    """The article a document was indexed from, rebuilt from the document's stored fields."""
    return Article(
        id=fields["id"],
        title=fields["title"],
        date=stored_date(fields.get("date")),
        author=fields.get("author") or "",
        tags=tuple(stored_tags(fields.get("tags"))),
        summary=fields.get("summary") or "",
        body=fields.get("body") or "",
        html=fields.get("html") or "",
        url=fields.get("url") or "",
        content_hash=fields.get("content_hash") or "",
    )


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
    parser = MultifieldParser(
        list(SEARCH_FIELDS), _queryable(schema), fieldboosts=FIELD_BOOSTS, group=OrGroup
    )
    # `body:botox` and `summary:botox` search the article text (see CONTENT_ALIASES).
    parser.add_plugin(FieldAliasPlugin({CONTENT_FIELD: list(CONTENT_ALIASES)}))
    return parser


def _queryable(schema: Schema) -> Schema:
    # Fields kept for filters, sorting and autocomplete are not for `field:word` queries: to the
    # parser, `day:5` or `content_hash:x` are plain words, as any unknown `name:` is.
    visible = copy.deepcopy(schema)
    for name in INTERNAL_FIELDS:
        if name in visible:
            visible.remove(name)
    return visible


class MedsearchBM25(BM25F):  # type: ignore[misc]  # Whoosh is untyped
    """BM25 with the IDF of Lucene and the BM25 literature, log(1 + (N - df + 0.5) / (df + 0.5)).

    Whoosh's own IDF, log(N / (df + 1)) + 1, never falls below 1, so a word found in nearly every
    article ("patients", "study") still adds a full point to each of them.
    """

    def __init__(self) -> None:
        super().__init__(B=BM25_B, K1=BM25_K1)

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        """Whoosh's BM25 scorer for one term, with the IDF replaced."""
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            # IDF is a collection statistic, so it comes from the top-level searcher.
            parent = searcher.get_parent()
            documents = parent.doc_count_all()
            frequency = parent.doc_frequency(fieldname, text)
            scorer.idf = math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
        return scorer


def scoring_model() -> MedsearchBM25:
    """The weighting every searcher over the index ranks with."""
    return MedsearchBM25()
