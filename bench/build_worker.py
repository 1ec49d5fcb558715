"""One engine's full build or incremental update, run in its own process to measure its memory.

`python -m bench.build_worker ENGINE full|update CORPUS INDEX [PATH ...]` prints one JSON object:
documents, seconds and peak resident memory (this process plus its largest child) in MB.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench import peers


def _build_ours(corpus_dir: Path, index_dir: Path) -> int:
    from indexer.build import build_index

    return build_index(corpus_dir, index_dir).indexed


def _update_ours(corpus_dir: Path, index_dir: Path, changed: list[Path]) -> int:
    from indexer import build

    # Incremental updates are `update_index` (issue 5); without it an update is a full rebuild,
    # which the benchmark does not time again.
    update = getattr(build, "update_index", None)
    if update is None:
        raise SystemExit(3)
    report = update(corpus_dir, index_dir)
    return len(getattr(report, "updated", changed))


def run(engine: str, mode: str, corpus_dir: Path, index_dir: Path, changed: list[Path]) -> int:
    """Do one build or update; return the number of documents written."""
    paths = [corpus_dir / line for line in (corpus_dir / "paths.txt").read_text().splitlines()]
    if engine == "ours":
        if mode == "full":
            return _build_ours(corpus_dir, index_dir)
        return _update_ours(corpus_dir, index_dir, changed)
    if engine == "naive_whoosh":
        if mode == "full":
            return peers.build_naive_whoosh(paths, corpus_dir, index_dir)
        return peers.update_naive_whoosh(changed, corpus_dir, index_dir)
    if engine == "sqlite_fts5":
        database = index_dir / "articles.sqlite"
        if mode == "full":
            return peers.build_sqlite_fts5(paths, corpus_dir, database)
        return peers.update_sqlite_fts5(changed, corpus_dir, database)
    raise SystemExit(f"unknown engine {engine}")


def main() -> None:
    """Parse the command line, run, print the JSON figures."""
    engine, mode, corpus, index, *changed = sys.argv[1:]
    started = time.perf_counter()
    documents = run(engine, mode, Path(corpus), Path(index), [Path(p) for p in changed])
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {"documents": documents, "seconds": seconds, "peak_rss_mb": (own + children) / 1024}
        )
    )


if __name__ == "__main__":
    main()
