"""Pseudo-relevance feedback: on a large enough collection, plain queries find articles that
describe the same topic in other words."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from indexer.articles import Article
from indexer.build import build_index_from_articles
from indexer.schema import build_query_parser, build_schema
from search_api.whoosh_engine.expand.expansion import FEEDBACK_MIN_COLLECTION
from search_api.whoosh_engine.live.live_index import LiveIndex
from search_api.whoosh_engine.results.search import SearchOptions, rank

FILLER = ["clinic", "visit", "patient", "appointment", "weekday", "parking", "nurse", "phone"]


def _collection() -> list[Article]:
    topic = "injections relax forehead muscles and smooth frown lines for months"
    articles = [
        Article(id=f"botox-{n}", title="Botox note", body=f"Botox {topic}.") for n in range(4)
    ]
    articles.append(Article(id="no-brand-named", title="Cosmetic care", body=f"Our {topic}."))
    for n in range(FEEDBACK_MIN_COLLECTION):
        words = " ".join(FILLER[(n + k) % len(FILLER)] for k in range(5))
        articles.append(Article(id=f"filler-{n}", title="Notice", body=words))
    return articles


def test_rank_feedback_finds_article_without_the_query_word(tmp_path: Path) -> None:
    build_index_from_articles(_collection(), tmp_path / "index")
    parser = build_query_parser(build_schema())
    # The live index keeps its searchers open for later requests until it is closed.
    with closing(LiveIndex(tmp_path / "index")) as live_index, live_index.searcher() as searcher:
        widened = rank(searcher, parser, "botox", 10, SearchOptions(feedback_terms=20))
        literal = rank(searcher, parser, "botox", 10, SearchOptions(feedback_terms=0))
        ids = [hit["id"] for hit in widened.results]
        assert ids[:4] == ["botox-0", "botox-1", "botox-2", "botox-3"]
        assert ids[4:] == ["no-brand-named"]
        assert [hit["id"] for hit in literal.results] == ids[:4]
