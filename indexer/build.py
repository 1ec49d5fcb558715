"""Index updates: write the next generation beside the live one and publish it when complete.

An incremental update compares the corpus with the live generation's manifest and applies only
what changed, to a hard-linked copy of that generation; a full build writes every article into an
empty one. Either way readers keep the live generation until `CURRENT` switches, one writer runs
at a time, and any failure or interruption leaves the index as it was.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh.filedb.filestore import FileStorage

from indexer.articles import Article, ListedFile, list_corpus, list_given, path_of, public_id
from indexer.changes import RACY_NS, Change, CorpusScan, file_state
from indexer.errors import (
    ArticleError,
    CorpusNotFoundError,
    EmptyCorpusError,
    IndexCorruptError,
    IndexWriteError,
    MedsearchError,
    StrictModeError,
)
from indexer.locks import WriterLock
from indexer.manifest import (
    MANIFEST_FILE,
    FileState,
    FileTable,
    Manifest,
    read_manifest,
    schema_fingerprint,
    write_manifest,
)
from indexer.merging import merge_small_segments
from indexer.parallel import PARALLEL_MIN_ARTICLES, build_in_parallel, default_processes
from indexer.pause import pause_point
from indexer.progress import Every, Progress, ProgressFigures, ProgressListener
from indexer.schema import article_to_document, build_schema
from indexer.settings import DEFAULT_INDEX_MEMORY_MB
from indexer.status import (
    MAX_ERRORS,
    BuildKind,
    BuildMode,
    BuildRecord,
    now,
    record_finish,
    record_progress,
    record_start,
)
from indexer.storage import (
    current_generation,
    discard,
    link_generation,
    new_build_dir,
    open_generation,
    publish,
    recover,
)
from indexer.writer import index_writer

ProgressCallback = Callable[[int, int], None]
# How often a running update rewrites its record for `GET /admin/status`, besides each phase.
STATUS_EVERY_SECONDS = 1.0


@dataclass(frozen=True)
class BuildReport:
    """What an update or build did: what changed, what was skipped and why, and what is live."""

    indexed: int
    skipped: list[ArticleError] = field(default_factory=list)
    seconds: float = 0.0
    generation: str = ""
    mode: BuildMode = "full"
    reason: str = ""
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    documents: int = 0

    @property
    def changed(self) -> bool:
        """Whether this run published a new generation."""
        return self.mode == "full" or bool(self.added or self.updated or self.deleted)

    def summary(self) -> str:
        """One line for people: counts, time and the generation that is live."""
        took = f"in {self.seconds:.2f} s"
        live = f"live generation: {self.generation} ({self.documents} documents)"
        if self.mode == "full":
            return (
                f"indexed {self.indexed} article(s), skipped {len(self.skipped)}, {took}; "
                f"{live}; full build because {self.reason}"
            )
        if not self.changed:
            return (
                f"no changes: {self.unchanged} unchanged, {len(self.skipped)} skipped, {took}; "
                f"{live}, no new generation"
            )
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, deleted {len(self.deleted)}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)}, {took}; {live}"
        )


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    strict: bool = False,
    wait: bool = False,
    on_progress: ProgressCallback | None = None,
    on_skip: Callable[[ArticleError], None] | None = None,
    processes: int = 0,
    memory_mb: int = DEFAULT_INDEX_MEMORY_MB,
) -> BuildReport:
    """Index every article below `corpus_dir` into a new generation and make it live."""
    return update_index(
        corpus_dir,
        index_dir,
        full=True,
        strict=strict,
        wait=wait,
        on_progress=on_progress,
        on_skip=on_skip,
        processes=processes,
        memory_mb=memory_mb,
    )


def update_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    strict: bool = False,
    wait: bool = False,
    lock: WriterLock | None = None,
    on_progress: ProgressCallback | None = None,
    on_skip: Callable[[ArticleError], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    processes: int = 0,
    changed: Collection[Path] | None = None,
    memory_mb: int = DEFAULT_INDEX_MEMORY_MB,
    on_figures: ProgressListener | None = None,
    kind: BuildKind = "index",
) -> BuildReport:
    """Make the index match the corpus: add new files, re-index changed ones, delete gone ones.

    With `changed`, only those files are looked at, as a publishing system that knows what it
    changed would ask (no scan of the whole corpus): each is added, updated, or deleted when it
    no longer exists. Raises NotAnArticleError for one the corpus would not list. With `full`,
    or when there is no usable index yet (none, unreadable, or built with another schema),
    every article is indexed afresh: by `processes` processes at once (0: one per core) when
    there are at least PARALLEL_MIN_ARTICLES files; each writer buffers up to `memory_mb`
    megabytes of postings. When nothing changed, nothing is written and the live generation
    stays. Raises IndexBusyError if another update runs and `wait` is False; `lock` is a writer
    lock the caller already holds. Progress is recorded in the index folder for
    `GET /admin/status` (at each phase and at most every STATUS_EVERY_SECONDS) and handed to
    `on_figures` (phase, counts, rate, time left) as well as to `on_progress` (counts only).
    """
    if not corpus_dir.is_dir():
        raise CorpusNotFoundError(corpus_dir)
    given = None if changed is None else list(changed)
    if given is not None:
        list_given(given, corpus_dir)  # refuses a file that is no article before waiting
    held = lock or WriterLock.acquire(index_dir, wait=wait, on_wait=on_wait)
    with held:
        run = _Run(
            corpus_dir,
            index_dir,
            given,
            full=full,
            strict=strict,
            processes=processes or default_processes(),
            memory_mb=memory_mb,
            kind=kind,
        )
        record_start(index_dir, run.record("running"))
        listeners: list[ProgressListener] = [
            Every(STATUS_EVERY_SECONDS, run.record_progress, on_phase=True)
        ]
        if on_figures is not None:
            listeners.append(on_figures)
        run.progress.listeners = listeners
        run.progress.start()

        def counted(done: int, total: int) -> None:
            run.progress.update(done, total)
            if on_progress is not None:
                on_progress(done, total)

        try:
            report = run.execute(counted, on_skip)
        except OSError as exc:
            # A full disk, a file size limit, lost permissions: one clear error, not a traceback.
            error = IndexWriteError(index_dir, exc)
            with contextlib.suppress(OSError):
                record_finish(index_dir, run.failure_record(error))
            raise error from exc
        except BaseException as exc:
            record_finish(index_dir, run.failure_record(exc))
            raise
        record_finish(index_dir, run.record("succeeded", report))
    return report


class _Build:
    """A build folder with an open Whoosh writer: the next generation while it is written."""

    def __init__(self, index_dir: Path, build_dir: Path, index: Any, memory_mb: int) -> None:
        self.index_dir = index_dir
        self.build_dir = build_dir
        self.index = index
        self.writer = index_writer(index, memory_mb)
        self.progress = Progress()

    @classmethod
    def start(
        cls,
        index_dir: Path,
        base: str | None,
        schema: Any,
        memory_mb: int = DEFAULT_INDEX_MEMORY_MB,
    ) -> _Build:
        """An empty build, or with `base` a copy of that generation to change."""
        build_dir = new_build_dir(index_dir)
        try:
            if base is None:
                index = whoosh.index.create_in(str(build_dir), schema)
                return cls(index_dir, build_dir, index, memory_mb)
            link_generation(index_dir, base, build_dir)
            # No mmap, as in storage.open_generation: Whoosh would copy every mapped segment part
            # it opens into memory, and update_document opens every segment's terms to delete.
            storage = FileStorage(str(build_dir), supports_mmap=False)
            return cls(index_dir, build_dir, storage.open_index(), memory_mb)
        except BaseException:
            discard(build_dir)
            raise

    def apply(self, change: Change) -> None:
        """Write one added, updated or deleted article."""
        if change.kind == "deleted":
            # Listed ids are file paths; an indexed id has `-` for the spaces of its file name.
            self.writer.delete_by_term("id", public_id(change.article_id))
            return
        assert change.article is not None
        document = article_to_document(change.article)
        if change.kind == "updated":
            self.writer.update_document(**document)
        else:
            self.writer.add_document(**document)

    def finish(self, manifest: Manifest) -> str:
        """Commit, check, and publish the build; return the new generation's name."""
        pause_point("commit")
        self.progress.phase("commit")
        self.writer.commit(mergetype=merge_small_segments)
        return _publish_checked(
            self.index_dir, self.build_dir, self.index.doc_count(), manifest, self.progress
        )

    def abort(self) -> None:
        """Throw the build away."""
        with contextlib.suppress(Exception):
            self.writer.cancel()
        discard(self.build_dir)


