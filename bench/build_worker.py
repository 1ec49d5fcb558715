"""One engine's full build or incremental update, run in its own process to measure its memory.

`python -m bench.build_worker ENGINE full|update|scan CORPUS INDEX [PATH ...]` prints one JSON
object (`update` is told the changed PATHs, `scan` finds them by scanning the corpus; ours only):
documents, seconds and peak resident memory in MB: `peak_rss_mb` is this process plus its largest
child (from getrusage), `peak_tree_rss_mb` the largest sum over this process and all its children
at once (sampled every 0.2 s from /proc, so a shorter peak may be missed).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

from bench import peers
from indexer.build import build_index, update_index


def run(
    engine: str,
    mode: str,
    corpus_dir: Path,
    index_dir: Path,
    changed: list[Path],
    paths: list[Path],
) -> int:
    """Do one build or update; return the number of documents written.

    `paths` is the corpus's file list, which the peers' full builds are given.
    """
    if engine == "ours":
        if mode == "full":
            return build_index(corpus_dir, index_dir).indexed
        report = update_index(corpus_dir, index_dir, changed=changed if mode == "update" else None)
        return len(report.updated)
    if mode == "scan":
        raise SystemExit(3)  # the peers are always told which files changed
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


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants now, in MB (Linux /proc)."""
    total = 0
    pending = [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while pending:
        current = pending.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * page
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e6


class _PeakSampler(threading.Thread):
    """Samples the process tree's resident memory until stopped; keeps the largest."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            self.peak_mb = max(self.peak_mb, _tree_rss_mb(os.getpid()))


def main() -> None:
    """Parse the command line, run, print the JSON figures."""
    engine, mode, corpus, index, *changed = sys.argv[1:]
    sampler = _PeakSampler()
    sampler.start()
    corpus_dir = Path(corpus)
    # Read before the clock starts: the peers are handed the list, ours lists the corpus itself
    # in a full build, and an update needs no list (100,000 paths cost about 0.3 s).
    lines = (corpus_dir / "paths.txt").read_text().splitlines() if mode == "full" else []
    paths = [corpus_dir / line for line in lines]
    started = time.perf_counter()
    documents = run(engine, mode, corpus_dir, Path(index), [Path(p) for p in changed], paths)
    seconds = time.perf_counter() - started
    sampler.stopped.set()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "documents": documents,
                "seconds": seconds,
                "peak_rss_mb": (own + children) / 1024,
                "peak_tree_rss_mb": round(sampler.peak_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
