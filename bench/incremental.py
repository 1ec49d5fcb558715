"""How long an incremental update takes next to a full build, on the bundled and a larger corpus.

Run by hand (it takes minutes; the machine is shared, so it reports medians of interleaved rounds):

    .venv/bin/python -m bench.incremental --articles 5000 --repeat 3

Each round runs, on a copy of the corpus: a full build; an update after adding one article,
changing one and deleting one; an update with nothing changed; and an update after every file
was touched (new mtime, same bytes, so each one is hashed). The `medsearch index` column is the
wall time of the command with nothing changed, process start included: what an editor waits for.
The larger corpus is made of sentences drawn from the bundled articles.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from indexer.articles import corpus_files
from indexer.build import BuildReport, update_index

COLUMNS = ("full build", "update 3 files", "no change", "all touched", "medsearch index")


def generate_corpus(source: Path, target: Path, articles: int, seed: int) -> None:
    """Write `articles` Markdown articles built from random sentences of the `source` corpus."""
    text = " ".join(path.read_text(encoding="utf-8") for path in corpus_files(source))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]
    sentences = [s for s in sentences if not s.startswith(("---", "#", "title:", "date:"))]
    rng = random.Random(seed)
    target.mkdir(parents=True)
    for number in range(articles):
        title = rng.choice(sentences).rstrip(".!?")[:80].replace('"', "'")
        body = "\n\n".join(
            " ".join(rng.sample(sentences, rng.randint(3, 8))) for _ in range(rng.randint(3, 9))
        )
        (target / f"article-{number:05d}.md").write_text(
            f'---\ntitle: "{title}"\ndate: 2020-01-{1 + number % 28:02d}\n'
            f"author: Dr. Bench Mark\ntags: [bench]\n---\n{body}\n",
            encoding="utf-8",
        )


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _expect(report: BuildReport, changes: tuple[int, int, int]) -> BuildReport:
    got = (len(report.added), len(report.updated), len(report.deleted))
    if got != changes:
        raise SystemExit(f"expected (added, updated, deleted) = {changes}, got {got}")
    return report


def measure(corpus_dir: Path, index_dir: Path, repeat: int) -> dict[str, list[float]]:
    """Time each kind of run `repeat` times, interleaved, on a corpus the rounds may change."""
    times: dict[str, list[float]] = {column: [] for column in COLUMNS}
    command = [sys.executable, "-m", "search_api.cli", "index"]
    for round_number in range(repeat):
        times["full build"].append(_timed(lambda: update_index(corpus_dir, index_dir, full=True)))
        files = corpus_files(corpus_dir)
        shutil.copy(files[0], corpus_dir / f"bench-added-{round_number}.md")
        files[1].write_text(files[1].read_text(encoding="utf-8") + "\nEdited.\n", "utf-8")
        files[2].unlink()
        times["update 3 files"].append(
            _timed(lambda: _expect(update_index(corpus_dir, index_dir), (1, 1, 1)))
        )
        times["no change"].append(
            _timed(lambda: _expect(update_index(corpus_dir, index_dir), (0, 0, 0)))
        )
        future = time.time() + 10 + round_number
        for path in corpus_files(corpus_dir):
            os.utime(path, (future, future))
        times["all touched"].append(
            _timed(lambda: _expect(update_index(corpus_dir, index_dir), (0, 0, 0)))
        )
        times["medsearch index"].append(
            _timed(
                lambda: subprocess.run(
                    [*command, "--corpus", str(corpus_dir), "--index", str(index_dir)],
                    check=True,
                    capture_output=True,
                )
            )
        )
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a Markdown table of medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus"), help="bundled corpus")
    parser.add_argument("--articles", type=int, default=5000, help="size of generated corpus")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per corpus")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as scratch:
        root = Path(scratch)
        shutil.copytree(args.corpus, root / "bundled")
        generate_corpus(args.corpus, root / "generated", args.articles, args.seed)
        for name in ("bundled", "generated"):
            count = len(corpus_files(root / name))
            times = measure(root / name, root / f"{name}-index", args.repeat)
            medians = {column: statistics.median(values) for column, values in times.items()}
            rows.append((f"{name} ({count} articles)", medians))
    print(f"medians of {args.repeat} rounds, seconds\n")
    print("| corpus | " + " | ".join(COLUMNS) + " | full / update |")
    print("| --- " * (len(COLUMNS) + 2) + "|")
    for label, medians in rows:
        cells = " | ".join(f"{medians[column]:.3f}" for column in COLUMNS)
        ratio = medians["full build"] / medians["update 3 files"]
        print(f"| {label} | {cells} | {ratio:.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
