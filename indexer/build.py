"""Full index builds: write a new generation beside the live one and publish it when complete."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import whoosh.index

from indexer.articles import Article, corpus_files, load_article
from indexer.errors import ArticleError, EmptyCorpusError, StrictModeError
from indexer.schema import article_to_document, build_schema
from indexer.storage import discard, new_build_dir, publish

ProgressCallback = Callable[[int, int], None]
# Whoosh's writer buffers postings in memory up to this many megabytes before spilling to disk.
WRITER_MEMORY_MB = 256


@dataclass(frozen=True)
class BuildReport:
    """What a build did: articles indexed, files skipped with reasons, time taken."""

    indexed: int
    skipped: list[ArticleError] = field(default_factory=list)
    seconds: float = 0.0
    generation: str = ""

    def summary(self) -> str:
        """One line for people: counts, time and the generation that went live."""
        return (
            f"indexed {self.indexed} article(s), skipped {len(self.skipped)}, "
            f"in {self.seconds:.2f} s; live generation: {self.generation}"
        )


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    strict: bool = False,
    on_progress: ProgressCallback | None = None,
    on_skip: Callable[[ArticleError], None] | None = None,
) -> BuildReport:
    """Index every article below `corpus_dir` into a new generation and make it live.

    The live generation is replaced only when the new one is complete: any exception, including
    KeyboardInterrupt, deletes the partial build and leaves the index as it was.
    """
    started = time.perf_counter()
    paths = corpus_files(corpus_dir)
    skipped: list[ArticleError] = []

    def fill(writer: Any) -> int:
        for done, path in enumerate(paths, start=1):
            try:
                writer.add_document(**article_to_document(load_article(path, corpus_dir)))
            except ArticleError as error:
                skipped.append(error)
                if on_skip is not None:
                    on_skip(error)
            if on_progress is not None:
                on_progress(done, len(paths))
        indexed = len(paths) - len(skipped)
        if strict and skipped:
            raise StrictModeError(len(skipped))
        if indexed == 0:
            raise EmptyCorpusError(corpus_dir, len(skipped))
        return indexed

    indexed, generation = _write_generation(index_dir, fill)
    return BuildReport(indexed, skipped, time.perf_counter() - started, generation)


def build_index_from_articles(
    articles: Iterable[Article], index_dir: Path, *, source: Path | None = None
) -> BuildReport:
    """Index already-loaded articles (from any loader) into a new generation and make it live."""
    started = time.perf_counter()

    def fill(writer: Any) -> int:
        indexed = 0
        for article in articles:
            writer.add_document(**article_to_document(article))
            indexed += 1
        if indexed == 0:
            raise EmptyCorpusError(source or index_dir, 0)
        return indexed

    indexed, generation = _write_generation(index_dir, fill)
    return BuildReport(indexed, [], time.perf_counter() - started, generation)


def _write_generation(index_dir: Path, fill: Callable[[Any], int]) -> tuple[int, str]:
    """Let `fill` add documents to a fresh build, then publish it; discard it on any exception."""
    build_dir = new_build_dir(index_dir)
    try:
        writer = whoosh.index.create_in(str(build_dir), build_schema()).writer(
            limitmb=WRITER_MEMORY_MB
        )
        try:
            indexed = fill(writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        generation = publish(index_dir, build_dir)
    except BaseException:
        discard(build_dir)
        raise
    return indexed, generation
