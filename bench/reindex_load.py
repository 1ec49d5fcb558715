"""Load with live reindexing: concurrent searches against a real server while the index changes.

Starts `medsearch serve` (uvicorn, several worker processes) on a loopback port, then runs
`clients` concurrent asyncio clients for `seconds`, each sending searches one after another.
Meanwhile a full reindex runs, then two updates that add, change and delete articles (the second
through `POST /admin/reindex`). Every answer is checked: a transport error, a 5xx, any status
but 200, or an empty result for a query that had results before the load started all count as
failures. Queries are words from the
corpus's own titles that match at least three articles, and updates delete only articles an
earlier update added, so no query can legitimately become empty.

    python -m bench.reindex_load --data ../shared/data/nfcorpus --articles 1000 \
        --clients 32 --seconds 60

Loopback only; the number of requests and the time are both bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx2 as httpx

from bench.big_corpus import write_corpus
from bench.server import running_server
from indexer.articles import corpus_files, load_article
from indexer.pause import PAUSE_ENV

# Words every test article's title may share but that say nothing ("part" comes from the
# generator's "(part N)" suffix).
_BORING = frozenset({"part", "with", "from", "that", "this", "what", "does", "into"})
MIN_BASELINE_HITS = 3
ARTICLES_PER_UPDATE = 20
MAX_REQUESTS = 1_000_000
T = TypeVar("T")
ADMIN_TOKEN = secrets.token_urlsafe(24)


@dataclass
class ReindexStep:
    """One index run during the load: what it was, when it ran, how it ended."""

    name: str
    started: float = 0.0
    finished: float = 0.0
    returncode: int | None = None
    output: str = ""


@dataclass
class Sample:
    """One request's outcome."""

    sent: float
    seconds: float
    status: int
    empty: bool
    partial: bool


@dataclass
class LoadReport:
    """Everything the load test saw, and the checks that decide pass or fail."""

    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    empty_queries: Counter[str] = field(default_factory=Counter)
    steps: list[ReindexStep] = field(default_factory=list)
    generations: tuple[str, str] = ("", "")
    update_visible: bool = False

    def during_reindex(self) -> list[Sample]:
        """Samples sent while some index run was going on."""
        windows = [(step.started, step.finished) for step in self.steps if step.finished]
        return [s for s in self.samples if any(a <= s.sent <= b for a, b in windows)]

    def failures(self) -> dict[str, int]:
        """Counts of each kind of failure; empty when the run passed."""
        statuses = Counter(s.status for s in self.samples)
        found = {
            "transport errors": sum(self.errors.values()),
            "5xx": sum(n for status, n in statuses.items() if status >= 500),
            "other non-200": sum(n for status, n in statuses.items() if 200 < status < 500),
            "empty results": sum(1 for s in self.samples if s.empty),
            "index runs failed": sum(1 for step in self.steps if step.returncode != 0),
            "update not visible": 0 if self.update_visible else 1,
        }
        return {name: count for name, count in found.items() if count}

    def lines(self) -> list[str]:
        """The report for people."""
        partial = sum(1 for s in self.samples if s.partial)
        out = [
            f"requests: {len(self.samples)}; failures: {self.failures() or 'none'}; "
            f"answers flagged partial (time limit): {partial}"
        ]
        if self.errors:
            out.append(f"transport errors: {dict(self.errors)}")
        if self.empty_queries:
            out.append(f"empty results for: {dict(self.empty_queries.most_common(5))}")
        out.append(f"generations: {self.generations[0]} -> {self.generations[1]}")
        for step in self.steps:
            took = step.finished - step.started
            out.append(f"{step.name}: exit {step.returncode}, {took:.1f} s")
        for label, samples in (
            ("all requests", self.samples),
            ("during index runs", self.during_reindex()),
        ):
            out.append(f"{label}: {_latency_summary(samples)}")
        return out


def _latency_summary(samples: list[Sample]) -> str:
    if not samples:
        return "no requests"
    ms = sorted(s.seconds * 1000 for s in samples)
    span = max(s.sent + s.seconds for s in samples) - min(s.sent for s in samples)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(p * len(ms)))]

    return (
        f"{len(ms)} requests, {len(ms) / span:.1f}/s; latency ms p50 {statistics.median(ms):.0f}, "
        f"p95 {pct(0.95):.0f}, p99 {pct(0.99):.0f}, max {ms[-1]:.0f}"
    )


