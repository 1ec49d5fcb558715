"""The build record kept in the index folder: the update running now and how the last one ended.

Only the process holding the writer lock writes it, so writes never race; anyone may read it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

STATUS_FILE = "build-status.json"
# Enough to act on; a corpus with thousands of broken files does not need them all in a response.
MAX_ERRORS = 100

BuildResult = Literal["running", "succeeded", "failed", "interrupted"]
BuildMode = Literal["incremental", "full"]
# `index`: the `medsearch index` command or a library call; `reindex`: `POST /admin/reindex`.
BuildKind = Literal["index", "reindex"]


class BuildRecord(BaseModel):
    """One run of the indexer: what it did, or is doing, and how it ended."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default="", description="Names this run: process id and start time.")
    kind: BuildKind = Field(
        default="index",
        description="`reindex` when started by `POST /admin/reindex`, else `index`.",
    )
    result: BuildResult = Field(
        description="`running`, `succeeded`, `failed`, or `interrupted` (stopped or killed)."
    )
    mode: BuildMode = Field(description="`incremental`, or `full` for a rebuild from scratch.")
    pid: int = Field(description="Process id of the indexer.")
    corpus_dir: str = Field(description="Corpus folder the run read.")
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    seconds: float | None = Field(default=None, description="How long the run took.")
    generation: str | None = Field(default=None, description="Generation live after the run.")
    documents: int | None = Field(default=None, description="Documents in that generation.")
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = Field(default=0, description="Files that could not be indexed.")
    summary: str = Field(default="", description="The line `medsearch index` printed.")
    errors: list[str] = Field(
        default_factory=list,
        description=f"Why files were skipped and why the run failed (the first {MAX_ERRORS}).",
    )
    phase: str | None = Field(
        default=None,
        description="While running: `scan`, `index` (articles read and written), `commit` or "
        "`publish`.",
    )
    done: int | None = Field(default=None, description="While running: articles done so far.")
    total: int | None = Field(default=None, description="While running: articles to look at.")
    rate: float | None = Field(default=None, description="While running: articles a second.")
    eta_seconds: float | None = Field(
        default=None, description="While running: about how many seconds the phase still needs."
    )


class BuildStatus(BaseModel):
    """The update running now, if any, and the last one that ended."""

    running: BuildRecord | None = None
    last_build: BuildRecord | None = None


def now() -> dt.datetime:
    """The current time in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def read_status(index_dir: Path) -> BuildStatus:
    """The build record of `index_dir`; a run whose process has died shows as interrupted."""
    try:
        status = BuildStatus.model_validate_json((index_dir / STATUS_FILE).read_bytes())
    except (OSError, ValidationError):
        return BuildStatus()
    running = status.running
    if running is not None and not process_alive(running.pid):
        return BuildStatus(running=None, last_build=interrupted(running))
    return status


def interrupted(record: BuildRecord) -> BuildRecord:
    """`record` of a run that never finished, as it should be reported."""
    return record.model_copy(
        update={
            "result": "interrupted",
            "errors": [
                *record.errors,
                "the indexer stopped before finishing (killed or crashed); "
                "the index was not changed",
            ][:MAX_ERRORS],
        }
    )


def record_start(index_dir: Path, record: BuildRecord) -> None:
    """Note that the lock holder started `record`; a run left over from a crash becomes the last."""
    status = read_status(index_dir)
    last = status.last_build
    if status.running is not None:
        # The caller holds the writer lock, so any other running record is a dead run's.
        last = interrupted(status.running)
    _write(index_dir, BuildStatus(running=record, last_build=last))


def record_progress(index_dir: Path, record: BuildRecord) -> None:
    """Note how far the lock holder's running run has come."""
    _write(index_dir, BuildStatus(running=record, last_build=read_status(index_dir).last_build))


def record_finish(index_dir: Path, record: BuildRecord) -> None:
    """Note how the lock holder's run ended."""
    _write(index_dir, BuildStatus(running=None, last_build=record))


def describe_running(index_dir: Path) -> str:
    """Who is updating `index_dir` now, for busy messages; empty when unknown."""
    running = read_status(index_dir).running
    if running is None:
        return ""
    started = running.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{running.mode} update by pid {running.pid}, started {started}"


def _write(index_dir: Path, status: BuildStatus) -> None:
    temporary = index_dir / f"{STATUS_FILE}.{os.getpid()}.tmp"
    try:
        temporary.write_text(status.model_dump_json(indent=2), encoding="utf-8")
        temporary.replace(index_dir / STATUS_FILE)
    except OSError:
        # The record is for people; failing to write it must not fail or undo a build.
        with contextlib.suppress(OSError):
            temporary.unlink()


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
