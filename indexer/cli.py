"""The `index` command: flags to `build_index` arguments, errors to one line and an exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from indexer.build import build_index
from indexer.errors import ArticleError, MedsearchError
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


class ProgressBar:
    """A one-line progress bar, drawn only when the stream is a terminal."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.enabled = stream.isatty()

    def update(self, done: int, total: int) -> None:
        """Redraw the bar for `done` of `total` articles."""
        if not self.enabled or total == 0:
            return
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total}")
        if done == total:
            self.stream.write("\r" + " " * (self.width + 24) + "\r")
        self.stream.flush()

    def clear_line(self) -> None:
        """Erase the bar so a message can be printed on a clean line."""
        if self.enabled:
            self.stream.write("\r" + " " * (self.width + 24) + "\r")


def run_index(args: argparse.Namespace, settings: Settings) -> int:
    """Run a full build as the CLI flags say; return the process exit code."""
    corpus_dir: Path = args.corpus or settings.corpus_dir
    index_dir: Path = args.index or settings.index_dir
    progress = ProgressBar(sys.stderr)

    def report_skip(error: ArticleError) -> None:
        progress.clear_line()
        print(f"skipped {error.path}: {error.field}: {error.problem}", file=sys.stderr)

    try:
        report = build_index(
            corpus_dir,
            index_dir,
            strict=args.strict,
            on_progress=progress.update,
            on_skip=report_skip,
            processes=settings.index_processes,
        )
    except KeyboardInterrupt:
        progress.clear_line()
        print("interrupted; the index was not changed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MedsearchError as error:
        progress.clear_line()
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_ERROR
    print(report.summary())
    return EXIT_OK
