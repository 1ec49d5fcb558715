"""Comparing the corpus with the live generation's manifest: what to add, update, delete or keep."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from indexer.articles import Article, article_id_for, load_article
from indexer.errors import ArticleError
from indexer.manifest import FileState

ChangeKind = Literal["added", "updated", "unchanged", "skipped", "deleted"]
# File systems stamp modification times in ticks (2 s on FAT, a few ms on ext4). A file whose
# mtime lies within one tick of the scan that recorded it may have been rewritten since with the
# same size and mtime, so it is hashed again rather than trusted.
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Change:
    """What one article file means for the index."""

    kind: ChangeKind
    article_id: str
    path: Path
    state: FileState | None = None
    article: Article | None = None
    error: ArticleError | None = None


def scan_corpus(
    paths: list[Path],
    corpus_dir: Path,
    indexed: Mapping[str, FileState],
    *,
    trusted_before_ns: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
) -> Iterator[Change]:
    """One Change per file in `paths`, then a `deleted` one per indexed article left behind.

    `indexed` is what the live generation holds. A file whose size and mtime match its entry and
    whose mtime is older than `trusted_before_ns` is unchanged without being read; any other is
    hashed, and parsed only when its hash differs. An indexed article whose file is gone, or can
    no longer be indexed, is deleted, so an update ends where a full build would.
    """
    kept: set[str] = set()
    for done, path in enumerate(paths, start=1):
        change = _compare(path, corpus_dir, indexed, trusted_before_ns)
        if change.kind != "skipped":
            kept.add(change.article_id)
        yield change
        if on_progress is not None:
            on_progress(done, len(paths))
    for article_id in sorted(indexed.keys() - kept):
        yield Change("deleted", article_id, corpus_dir / f"{article_id}.md")


def _compare(
    path: Path, corpus_dir: Path, indexed: Mapping[str, FileState], trusted_before_ns: int
) -> Change:
    article_id = article_id_for(path, corpus_dir)
    previous = indexed.get(article_id)
    try:
        stat: os.stat_result | None = os.stat(path)
    except OSError:
        stat = None
    if previous is not None and stat is not None:
        same_stat = (stat.st_size, stat.st_mtime_ns) == (previous.size, previous.mtime_ns)
        if same_stat and stat.st_mtime_ns < trusted_before_ns:
            return Change("unchanged", article_id, path, previous)
        digest = _sha256(path)
        if digest == previous.sha256:
            state = FileState(size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=digest)
            return Change("unchanged", article_id, path, state)
    try:
        article = load_article(path, corpus_dir)
    except ArticleError as error:
        return Change("skipped", article_id, path, error=error)
    # The stat was taken before the read: if the file changes in between, the next update sees
    # a newer mtime, hashes it, and catches up.
    size, mtime_ns = (stat.st_size, stat.st_mtime_ns) if stat is not None else (-1, -1)
    state = FileState(size=size, mtime_ns=mtime_ns, sha256=article.content_hash)
    return Change("updated" if previous else "added", article_id, path, state, article)


def file_state(path: Path) -> FileState | None:
    """Size, modification time and SHA-256 of a file, or None if it cannot be read."""
    try:
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return FileState(size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=digest)


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
