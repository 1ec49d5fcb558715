"""Full index builds: write a new generation beside the live one and publish it when complete."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import whoosh.index

from indexer.articles import corpus_files, load_article
from indexer.errors import ArticleError, EmptyCorpusError, StrictModeError
from indexer.parallel import PARALLEL_MIN_ARTICLES, build_in_parallel, default_processes
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
    processes: int = 0,
) -> BuildReport:
    """Index every article below `corpus_dir` into a new generation and make it live.

    The live generation is replaced only when the new one is complete: any exception, including
    KeyboardInterrupt, deletes the partial build and leaves the index as it was. Large corpora
    are indexed by `processes` processes at once (0: one per core).
    """
    started = time.perf_counter()
    paths = corpus_files(corpus_dir)
    processes = processes or default_processes()
    if processes > 1 and len(paths) >= PARALLEL_MIN_ARTICLES:
        return _build_in_parallel(
            paths, corpus_dir, index_dir, processes, strict, on_progress, on_skip, started
        )
    build_dir = new_build_dir(index_dir)
    skipped: list[ArticleError] = []
    try:
        writer = whoosh.index.create_in(str(build_dir), build_schema()).writer(
            limitmb=WRITER_MEMORY_MB
        )
        try:
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
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        generation = publish(index_dir, build_dir)
    except BaseException:
        discard(build_dir)
        raise
    return BuildReport(indexed, skipped, time.perf_counter() - started, generation)


def _build_in_parallel(
    paths: list[Path],
    corpus_dir: Path,
    index_dir: Path,
    processes: int,
    strict: bool,
    on_progress: ProgressCallback | None,
    on_skip: Callable[[ArticleError], None] | None,
    started: float,
) -> BuildReport:
    build_dir = new_build_dir(index_dir)
    try:
        skipped = build_in_parallel(
            paths,
            corpus_dir,
            build_dir,
            processes=processes,
            limitmb=WRITER_MEMORY_MB,
            on_progress=on_progress,
            on_skip=on_skip,
        )
        indexed = len(paths) - len(skipped)
        if strict and skipped:
            raise StrictModeError(len(skipped))
        if indexed == 0:
            raise EmptyCorpusError(corpus_dir, len(skipped))
        generation = publish(index_dir, build_dir)
    except BaseException:
        discard(build_dir)
        raise
    return BuildReport(indexed, skipped, time.perf_counter() - started, generation)