class _Run:
    """One update, from the writer lock being taken to the new generation going live."""

    def __init__(
        self,
        corpus_dir: Path,
        index_dir: Path,
        given: list[Path] | None,
        *,
        full: bool,
        strict: bool,
        processes: int = 1,
        memory_mb: int = DEFAULT_INDEX_MEMORY_MB,
        kind: BuildKind = "index",
    ) -> None:
        self.corpus_dir = corpus_dir
        self.index_dir = index_dir
        self.given = given
        self.full = full
        self.strict = strict
        self.processes = processes
        self.memory_mb = memory_mb
        self.started_at = now()
        self.started = time.perf_counter()
        self.mode: BuildMode = "full" if full else "incremental"
        self.skipped: list[ArticleError] = []
        self.kind: BuildKind = kind
        self.progress = Progress()

    def execute(
        self,
        on_progress: ProgressCallback | None,
        on_skip: Callable[[ArticleError], None] | None,
    ) -> BuildReport:
        """Scan, write what changed, publish; return the report."""
        recover(self.index_dir)
        schema = build_schema()
        fingerprint = schema_fingerprint(schema)
        base, manifest, reason = self._choose_base(fingerprint)
        self.mode = "incremental" if manifest is not None else "full"
        # Listed under the writer lock: a writer that waited must see the corpus as it is now.
        scanned_at_ns = time.time_ns()
        changes: Iterator[Change]
        if manifest is not None and self.given is not None:
            listed, missing = list_given(self.given, self.corpus_dir)
            scan = self._scan(manifest)
            changes = scan.changes_of(listed, missing, on_progress)
            # Only the given files were looked at: the others' rows keep the older scan's time.
            scanned_at_ns = manifest.scanned_at_ns
        else:
            listed = list_corpus(self.corpus_dir)
            if base is None and self.processes > 1 and len(listed) >= PARALLEL_MIN_ARTICLES:
                return self._build_in_parallel(listed, fingerprint, reason, on_progress, on_skip)
            scan = self._scan(manifest)
            changes = scan.changes(listed, on_progress)
        pause_point("scan")
        done: dict[str, list[str]] = {"added": [], "updated": [], "deleted": []}
        build: _Build | None = None
        try:
            for change in changes:
                if change.kind == "skipped":
                    assert change.error is not None
                    self.skipped.append(change.error)
                    if on_skip is not None:
                        on_skip(change.error)
                    continue
                first = build is None
                if build is None:
                    build = _Build.start(self.index_dir, base, schema, self.memory_mb)
                    build.progress = self.progress
                build.apply(change)
                done[change.kind].append(change.article_id)
                if first:
                    pause_point("apply")
            if self.strict and self.skipped:
                raise StrictModeError(len(self.skipped))
            if not scan.files:
                raise EmptyCorpusError(self.corpus_dir, len(self.skipped))
            if build is None:
                generation = base or ""
            else:
                generation = build.finish(
                    Manifest(
                        schema_fingerprint=fingerprint,
                        corpus_dir=str(self.corpus_dir.resolve()),
                        scanned_at_ns=scanned_at_ns,
                        files=scan.files,
                    )
                )
        except BaseException:
            if build is not None:
                build.abort()
            raise
        return BuildReport(
            indexed=len(done["added"]) + len(done["updated"]),
            skipped=self.skipped,
            seconds=time.perf_counter() - self.started,
            generation=generation,
            mode=self.mode,
            reason=reason,
            added=done["added"],
            updated=done["updated"],
            deleted=done["deleted"],
            unchanged=scan.unchanged,
            documents=len(scan.files),
        )

    def _scan(self, manifest: Manifest | None) -> CorpusScan:
        if manifest is None:
            return CorpusScan(self.corpus_dir, FileTable())
        return CorpusScan(
            self.corpus_dir, manifest.files, trusted_before_ns=manifest.scanned_at_ns - RACY_NS
        )

    def _build_in_parallel(
        self,
        listed: list[ListedFile],
        fingerprint: str,
        reason: str,
        on_progress: ProgressCallback | None,
        on_skip: Callable[[ArticleError], None] | None,
    ) -> BuildReport:
        """A full build by several processes (indexer.parallel), with the same checks and report."""
        scanned_at_ns = time.time_ns()
        # Stated and hashed before the processes read the files: a file changed meanwhile then
        # looks changed to the next update, which re-indexes it, instead of looking indexed.
        paths = [path_of(article_id, self.corpus_dir) for article_id, _, _ in listed]
        states = {path: file_state(path) for path in paths}
        pause_point("scan")
        build_dir = new_build_dir(self.index_dir)
        try:
            self.skipped = build_in_parallel(
                paths,
                self.corpus_dir,
                build_dir,
                processes=self.processes,
                limitmb=self.memory_mb,
                on_progress=on_progress,
                on_skip=on_skip,
            )
            if self.strict and self.skipped:
                raise StrictModeError(len(self.skipped))
            skipped_paths = {error.path for error in self.skipped}
            files = FileTable()
            for (article_id, _, _), path in zip(listed, paths, strict=True):
                if path not in skipped_paths:
                    files.add(article_id, states[path] or _missing_state())
            if not files:
                raise EmptyCorpusError(self.corpus_dir, len(self.skipped))
            documents = whoosh.index.open_dir(str(build_dir)).doc_count()
            manifest = Manifest(
                schema_fingerprint=fingerprint,
                corpus_dir=str(self.corpus_dir.resolve()),
                scanned_at_ns=scanned_at_ns,
                files=files,
            )
            generation = _publish_checked(
                self.index_dir, build_dir, documents, manifest, self.progress
            )
        except BaseException:
            discard(build_dir)
            raise
        return BuildReport(
            indexed=len(files),
            skipped=self.skipped,
            seconds=time.perf_counter() - self.started,
            generation=generation,
            mode="full",
            reason=reason,
            added=list(files.ids),
            documents=len(files),
        )

    def _choose_base(self, fingerprint: str) -> tuple[str | None, Manifest | None, str]:
        """The generation to update and its manifest, or why there is none and a full build."""
        if self.full:
            return None, None, "it was asked for"
        try:
            current = current_generation(self.index_dir)
            if current is None:
                return None, None, "there was no index yet"
            # Files whose size and modification time are as recorded are not hashed: hashing a
            # large live index (1 GB at 100,000 articles) would cost an update more than all
            # else. Whoosh never rewrites a segment file, so a changed one is damage, and is
            # hashed; a damaged live index means a full build.
            open_generation(self.index_dir, current, trust_stat=True)
        except IndexCorruptError as error:
            return None, None, f"the live index cannot be read ({error.reason})"
        manifest = read_manifest(self.index_dir / current)
        if manifest is None:
            if (self.index_dir / current / MANIFEST_FILE).exists():
                return None, None, f"{current}'s manifest of indexed files is of another version"
            return None, None, f"{current} has no manifest of indexed files"
        if manifest.schema_fingerprint != fingerprint:
            return None, None, f"the schema changed since {current} was built"
        return current, manifest, ""

    def record(self, result: str, report: BuildReport | None = None) -> BuildRecord:
        """The build record of this run so far, or finished with `report`."""
        fields: dict[str, Any] = {
            "id": f"{os.getpid()}-{self.started_at:%Y%m%dT%H%M%SZ}",
            "kind": self.kind,
            "result": result,
            "mode": self.mode,
            "pid": os.getpid(),
            "corpus_dir": str(self.corpus_dir.resolve()),
            "started_at": self.started_at,
        }
        if report is not None:
            fields |= {
                "finished_at": now(),
                "seconds": round(report.seconds, 3),
                "generation": report.generation,
                "documents": report.documents,
                "added": len(report.added),
                "updated": len(report.updated),
                "deleted": len(report.deleted),
                "unchanged": report.unchanged,
                "summary": report.summary(),
            }
        fields["skipped"] = len(self.skipped)
        fields["errors"] = [_error_line(error) for error in self.skipped[:MAX_ERRORS]]
        return BuildRecord.model_validate(fields)

    def record_progress(self, figures: ProgressFigures) -> None:
        """Write the running record with `figures` into the index folder."""
        rate, eta = figures.rate, figures.eta_seconds
        running = self.record("running").model_copy(
            update={
                "phase": figures.phase,
                "done": figures.done,
                "total": figures.total,
                "rate": None if rate is None else round(rate, 1),
                "eta_seconds": None if eta is None else round(eta, 1),
            }
        )
        record_progress(self.index_dir, running)

    def failure_record(self, exc: BaseException) -> BuildRecord:
        """The build record of this run ended by `exc`."""
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            result, reason = "interrupted", "interrupted; the index was not changed"
        elif isinstance(exc, MedsearchError):
            result, reason = "failed", exc.message
        else:
            result, reason = "failed", f"unexpected error: {type(exc).__name__}: {exc}"
        record = self.record(result)
        return record.model_copy(
            update={
                "finished_at": now(),
                "seconds": round(time.perf_counter() - self.started, 3),
                "summary": reason,
                "errors": [*record.errors, reason][-MAX_ERRORS:],
            }
        )


