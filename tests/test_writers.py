"""One writer at a time: a second update fails fast with a clear message, or waits its turn."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from indexer.build import BuildReport, update_index
from indexer.errors import IndexBusyError
from indexer.locks import WriterLock
from tests.conftest import run_medsearch, write_article


class _HeldUpdate:
    """A full build running in a thread, paused mid-scan while it holds the writer lock."""

    def __init__(self, corpus_dir: Path, index_dir: Path) -> None:
        self.paused = threading.Event()
        self.resume = threading.Event()
        self.report: BuildReport | None = None
        self.thread = threading.Thread(target=self._run, args=(corpus_dir, index_dir))

    def _run(self, corpus_dir: Path, index_dir: Path) -> None:
        def pause(done: int, total: int) -> None:
            if done == 1:
                self.paused.set()
                self.resume.wait(timeout=30)

        self.report = update_index(corpus_dir, index_dir, full=True, on_progress=pause)

    def __enter__(self) -> _HeldUpdate:
        self.thread.start()
        assert self.paused.wait(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.resume.set()
        self.thread.join(timeout=30)


def test_update_index_second_writer_fails_fast_naming_the_first(
    corpus_dir: Path, index_dir: Path
) -> None:
    with _HeldUpdate(corpus_dir, index_dir) as first, pytest.raises(IndexBusyError) as caught:
        update_index(corpus_dir, index_dir)
    assert caught.value.message.startswith(
        f"another index update is running in {index_dir} (full update by pid {os.getpid()}, "
        "started "
    )
    assert first.report is not None
    assert first.report.generation == "gen-000002"


def test_update_index_second_writer_waits_when_asked(corpus_dir: Path, index_dir: Path) -> None:
    events: list[str] = []
    reports: list[BuildReport] = []
    write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nB2.\n")
    with _HeldUpdate(corpus_dir, index_dir) as first:
        second = threading.Thread(
            target=lambda: reports.append(
                update_index(
                    corpus_dir, index_dir, wait=True, on_wait=lambda: events.append("wait")
                )
            )
        )
        second.start()
        deadline = time.monotonic() + 30
        while not events and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (events, reports, second.is_alive()) == (["wait"], [], True)
    second.join(timeout=30)
    assert first.report is not None
    assert first.report.generation == "gen-000002"
    # The first writer indexed everything, so the second one finds nothing left to do.
    assert [(r.changed, r.generation) for r in reports] == [(False, "gen-000002")]


def test_cli_index_while_another_update_runs_exits_1(corpus_dir: Path, index_dir: Path) -> None:
    with WriterLock.acquire(index_dir):
        result = run_medsearch("index", "--corpus", str(corpus_dir), "--index", str(index_dir))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: another index update is running in {index_dir}; "
        "run again when it finishes, or pass --wait to queue\n"
    )
    assert result.stdout == ""
