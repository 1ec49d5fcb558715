"""Related articles: the ones sharing an article's key terms and tags, for "Continue reading"."""

from __future__ import annotations

from typing import Any

from whoosh import query as wq

from indexer.errors import ArticleNotFoundError
from indexer.schema import (
    CONTENT_ALIASES,
    CONTENT_FIELD,
    FIELD_BOOSTS,
    SEARCH_FIELDS,
    TEXT_FIELDS,
    stored_date,
    stored_tags,
)
from search_api.models import RelatedArticle, RelatedResponse
from search_api.query.snippets import opening_words

# How many key terms to take from each field, and how many of them all to search with: on
# nfcorpus 15 terms answer in half the time of 25 (Lucene MoreLikeThis's default), and on our
# corpus pick the same first two articles.
KEY_TERMS_PER_FIELD: dict[str, int] = {"title": 5, "summary": 5, "body": 12}
KEY_TERMS_USED = 15
# A shared tag counts about as much as a strong key term: editors chose it.
TAG_BOOST = 1.0


def key_terms(searcher: Any, fields: dict[str, Any]) -> list[tuple[str, float]]:
    """The article's most distinctive indexed terms (Bo1 model), strongest first."""
    weights: dict[str, float] = {}
    for field in TEXT_FIELDS:
        text = fields.get(field) or ""
        if not text.strip():
            continue
        wanted = KEY_TERMS_PER_FIELD.get(field, 5)
        # Summary and body are stored only: their words are weighed against `content`.
        indexed = CONTENT_FIELD if field in CONTENT_ALIASES else field
        for term, weight in searcher.key_terms_from_text(indexed, text, numterms=wanted):
            # A term that is key in several fields (title and body) matters more.
            weights[term] = weights.get(term, 0.0) + float(weight)
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:KEY_TERMS_USED]


def related_query(searcher: Any, fields: dict[str, Any]) -> Any:
    """A query for articles like the one whose stored `fields` are given."""
    clauses = [
        wq.Term(field, term, boost=weight * FIELD_BOOSTS[field])
        for term, weight in key_terms(searcher, fields)
        for field in SEARCH_FIELDS
    ]
    clauses += [wq.Term("tags", tag, boost=TAG_BOOST) for tag in stored_tags(fields.get("tags"))]
    return wq.Or(clauses) if clauses else wq.NullQuery


def excerpt(fields: dict[str, Any], words: int) -> str:
    """Plain text to show under a link: the summary, or the body's opening words."""
    summary: str = fields.get("summary") or ""
    return summary or opening_words(fields.get("body") or "", words)


def related_articles(
    searcher: Any, article_id: str, limit: int, excerpt_words: int
) -> RelatedResponse:
    """Up to `limit` other articles most like `article_id`, best first; ArticleNotFoundError."""
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise ArticleNotFoundError(article_id)
    query = related_query(searcher, searcher.stored_fields(docnum))
    # One more than asked for, then the article itself dropped, rather than Whoosh's `mask=`
    # set, which is checked against every match.
    results = searcher.search(query, limit=limit + 1, terms=False)
    hits = [hit for hit in results if hit.docnum != docnum][:limit]
    return RelatedResponse(
        id=article_id,
        results=[
            RelatedArticle(
                id=hit["id"],
                title=hit.get("title", ""),
                date=stored_date(hit.get("date")),
                author=hit.get("author", ""),
                excerpt=excerpt(hit.fields(), excerpt_words),
            )
            for hit in hits
        ],
    )
