"""The SearchEngine protocol: what the HTTP layer asks of a search engine, as typed values.

No web framework and no engine library is imported here. The HTTP layer builds the requests
below and gets back the API's response models (`search_api.models`); each engine (the embedded
Whoosh engine, a cluster engine) keeps these promises its own way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from indexer.status import BuildRecord
from search_api.models import (
    AdminStatusResponse,
    ArticleResponse,
    HealthResponse,
    RelatedResponse,
    SearchResponse,
)

SortOrder = Literal["relevance", "date"]
HighlightTag = Literal["mark", "em", "strong", "b"]


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


@dataclass(frozen=True)
class SnippetStyle:
    """How one request wants its snippets: passage length in words, passages, highlight tag."""

    words: int = 30
    fragments: int = 1
    tag: HighlightTag = "mark"


@dataclass(frozen=True)
class ResultOptions:
    """What one request asks for besides the query: filters, order, facets, snippet style."""

    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SortOrder = "relevance"
    facets: tuple[str, ...] = ()
    facet_limit: int = 100
    snippet: SnippetStyle | None = None


@dataclass(frozen=True)
class SearchRequest:
    """One search: the text typed (None to list what the filters allow), the page, the options."""

    query: str | None
    page: int = 1
    per_page: int = 10
    options: ResultOptions = field(default_factory=ResultOptions)


class SearchEngine(Protocol):
    """Everything the API needs from a search engine; errors are `indexer.errors` types."""

    def start(self) -> None:
        """Open what serving needs (and warm it); an index missing now is reported by health."""

    def close(self) -> None:
        """Release what serving held."""

    def search(self, request: SearchRequest) -> SearchResponse:
        """A page of ranked hits with snippets, the total, facets, did-you-mean and partial flag."""

    def article(self, article_id: str) -> ArticleResponse:
        """One article by id; ArticleNotFoundError when there is none."""

    def related(self, article_id: str, limit: int) -> RelatedResponse:
        """The articles most like this one; ArticleNotFoundError when it does not exist."""

    def suggest(self, text: str, limit: int) -> list[str]:
        """Completions of what a reader is typing."""

    def health(self) -> HealthResponse:
        """Whether an index is served, its documents and generation, and any problem seen."""

    def admin_status(self) -> AdminStatusResponse:
        """For editors: the generation served, the update running now, and the last one."""

    def start_update(self, *, full: bool, articles: Sequence[Path] = ()) -> BuildRecord:
        """Start updating the index from the corpus in the background; its record once running."""