def title_queries(corpus_dir: Path, count: int, seed: int = 1) -> list[str]:
    """Candidate queries: single title words and pairs from the corpus's first articles."""
    rng = random.Random(seed)
    words: list[str] = []
    for path in corpus_files(corpus_dir)[: count * 4]:
        title = load_article(path, corpus_dir).title.lower()
        words += [w for w in title.replace("(", " ").split() if w.isalpha() and len(w) > 3]
    words = [w for w in dict.fromkeys(words) if w not in _BORING]
    singles = rng.sample(words, min(count // 2, len(words)))
    pairs = [" ".join(rng.sample(words, 2)) for _ in range(count - len(singles))]
    return singles + pairs


def edit_corpus(corpus_dir: Path, round_number: int, rng: random.Random) -> str:
    """Change the corpus as editors would; return the marker word the new articles carry.

    Adds ARTICLES_PER_UPDATE articles, appends a paragraph to as many existing ones, and deletes
    the articles the previous round added (never an original one).
    """
    marker = f"updatemarker{round_number}"
    previous = sorted(corpus_dir.glob(f"updates/round{round_number - 1}-*.md"))
    for path in previous:
        path.unlink()
    (corpus_dir / "updates").mkdir(exist_ok=True)
    for number in range(ARTICLES_PER_UPDATE):
        (corpus_dir / "updates" / f"round{round_number}-{number:03d}.md").write_text(
            f"---\ntitle: Update {round_number} note {number}\n---\n"
            f"{marker} new text about diet and health, number {number}.\n",
            encoding="utf-8",
        )
    originals = [p for p in corpus_files(corpus_dir) if "updates" not in p.parts]
    for path in rng.sample(originals, min(ARTICLES_PER_UPDATE, len(originals))):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\nEditor's note, round {round_number}: reviewed and updated.\n")
    return marker


def index_command(corpus_dir: Path, index_dir: Path, full: bool) -> list[str]:
    """The `medsearch index` command line for a full rebuild or an update."""
    command = [sys.executable, "-m", "search_api.cli", "index"]
    command += ["--corpus", str(corpus_dir), "--index", str(index_dir)]
    return [*command, "--full"] if full else command


@dataclass(frozen=True)
class Hold:
    """Hold each index run at its publish point until the load has had `answers` more answers.

    A test uses it to be certain that searches run while an update is about to switch
    generations (indexer/pause.py); without it the runs go at their own pace.
    """

    answers: int
    folder: Path
    report: LoadReport

    def ready_file(self, step: int) -> Path:
        """Where run `step` says it is paused."""
        return self.folder / f"paused-{step}"

    def environment(self, step: int) -> dict[str, str]:
        """The variables that make run `step` pause."""
        return {PAUSE_ENV: f"publish={self.ready_file(step)}"}

    def wait_and_release(self, step: int, still_running: Callable[[], bool]) -> None:
        """Wait for run `step` to pause, then for the answers, then let it go on."""
        ready = self.ready_file(step)
        deadline = time.monotonic() + 600
        while not ready.exists():
            if not still_running() or time.monotonic() > deadline:
                return  # it failed before pausing; the step's exit code tells
            time.sleep(0.01)
        start = len(self.report.samples)
        while len(self.report.samples) - start < self.answers and time.monotonic() < deadline:
            time.sleep(0.01)
        ready.unlink()


def admin_reindex(url: str, hold: Hold | None = None, step: int = 0) -> tuple[int, str]:
    """Update through `POST /admin/reindex`, wait until it ends; return an exit-code-like result."""
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
        started = client.post("/admin/reindex")
        if started.status_code != 202:
            return 1, started.text
        if hold is not None:
            hold.wait_and_release(step, lambda: _alive(started.json()["pid"]))
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            status = client.get("/admin/status").json()
            if status["running"] is None:
                last = status["last_build"] or {}
                return (0 if last.get("result") == "succeeded" else 1), str(last.get("summary"))
            time.sleep(0.2)
    return 1, "the update did not end within 600 s"


def _running(process: subprocess.Popen[str]) -> bool:
    return process.poll() is None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def run_index_steps(
    corpus_dir: Path,
    index_dir: Path,
    url: str,
    steps: list[ReindexStep],
    start_after: float,
    gap: float,
    hold: Hold | None = None,
) -> None:
    """A full reindex, an update with the CLI, then one through the admin API (in a thread)."""
    rng = random.Random(5)
    time.sleep(start_after)
    for number, step in enumerate(steps):
        if number:
            time.sleep(gap)
            edit_corpus(corpus_dir, number, rng)
        step.started = time.perf_counter()
        if number < 2:
            process = subprocess.Popen(
                index_command(corpus_dir, index_dir, full=number == 0),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, **(hold.environment(number) if hold else {})},
            )
            if hold is not None:
                hold.wait_and_release(number, partial(_running, process))
            out, err = process.communicate(timeout=600)
            step.returncode, step.output = process.returncode, out + err
        else:
            step.returncode, step.output = admin_reindex(url, hold, number)
        step.finished = time.perf_counter()


async def _search(client: httpx.AsyncClient, query: str) -> tuple[int, int, bool]:
    response = await client.get("/search", params={"q": query, "per_page": 10})
    body = response.json() if response.status_code == 200 else {}
    return response.status_code, int(body.get("total", 0)), bool(body.get("partial"))


async def baseline(url: str, queries: list[str]) -> list[str]:
    """The queries that have at least MIN_BASELINE_HITS results before the load starts."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        answers = [await _search(client, q) for q in queries]
    return [
        q for q, (_, total, _) in zip(queries, answers, strict=True) if total >= MIN_BASELINE_HITS
    ]


async def drive(
    url: str, queries: list[str], clients: int, until: threading.Event, report: LoadReport
) -> None:
    """Run `clients` concurrent search loops until `until` is set (or MAX_REQUESTS)."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one_client(number: int) -> None:
            rng = random.Random(number)
            while not until.is_set() and len(report.samples) < MAX_REQUESTS:
                query = rng.choice(queries)
                sent = time.perf_counter()
                try:
                    status, total, partial = await _search(client, query)
                except httpx.HTTPError as exc:
                    report.errors[type(exc).__name__] += 1
                    continue
                took = time.perf_counter() - sent
                empty = status == 200 and total == 0
                if empty:
                    report.empty_queries[query] += 1
                report.samples.append(Sample(sent, took, status, empty, partial))

        await asyncio.gather(*(one_client(n) for n in range(clients)))


async def _generation(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        return str((await client.get("/health")).json().get("generation"))


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on a fresh event loop in its own thread.

    The caller's thread may already run a loop (pytest after Playwright's sync API does), and
    `asyncio.run` refuses to start a second one there.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def run_load(
    corpus_dir: Path,
    workdir: Path,
    *,
    clients: int,
    seconds: float,
    workers: int = 2,
    query_count: int = 60,
    hold_answers: int = 0,
) -> LoadReport:
    """Build an index of `corpus_dir`, serve it, and load it while it is reindexed and updated.

    With `hold_answers`, each index run waits at its publish point until the load has had that
    many more answers, so that searches surely overlap every run.
    """
    index_dir = workdir / "index"
    built = subprocess.run(
        index_command(corpus_dir, index_dir, full=True),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    if built.returncode != 0:
        raise RuntimeError(f"initial build failed: {built.stderr}")
    report = LoadReport(
        steps=[
            ReindexStep("full reindex (medsearch index --full)"),
            ReindexStep("update 1 (medsearch index)"),
            ReindexStep("update 2 (POST /admin/reindex)"),
        ]
    )
    hold = Hold(hold_answers, workdir, report) if hold_answers else None
    env = {"MEDSEARCH_ADMIN_TOKEN": ADMIN_TOKEN, "MEDSEARCH_CORPUS_DIR": str(corpus_dir)}
    if hold is not None:
        # The server hands its environment to the indexer that POST /admin/reindex starts.
        env |= hold.environment(2)
    with running_server(index_dir, workdir, env=env, workers=workers) as server:
        queries = run_async(baseline(server.url, title_queries(corpus_dir, query_count)))
        if not queries:
            raise RuntimeError("no query has results; is the corpus too small?")
        before = run_async(_generation(server.url))
        stop = threading.Event()
        indexer = threading.Thread(
            target=run_index_steps,
            args=(corpus_dir, index_dir, server.url, report.steps, seconds * 0.1, seconds * 0.1),
            kwargs={"hold": hold},
        )
        indexer.start()
        # The load lasts `seconds`, and longer if the index runs are not done by then (at most
        # three times as long), so every run happens under load.
        # A held run waits for answers, so the load must outlast it.
        most = seconds * 3 if hold is None else 600
        timer = threading.Thread(target=_stop_when, args=(stop, indexer, seconds, most))
        timer.start()
        run_async(drive(server.url, queries, clients, stop, report))
        timer.join()
        indexer.join()
        after = run_async(_generation(server.url))
        report.generations = (before, after)
        report.update_visible = run_async(_update_visible(server.url))
    return report


def _stop_when(stop: threading.Event, indexer: threading.Thread, least: float, most: float) -> None:
    started = time.perf_counter()
    time.sleep(least)
    indexer.join(timeout=max(0.0, most - (time.perf_counter() - started)))
    stop.set()


async def _update_visible(url: str) -> bool:
    """Whether the last update's articles are found and the ones it deleted are gone."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        # Quoted, so only the marker counts: on 1,000 articles or more a plain query is widened
        # with related words from its best matches, and `total` counts those matches too.
        added = await _search(client, '"updatemarker2"')
        deleted = await _search(client, '"updatemarker1"')
    return added[:2] == (200, ARTICLES_PER_UPDATE) and deleted[:2] == (200, 0)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: generate a corpus, run the load, print the report; 1 on failure."""
    parser = argparse.ArgumentParser(prog="python -m bench.reindex_load", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="NFCorpus folder (BEIR format)")
    parser.add_argument("--articles", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=float, default=60, help="load duration (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        write_corpus(args.data, workdir / "corpus", args.articles)
        report = run_load(
            workdir / "corpus",
            workdir,
            clients=args.clients,
            seconds=args.seconds,
            workers=args.workers,
        )
    for line in report.lines():
        print(line)
    return 1 if report.failures() else 0


if __name__ == "__main__":
    raise SystemExit(main())
