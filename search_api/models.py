"""Response bodies of the API: Whoosh hits become these models in `search_api.search` only."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from indexer.status import BuildRecord


class ErrorResponse(BaseModel):
    """The one error shape: a sentence saying what went wrong and what to change."""

    detail: str = Field(
        examples=["The query is empty; type a word to search for, such as q=migraine."]
    )


class SearchHit(BaseModel):
    """One ranked result."""

    id: str = Field(description="Article id: its path in the corpus without `.md`.")
    title: str
    date: dt.date | None
    author: str
    tags: list[str]
    score: float = Field(description="Relevance score (BM25F); higher is better.")
    snippet: str = Field(
        description="HTML: text around the matches, escaped, matched words in `<mark>`."
    )


class SearchResponse(BaseModel):
    """A page of ranked results."""

    query: str
    total: int = Field(description="Number of articles that match, over all pages.")
    page: int
    per_page: int
    took_ms: float = Field(description="Time spent searching and making snippets, in ms.")
    results: list[SearchHit]


class ArticleResponse(BaseModel):
    """One whole article as indexed."""

    id: str
    title: str
    date: dt.date | None
    author: str
    tags: list[str]
    summary: str
    body: str = Field(description="Plain text with Markdown markup removed; paragraphs kept.")


class HealthResponse(BaseModel):
    """Whether an index is loaded, and how many documents it holds."""

    status: str = Field(description="`ok`, or `unavailable` when no index can be served.")
    index_loaded: bool
    documents: int
    generation: str | None = Field(description="Name of the index generation being served.")
    detail: str | None = Field(default=None, description="Why the index is unavailable.")


class AdminStatusResponse(BaseModel):
    """What the index holds, where it comes from, and how updating it went."""

    generation: str | None = Field(description="Generation this process serves now.")
    documents: int = Field(description="Documents in that generation.")
    corpus_dir: str = Field(description="Corpus folder a reindex reads.")
    index_dir: str = Field(description="Folder that holds the index generations.")
    running: BuildRecord | None = Field(description="The update running now, if any.")
    last_build: BuildRecord | None = Field(
        description="The last update that ended: its time, result, counts and errors."
    )