def _publish_checked(
    index_dir: Path,
    build_dir: Path,
    documents: int,
    manifest: Manifest,
    progress: Progress,
) -> str:
    """Write the manifest and publish a committed build whose document count matches it."""
    if documents != len(manifest.files):
        # Index and manifest must agree, or later updates would go wrong; never publish that.
        raise IndexCorruptError(
            index_dir,
            f"an update produced {documents} documents where {len(manifest.files)} were "
            "expected; the index was not changed",
        )
    progress.phase("publish")
    write_manifest(build_dir, manifest)
    pause_point("publish")
    return publish(index_dir, build_dir)


def _missing_state() -> FileState:
    # A file that vanished between the listing and the hashing yet was indexed: recorded as
    # unknown, so the next update looks at it again.
    return FileState(size=-1, mtime_ns=-1, sha256="")


def _error_line(error: ArticleError) -> str:
    return f"{error.path}: {error.field}: {error.problem}"


def build_index_from_articles(
    articles: Iterable[Article], index_dir: Path, *, source: Path | None = None
) -> BuildReport:
    """Index already-loaded articles (from any loader) into a new generation and make it live.

    No manifest is written, since no corpus files stand behind these articles: the next
    `medsearch index` on this folder therefore does a full build.
    """
    started = time.perf_counter()
    with WriterLock.acquire(index_dir, wait=False):
        build = _Build.start(index_dir, None, build_schema())
        try:
            indexed = 0
            for article in articles:
                build.writer.add_document(**article_to_document(article))
                indexed += 1
            if indexed == 0:
                raise EmptyCorpusError(source or index_dir, 0)
            build.writer.commit()
            generation = publish(index_dir, build.build_dir)
        except BaseException:
            build.abort()
            raise
    return BuildReport(indexed, [], time.perf_counter() - started, generation, documents=indexed)
