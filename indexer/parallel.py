"""Full builds on several cores: each process indexes a contiguous share of the corpus.

Whoosh is pure Python, so one writer uses one core. Here the sorted file list is cut into as many
contiguous shares as there are processes; each process reads, parses and indexes its share into a
segment of its own, and the segments are joined, in share order, into one index. Documents keep
the numbers a single writer would give them (file order), and BM25F takes its statistics from the
whole index, so ranks and scores are the same as a single writer's, ties included.

Worker processes are started with `spawn`, never `fork`: the API may start a build from a
process that runs threads, and a forked copy of held locks would hang.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh.filedb.filestore import FileStorage

from indexer.articles import load_article
from indexer.errors import ArticleError
from indexer.schema import article_to_document, build_schema
from indexer.writer import index_writer

INDEX_NAME = "MAIN"  # Whoosh's default index name inside a folder
# Below this many articles, starting processes costs more than it saves.
PARALLEL_MIN_ARTICLES = 400
# How often a worker reports progress, in articles.
PROGRESS_EVERY = 25


def default_processes() -> int:
    """Processes for a full build: one per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


def _shares(paths: list[Path], count: int) -> list[list[Path]]:
    size, extra = divmod(len(paths), count)
    shares: list[list[Path]] = []
    start = 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        shares.append(paths[start:end])
        start = end
    return [share for share in shares if share]


def _index_share(
    number: int, paths: list[str], corpus_dir: str, shard_dir: str, limitmb: int, messages: Any
) -> None:
    """Worker: index `paths` into a new index in `shard_dir`, reporting through `messages`."""
    _exit_with_parent()
    try:
        writer = index_writer(whoosh.index.create_in(shard_dir, build_schema()), limitmb)
        done = 0
        for done, path in enumerate(map(Path, paths), start=1):
            try:
                writer.add_document(**article_to_document(load_article(path, Path(corpus_dir))))
            except ArticleError as error:
                messages.put(("skip", number, (str(error.path), error.field, error.problem)))
            if done % PROGRESS_EVERY == 0:
                messages.put(("progress", number, PROGRESS_EVERY))
        writer.commit()
        messages.put(("progress", number, done % PROGRESS_EVERY))
        messages.put(("done", number, None))
    except BaseException as exc:  # the parent reports it; a worker has no one else to tell
        messages.put(("error", number, f"{type(exc).__name__}: {exc}"))


def _exit_with_parent() -> None:
    # A build killed with SIGKILL (or by the OOM killer) cannot stop its workers. Without this,
    # each would finish its share and then wait for ever to hand its last messages to a parent
    # that is gone; instead it stops as soon as the parent's sentinel says the parent died.
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="medsearch-parent-watch", daemon=True).start()


def _join_shards(shard_dirs: list[Path], build_dir: Path) -> None:
    """Move each shard's segments into `build_dir` and list them, in order, in one TOC."""
    schema = build_schema()
    segments: list[Any] = []
    for shard_dir in shard_dirs:
        toc = whoosh.index.TOC.read(FileStorage(str(shard_dir)), INDEX_NAME, schema=schema)
        for path in shard_dir.iterdir():
            if not path.name.endswith(".toc") and not path.name.endswith("WRITELOCK"):
                path.rename(build_dir / path.name)
        segments.extend(toc.segments)
    whoosh.index.TOC(schema, segments, 1).write(FileStorage(str(build_dir)), INDEX_NAME)


def build_in_parallel(
    paths: list[Path],
    corpus_dir: Path,
    build_dir: Path,
    *,
    processes: int,
    limitmb: int,
    on_progress: Callable[[int, int], None] | None = None,
    on_skip: Callable[[ArticleError], None] | None = None,
) -> list[ArticleError]:
    """Index `paths` into a new index in `build_dir` using `processes` processes.

    Returns the files that were skipped. Any exception (a worker's, or KeyboardInterrupt in this
    process) stops every worker before it propagates; `build_dir` is then the caller's to discard.
    """
    context = multiprocessing.get_context("spawn")
    messages: Any = context.Queue()
    shares = _shares(paths, processes)
    shard_dirs = [build_dir / f"share-{number}" for number in range(len(shares))]
    workers = []
    skipped: list[ArticleError] = []
    try:
        for number, (share, shard_dir) in enumerate(zip(shares, shard_dirs, strict=True)):
            shard_dir.mkdir()
            worker = context.Process(
                target=_index_share,
                args=(number, [str(p) for p in share], str(corpus_dir), str(shard_dir), limitmb),
                kwargs={"messages": messages},
                daemon=True,
            )
            worker.start()
            workers.append(worker)
        finished: set[int] = set()
        done = 0
        while len(finished) < len(workers):
            try:
                kind, number, payload = messages.get(timeout=1)
            except queue.Empty:
                dead = [w for w in workers if not w.is_alive() and w.exitcode != 0]
                if dead:
                    code = dead[0].exitcode
                    raise RuntimeError(f"an indexing process died (exit code {code})") from None
                continue
            if kind == "progress":
                done += payload
                if on_progress is not None:
                    on_progress(done, len(paths))
            elif kind == "skip":
                error = ArticleError(Path(payload[0]), payload[1], payload[2])
                skipped.append(error)
                if on_skip is not None:
                    on_skip(error)
            elif kind == "done":
                finished.add(number)
            else:
                raise RuntimeError(f"indexing process {number} failed: {payload}")
        for worker in workers:
            worker.join()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            with contextlib.suppress(Exception):
                worker.join(timeout=10)
        messages.close()
    _join_shards(shard_dirs, build_dir)
    for shard_dir in shard_dirs:
        shutil.rmtree(shard_dir, ignore_errors=True)
    skipped.sort(key=lambda error: str(error.path))
    return skipped
