"""The `import` command: `medsearch import html|wordpress|feed SOURCE --out CORPUS`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from indexer.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from indexer.errors import ImportSourceError, MedsearchError
from indexer.importers.items import ImportedArticle, Skipped
from indexer.importers.writer import ImportReport, write_articles

Source = Iterator[ImportedArticle | Skipped]


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `import` command's kinds of source and their flags to `parser`."""
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    html = kinds.add_parser(
        "html", help="saved web pages: every .htm and .html file below a folder"
    )
    html.add_argument("source", type=Path, metavar="DIR", help="folder of saved pages")
    html.add_argument(
        "--base-url",
        default="",
        metavar="URL",
        help="address the folder was saved from, for each article's `url` (default: a first "
        "folder named like a host, as `wget --mirror` makes, else none)",
    )
    wordpress = kinds.add_parser("wordpress", help="a WordPress export (Tools > Export, WXR)")
    wordpress.add_argument("source", type=Path, metavar="EXPORT.xml", help="the export file")
    feed = kinds.add_parser("feed", help="an RSS 2.0 or Atom feed saved as a file")
    feed.add_argument("source", type=Path, metavar="FEED.xml", help="the feed file")
    for sub in (html, wordpress, feed):
        sub.add_argument(
            "--out", type=Path, required=True, metavar="CORPUS_DIR", help="folder to write to"
        )


def _open_source(args: argparse.Namespace) -> Source:
    source: Path = args.source
    if args.kind == "html":
        from indexer.importers.html import import_html  # trafilatura takes a second to import

        if not source.is_dir():
            raise ImportSourceError(source, "is not a folder; give the folder of saved pages")
        return import_html(source, args.base_url)
    if not source.is_file():
        raise ImportSourceError(source, "is not a file; give the saved XML file")
    reader: Callable[[Path], Source]
    if args.kind == "wordpress":
        from indexer.importers.wordpress import import_wordpress as reader
    else:
        from indexer.importers.feed import import_feed as reader
    return reader(source)


def run_import(args: argparse.Namespace) -> int:
    """Import as the flags say; print what changed and a summary; return the exit code."""
    out_dir: Path = args.out
    if out_dir.exists() and not out_dir.is_dir():
        print(f"error: --out {out_dir} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    try:
        report = write_articles(_open_source(args), out_dir, ImportReport())
    except MedsearchError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"error: cannot write to {out_dir}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    for item in report.skipped:
        print(f"skipped {item.source}: {item.reason}", file=sys.stderr)
    if not (report.added or report.updated or report.unchanged):
        print(
            f"error: nothing to import in {args.source}: "
            f"{len(report.skipped)} item(s) skipped, no article found",
            file=sys.stderr,
        )
        return EXIT_ERROR
    for kind, names in (("added", report.added), ("updated", report.updated)):
        for name in names:
            print(f"{kind:<8}{out_dir / name}")
    print(f"imported {args.source} into {out_dir}: {report.summary(time.perf_counter() - started)}")
    return EXIT_OK
