"""Response bodies of the API, shared by every engine: what `SearchEngine` methods return."""

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
    score: float = Field(
        description="Relevance score (BM25F, times the recency boost when a site turns it on); "
        "higher is better. 0 when there is no query to score by."
    )
    snippet: str = Field(
        description="HTML: passages of the body around the matches, escaped, matched words in "
        "`<mark>` (or the `highlight_tag` asked for). With no match in the body: the summary "
        "if it matches, else the opening words."
    )
    title_html: str = Field(
        description="HTML: the title, escaped, matched words wrapped like in `snippet`. "
        "`title` stays plain text."
    )


class FacetValue(BaseModel):
    """One value of a facet and how many matching articles have it."""

    value: str = Field(examples=["Dr. Ada Finch"])
    count: int = Field(ge=1)


class FacetCounts(BaseModel):
    """Value counts over every matching article (not only the page), for the facets asked for.

    Most frequent values first, ties alphabetical. Only the facets named in `facets=` appear.
    """

    author: list[FacetValue] | None = Field(
        default=None, exclude_if=lambda value: value is None, description="Authors, exactly."
    )
    tag: list[FacetValue] | None = Field(
        default=None, exclude_if=lambda value: value is None, description="Tags, in lower case."
    )
    year: list[FacetValue] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Years of publication, such as `2024`; undated articles are not counted.",
    )


class SearchResponse(BaseModel):
    """A page of ranked results."""

    query: str
    total: int = Field(description="Number of articles that match, over all pages.")
    page: int
    per_page: int
    took_ms: float = Field(description="Time spent searching and making snippets, in ms.")
    did_you_mean: str | None = Field(
        default=None,
        description="The query with unknown words (5+ letters, no digits) replaced by the "
        "closest words in the index; null when every word is known or nothing is close.",
        examples=["botox headache"],
    )
    corrected: bool = Field(
        default=False,
        description="True when the query found nothing, so `results` and `total` are for "
        "`did_you_mean` instead.",
    )
    results: list[SearchHit]
    partial: bool = Field(
        default=False,
        description="True when a limit cut the search short (its time limit, or a wildcard "
        "matching more words than it may expand to): the results are the best found, and "
        "`total` counts the matches found, not necessarily all.",
    )
    facets: FacetCounts | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Present only when `facets=` asks for some.",
    )


class RelatedArticle(BaseModel):
    """An article to read next, for a "Continue reading" block."""

    id: str = Field(description="Article id: its path in the corpus without `.md`.")
    title: str
    date: dt.date | None
    author: str
    excerpt: str = Field(
        description="Plain text (escape it before inserting as HTML): the summary, or the "
        "article's opening words."
    )


class RelatedResponse(BaseModel):
    """The articles most like one article, most similar first; never the article itself."""

    id: str = Field(description="The article the others are related to.")
    results: list[RelatedArticle]


class SuggestResponse(BaseModel):
    """Completions for what a reader has typed so far."""

    query: str = Field(description="The `q` that was asked about, as given.")
    suggestions: list[str] = Field(
        description="Completed words (lower case, most frequent first) and article titles "
        "that match the words typed so far."
    )


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
    detail: str | None = Field(
        default=None,
        description="Why the index is unavailable, or why the newest generation is not served.",
    )


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
