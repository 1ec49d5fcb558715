"""Comparing the corpus with the live generation's manifest: what to add, update, delete or keep."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from indexer.articles import Article, ListedFile, load_article, path_of
from indexer.errors import ArticleError
from indexer.manifest import FileState, FileTable

ChangeKind = Literal["added", "updated", "unchanged", "skipped", "deleted"]
# File systems stamp modification times in ticks (2 s on FAT, a few ms on ext4). A file whose
# mtime lies within one tick of the scan that recorded it may have been rewritten since with the
# same size and mtime, so it is hashed again rather than trusted.
RACY_NS = 2_000_000_000


# Progress is reported every this many files that need no reading (and for every one that does).
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Change:
    """What one article file means for the index."""

    kind: ChangeKind
    article_id: str
    path: Path
    state: FileState | None = None
    article: Article | None = None
    error: ArticleError | None = None


class CorpusScan:
    """The corpus, or some of its files, compared with the files the live generation holds.

    `changes` and `changes_of` yield what must be written; meanwhile `files` collects the next
    manifest's table (every file that is or will be indexed) and `unchanged` counts the files
    kept as they are.
    """

    def __init__(self, corpus_dir: Path, indexed: FileTable, *, trusted_before_ns: int = 0) -> None:
        self.corpus_dir = corpus_dir
        self.indexed = indexed
        self.trusted_before_ns = trusted_before_ns
        self.files = FileTable()
        self.unchanged = 0
        self._skipped: set[str] = set()

    @cached_property
    def _rows(self) -> dict[str, int]:
        return dict(zip(self.indexed.ids, range(len(self.indexed)), strict=True))

    def changes(
        self,
        listed: list[ListedFile],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[Change]:
        """One Change per listed file that is new, changed or unreadable, then one per deleted.

        `listed` is the whole corpus (`list_corpus`). A file whose size and mtime match its row
        and whose mtime is older than `trusted_before_ns` is unchanged without being read; any
        other is hashed, and parsed only when its hash differs. An indexed article whose file
        is gone, or can no longer be indexed, is deleted, so an update ends where a full build
        would.
        """
        listed_ids = [article_id for article_id, _, _ in listed]
        if listed_ids == self.indexed.ids:
            # The usual case: the same files as the manifest, which keeps listing order.
            yield from self._compare_same_files(listed, on_progress)
            yield from self._deleted(self._skipped)
            return
        yield from self._compare_listed(listed, on_progress)
        yield from self._deleted((self._rows.keys() - set(listed_ids)) | self._skipped)

    def changes_of(
        self,
        listed: list[ListedFile],
        missing: Collection[str],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[Change]:
        """As `changes`, for some files only: the rest of the corpus is taken to be as indexed.

        `listed` are the given files that exist, `missing` the ids of those that do not (their
        articles are deleted if indexed).
        """
        touched = {article_id for article_id, _, _ in listed}.union(missing)
        # The other rows are copied as they are (list copies run in C); the given files' rows
        # are taken out and come back, at the end, as `_compare_listed` finds them.
        dropped = sorted((self._rows[i] for i in touched if i in self._rows), reverse=True)
        self.files = self.indexed.copy_rows()
        for row in dropped:
            self.files.remove(row)
        self.unchanged = len(self.files)
        yield from self._compare_listed(listed, on_progress)
        yield from self._deleted(self._skipped.union(missing))

    def _compare_same_files(
        self, listed: list[ListedFile], on_progress: Callable[[int, int], None] | None
    ) -> Iterator[Change]:
        indexed = self.indexed
        trusted_before = self.trusted_before_ns
        # Row i of `listed` is row i of the table: one pass in a comprehension picks the files
        # to look at, and the table is copied whole and mended, for a fifth of the time the
        # general loop takes at 100,000 files.
        suspects = [
            row
            for row, ((_, size, mtime_ns), indexed_size, indexed_mtime_ns) in enumerate(
                zip(listed, indexed.sizes, indexed.mtimes_ns, strict=True)
            )
            if mtime_ns >= trusted_before or size != indexed_size or mtime_ns != indexed_mtime_ns
        ]
        files = self.files = indexed.copy_rows()
        self.unchanged = len(listed) - len(suspects)
        unindexable: list[int] = []
        for row in suspects:
            article_id, size, mtime_ns = listed[row]
            change = self._look_at(article_id, size, mtime_ns, indexed.state(row))
            if change.state is None:
                unindexable.append(row)
            else:
                files.replace(row, change.state)
            if change.kind != "unchanged":
                yield change
            if on_progress is not None:
                on_progress(row + 1, len(listed))
        for row in reversed(unindexable):
            files.remove(row)
        if on_progress is not None:
            on_progress(len(listed), len(listed))

    def _compare_listed(
        self, listed: list[ListedFile], on_progress: Callable[[int, int], None] | None
    ) -> Iterator[Change]:
        indexed, files, rows = self.indexed, self.files, self._rows
        sizes, mtimes, digests = indexed.sizes, indexed.mtimes_ns, indexed.sha256
        trusted_before = self.trusted_before_ns
        total = len(listed)
        # The comparison of 100,000 files stays in this loop, with no object made for a file
        # that did not change.
        for done, (article_id, size, mtime_ns) in enumerate(listed, start=1):
            row = rows.get(article_id)
            if (
                row is not None
                and mtime_ns < trusted_before
                and sizes[row] == size
                and mtimes[row] == mtime_ns
            ):
                files.ids.append(article_id)
                files.sizes.append(size)
                files.mtimes_ns.append(mtime_ns)
                files.sha256.append(digests[row])
                self.unchanged += 1
                if on_progress is not None and done % PROGRESS_EVERY == 0:
                    on_progress(done, total)
                continue
            previous = indexed.state(row) if row is not None else None
            change = self._look_at(article_id, size, mtime_ns, previous)
            if change.state is not None:
                files.add(article_id, change.state)
            if change.kind != "unchanged":
                yield change
            if on_progress is not None:
                on_progress(done, total)
        if on_progress is not None and total % PROGRESS_EVERY:
            on_progress(total, total)

    def _look_at(
        self, article_id: str, size: int, mtime_ns: int, previous: FileState | None
    ) -> Change:
        """Compare one file that must be read; count it, or note that it cannot be indexed."""
        change = self._compare(article_id, size, mtime_ns, previous)
        if change.kind == "skipped":
            self._skipped.add(article_id)
        elif change.kind == "unchanged":
            self.unchanged += 1
        return change

    def _compare(
        self, article_id: str, size: int, mtime_ns: int, previous: FileState | None
    ) -> Change:
        path = path_of(article_id, self.corpus_dir)
        if previous is not None and size >= 0:
            digest = _sha256(path)
            if digest == previous.sha256:
                state = FileState(size=size, mtime_ns=mtime_ns, sha256=digest)
                return Change("unchanged", article_id, path, state)
        try:
            article = load_article(path, self.corpus_dir)
        except ArticleError as error:
            return Change("skipped", article_id, path, error=error)
        # The stat was taken before the read: if the file changes in between, the next update
        # sees a newer mtime, hashes it, and catches up.
        state = FileState(size=size, mtime_ns=mtime_ns, sha256=article.content_hash)
        return Change("updated" if previous else "added", article_id, path, state, article)

    def _deleted(self, candidates: Collection[str]) -> Iterator[Change]:
        if not candidates:
            return  # the usual case; `_rows` (100,000 entries at 100k) is then never built
        for article_id in sorted(self._rows.keys() & candidates):
            yield Change("deleted", article_id, path_of(article_id, self.corpus_dir))


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
