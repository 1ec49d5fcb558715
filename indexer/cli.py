"""The `index` command: flags to `update_index` arguments, errors to one line and an exit code."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from indexer.articles import iter_corpus
from indexer.build import BuildReport, update_index
from indexer.errors import ArticleError, IndexBusyError, MedsearchError
from indexer.locks import WriterLock
from indexer.progress import Every, ProgressFigures, ProgressListener
from indexer.settings import Settings

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def add_index_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `index` command's flags to `parser`."""
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help=f"folder of Markdown articles (default: ${Settings.env_var('corpus_dir')} or corpus)",
    )
    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help=f"index folder (default: ${Settings.env_var('index_dir')} or index)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 1) and keep the old index if any article is skipped",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--full",
        action="store_true",
        help="rebuild from scratch instead of updating only what changed",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="only check the corpus: print every problem, exit 1 if any; the index is not touched",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="if another update is running, wait for it to finish instead of failing",
    )
    parser.add_argument(
        "--processes",
        type=_process_count,
        default=None,
        metavar="N",
        help="processes a full build of 400 or more articles uses; 0 means one per core "
        f"(default: ${Settings.env_var('index_processes')} or 0)",
    )
    parser.add_argument(
        "articles",
        nargs="*",
        type=Path,
        metavar="ARTICLE",
        help="update only these article files (new, edited or deleted) instead of scanning the "
        "whole corpus for changes, as a publishing system that knows what it changed would",
    )
    # A descriptor holding the writer lock, inherited from the API process that started this one.
    parser.add_argument("--lock-fd", type=int, default=None, help=argparse.SUPPRESS)
    # Set by `POST /admin/reindex`, so that the run's record says who started it.
    parser.add_argument("--started-by-admin", action="store_true", help=argparse.SUPPRESS)


def _process_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= count <= 64:
        raise argparse.ArgumentTypeError(f"{count} is not between 0 and 64")
    return count


class ProgressBar:
    """A progress bar on a terminal (rich): phase, bar, articles done of total, rate, time left.

    Drawn only when the stream is a terminal; `medsearch index` logs lines otherwise.
    """

    def __init__(self, stream: TextIO) -> None:
        self.enabled = stream.isatty()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if self.enabled:
            self._bar = Progress(
                TextColumn("{task.description:<7}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(file=stream),
                transient=True,
            )

    def update(self, figures: ProgressFigures) -> None:
        """Redraw the bar with `figures`."""
        if self._bar is None:
            return
        rate = "" if figures.rate is None else f"{figures.rate:.0f}/s"
        if not self._bar.live.is_started:
            self._bar.start()
        if self._task is None:
            self._task = self._bar.add_task(figures.phase, total=None, rate=rate)
        self._bar.update(
            self._task,
            description=figures.phase,
            completed=figures.done,
            total=figures.total or None,
            rate=rate,
        )

    def clear_line(self) -> None:
        """Take the bar off the screen so that a message prints on a clean line; the next
        update draws it again."""
        if self._bar is not None and self._bar.live.is_started:
            self._bar.stop()


def progress_reporter(stream: TextIO, every_seconds: float) -> tuple[ProgressBar, ProgressListener]:
    """The bar for a terminal, or a listener that logs a line every `every_seconds` otherwise."""
    bar = ProgressBar(stream)
    if bar.enabled:
        return bar, bar.update

    def log(figures: ProgressFigures) -> None:
        print(f"progress: {figures.line()}", file=stream, flush=True)

    return bar, Every(every_seconds, log)


def run_index(args: argparse.Namespace, settings: Settings) -> int:
    """Run an update, a full build or a check as the CLI flags say; return the exit code."""
    corpus_dir: Path = args.corpus or settings.corpus_dir
    index_dir: Path = args.index or settings.index_dir
    if args.articles and (args.check or args.full):
        flag = "--check" if args.check else "--full"
        print(f"error: {flag} looks at the whole corpus; give no ARTICLE with it", file=sys.stderr)
        return EXIT_USAGE
    if args.check:
        return run_check(corpus_dir)
    progress, on_figures = progress_reporter(sys.stderr, settings.progress_seconds)

    def report_skip(error: ArticleError) -> None:
        progress.clear_line()
        print(f"skipped {error.path}: {error.field}: {error.problem}", file=sys.stderr)

    def report_wait() -> None:
        print(f"waiting: {IndexBusyError(index_dir).message}", file=sys.stderr)

    try:
        with _sigterm_interrupts():
            lock = None if args.lock_fd is None else WriterLock.adopt(index_dir, args.lock_fd)
            report = update_index(
                corpus_dir,
                index_dir,
                full=args.full,
                strict=args.strict,
                wait=args.wait,
                lock=lock,
                on_figures=on_figures,
                on_skip=report_skip,
                on_wait=report_wait,
                processes=settings.index_processes if args.processes is None else args.processes,
                changed=args.articles or None,
                memory_mb=settings.index_memory_mb,
                kind="reindex" if args.started_by_admin else "index",
            )
        progress.clear_line()
    except KeyboardInterrupt:
        progress.clear_line()
        print("interrupted; the index was not changed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except IndexBusyError as error:
        print(
            f"error: {error.message}; run again when it finishes, or pass --wait to queue",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except MedsearchError as error:
        progress.clear_line()
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_ERROR
    print_changes(report, corpus_dir)
    print(report.summary())
    return EXIT_OK


def print_changes(report: BuildReport, corpus_dir: Path) -> None:
    """One line per article an incremental update added, updated or deleted."""
    if report.mode != "incremental":
        return
    for kind, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("deleted", report.deleted),
    ):
        for article_id in ids:
            print(f"{kind:<8}{corpus_dir / article_id}.md")


def run_check(corpus_dir: Path) -> int:
    """Check every article below `corpus_dir`, print each problem, and never touch the index."""
    files = problems = 0
    try:
        for item in iter_corpus(corpus_dir):
            files += 1
            if isinstance(item, ArticleError):
                problems += 1
                print(f"{item.path}: {item.field}: {item.problem}")
    except MedsearchError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_ERROR
    if files == 0:
        problems += 1
        print(f"{corpus_dir}: no .md files; there is nothing to index")
    found = f"{problems} problem(s)" if problems else "no problems"
    print(f"checked {files} file(s) in {corpus_dir}: {found}")
    return EXIT_ERROR if problems else EXIT_OK


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM (`kill`, systemd, docker stop) like Ctrl-C, so the build cleans up."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:
        # Not the main thread (tests calling the CLI in-process): leave signals alone.
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
