"""The Whoosh engine behind the `SearchEngine` protocol: an index folder served in this process."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from indexer.articles import list_given
from indexer.errors import IndexCorruptError, IndexNotFoundError
from indexer.schema import build_query_parser, build_schema, scoring_model
from indexer.settings import Settings
from indexer.status import BuildRecord, read_status
from search_api.engine import SearchRequest
from search_api.models import (
    AdminStatusResponse,
    ArticleResponse,
    HealthResponse,
    RelatedResponse,
    SearchResponse,
)
from search_api.query.synonyms import SynonymSource
from search_api.reindex import start_reindex
from search_api.result_cache import Identity, ResultCache
from search_api.whoosh_engine.live.live_index import LiveIndex
from search_api.whoosh_engine.live.snapshot_cache import SnapshotCache
from search_api.whoosh_engine.results.related import related_articles
from search_api.whoosh_engine.results.search import SearchOptions, get_article, search
from search_api.whoosh_engine.results.suggest import suggest
from search_api.whoosh_engine.score.arrays import warm_snapshot

logger = logging.getLogger("medsearch")


class WhooshEngine:
    """Searches the live generation of `settings.index_dir`; a newly published one is picked up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.live_index = LiveIndex(settings.index_dir, searchers=settings.searchers)
        self.query_parser = build_query_parser(build_schema())
        self.result_cache = ResultCache(settings.result_cache_size)
        self.snapshot_cache = SnapshotCache()
        self.synonyms = SynonymSource(settings)

    def start(self) -> None:
        """Open the live generation and read its frequent postings before the first search."""
        try:
            generation, index = self.live_index.current()
            logger.info("serving %s with %d documents", generation, index.doc_count())
        except (IndexNotFoundError, IndexCorruptError) as error:
            # Start anyway: /health says why, and a build published later is picked up.
            logger.warning("%s", error.message)
            return
        try:
            # Through a searcher of its own: requests open theirs when they need them.
            with index.searcher(weighting=scoring_model()) as searcher:
                warm_snapshot(searcher, self.snapshot_cache)
        except Exception:  # warming only saves time; the first searches read what they need
            logger.warning("could not warm the served index", exc_info=True)

    def close(self) -> None:
        """Close the generations this process holds open."""
        self.live_index.close()

    def search(self, request: SearchRequest) -> SearchResponse:
        """Rank, page and snippet one search; answers for the same generation come from a cache."""
        options = SearchOptions.from_settings(self.settings, self.synonyms.current())
        with self.live_index.searcher() as searcher:
            generation = self.live_index.searchers.generation_of(searcher)
            return self.result_cache.get_or_compute(
                (
                    generation,
                    request.query,
                    request.page,
                    request.per_page,
                    options,
                    Identity(options.synonyms),
                    request.options,
                ),
                lambda: search(
                    searcher,
                    self.query_parser,
                    request.query,
                    request.page,
                    request.per_page,
                    options,
                    request.options,
                    self.snapshot_cache,
                ),
            )

    def article(self, article_id: str) -> ArticleResponse:
        """One stored article; ArticleNotFoundError when the index has none with that id."""
        with self.live_index.searcher() as searcher:
            return get_article(searcher, article_id)

    def related(self, article_id: str, limit: int) -> RelatedResponse:
        """The articles whose key terms and tags are most like this one's."""
        with self.live_index.searcher() as searcher:
            return related_articles(searcher, article_id, limit, self.settings.snippet_words)

    def suggest(self, text: str, limit: int) -> list[str]:
        """Completions from the words and titles of the live generation, kept in memory."""
        return suggest(self.live_index, self.snapshot_cache, text, limit)

    def health(self) -> HealthResponse:
        """A real searcher is opened, so unreadable files are seen, not just a table of contents."""
        try:
            with self.live_index.searcher() as searcher:
                documents = searcher.doc_count()
            generation = self.live_index.generation
        except (IndexNotFoundError, IndexCorruptError) as error:
            return HealthResponse(
                status="unavailable",
                index_loaded=False,
                documents=0,
                generation=None,
                detail=error.message,
            )
        return HealthResponse(
            status="ok",
            index_loaded=True,
            documents=documents,
            generation=generation,
            detail=self.live_index.problem,
        )

    def admin_status(self) -> AdminStatusResponse:
        """The generation served and the build records kept in the index folder."""
        try:
            generation, index = self.live_index.current()
            documents = index.doc_count()
        except (IndexNotFoundError, IndexCorruptError):
            generation, documents = None, 0
        status = read_status(self.settings.index_dir)
        return AdminStatusResponse(
            generation=generation,
            documents=documents,
            corpus_dir=str(self.settings.corpus_dir.resolve()),
            index_dir=str(self.settings.index_dir.resolve()),
            running=status.running,
            last_build=status.last_build,
        )

    def start_update(self, *, full: bool, articles: Sequence[Path] = ()) -> BuildRecord:
        """Run `medsearch index` in a child process; NotAnArticleError for a file no article."""
        corpus_dir = self.settings.corpus_dir.resolve()
        given = [corpus_dir / path for path in articles]
        # Checked here, so that a mistake is the request's 400 and not a failed background run.
        list_given(given, corpus_dir)
        return start_reindex(
            self.settings.corpus_dir, self.settings.index_dir, full=full, articles=given
        )
