"""The `medsearch` command: `index` builds the index, `import` writes articles from web pages,
WordPress exports and feeds, `serve` runs the API with uvicorn."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from indexer.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, add_index_arguments, run_index
from indexer.errors import IndexCorruptError
from indexer.importers.cli import add_import_arguments, run_import
from indexer.settings import Settings
from indexer.storage import current_generation
from search_api.http.access_log import uvicorn_log_config
from search_api.http.insights import SECRET_ENV as INSIGHTS_SECRET_ENV

# prometheus-client's multiprocess folder; set before any worker imports the library.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `medsearch` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="medsearch", description="Full-text search over medical articles."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    index = commands.add_parser("index", help="build the index from a folder of Markdown articles")
    add_index_arguments(index)
    add_import_arguments(
        commands.add_parser(
            "import", help="write Markdown articles from saved web pages, WordPress or a feed"
        )
    )
    serve = commands.add_parser("serve", help="serve the search API over HTTP")
    serve.add_argument("--index", type=Path, default=None, help="index folder")
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, default=None, help="worker processes (default 1)")
    return parser


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the API with uvicorn; refuse with a hint when there is no index to serve."""
    overrides = {
        "index_dir": args.index,
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
    }
    try:
        settings = settings.model_validate(
            settings.model_dump() | {k: v for k, v in overrides.items() if v is not None}
        )
        generation = current_generation(settings.index_dir)
    except ValidationError as exc:
        print(f"error: {_validation_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except IndexCorruptError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_ERROR
    if generation is None:
        print(
            f"error: no index in {settings.index_dir}. Build one first:\n"
            f"  medsearch index --corpus {settings.corpus_dir} --index {settings.index_dir}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    # Worker processes build their own app from the environment, so hand the settings down there.
    env = settings.to_env()
    for name in Settings.model_fields:
        variable = Settings.env_var(name)
        if variable in env:
            os.environ[variable] = env[variable]
        else:
            os.environ.pop(variable, None)
    with tempfile.TemporaryDirectory(prefix="medsearch-metrics-") as metrics_dir:
        # Every worker counts into files here and a scrape of any worker adds them up; a fresh
        # folder per start, so counts of an earlier run are never mixed in.
        os.environ[MULTIPROC_ENV] = metrics_dir
        # Search insights hash clients and rare queries with a key all workers share; it lives
        # in this process tree's memory only, so a restart makes the old hashes meaningless.
        os.environ[INSIGHTS_SECRET_ENV] = secrets.token_hex(32)
        _run_uvicorn(settings)
    return EXIT_OK


def _run_uvicorn(settings: Settings) -> None:
    uvicorn.run(
        "search_api.http.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        log_config=uvicorn_log_config(settings.log_level),
        # Our request log replaces uvicorn's, which writes every query string and client address.
        access_log=False,
        server_header=False,
    )


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{Settings.env_var(str(e['loc'][0])) if e['loc'] else 'settings'}: {e['msg']}"
        for e in exc.errors()
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `medsearch` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ValidationError as exc:
        print(f"error: {_validation_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "index":
        return run_index(args, settings)
    if args.command == "import":
        return run_import(args)
    return run_serve(args, settings)


if __name__ == "__main__":
    sys.exit(main())
