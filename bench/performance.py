"""Speed of indexing and search, ours against a naive Whoosh setup and SQLite FTS5, in one run.

    python -m bench.performance --size 1000 --json bench/results/perf-1000.json

Generates (or reuses) a seeded corpus of `--size` articles, builds each engine's index in its own
process, serves each with uvicorn on 127.0.0.1 (ports 17000-17099), and sends the same queries
through HTTP: one client, then 8 and 32 concurrent clients, with one and two worker processes, and
a log of repeated queries. Prints a markdown table with ratios pair by pair, writes the figures as
JSON, and redraws the latency-against-size plot from every result in `bench/results/`.

Search latency figures are for queries asked for the first time: every pass takes its own slice of
a log of distinct queries, so a result cache only helps in the passes named `repeated`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.corpus import write_corpus
from bench.load import LoadResult, run_load, search_path
from bench.queries import query_log, repeated_log
from bench.servers import ROOT, serve, uvicorn_command

ENGINES = ("ours", "naive_whoosh", "sqlite_fts5")
RESULTS_DIR = Path(__file__).parent / "results"
CHANGED_ARTICLES = 10
_APP_FACTORIES = {
    "ours": "search_api.http.app:create_app_from_env",
    "naive_whoosh": "bench.peers:create_naive_whoosh_app",
    "sqlite_fts5": "bench.peers:create_sqlite_fts5_app",
}


def _server_env(engine: str, index_dir: Path) -> dict[str, str]:
    if engine == "ours":
        return {"MEDSEARCH_INDEX_DIR": str(index_dir), "MEDSEARCH_LOG_LEVEL": "warning"}
    if engine == "naive_whoosh":
        return {"BENCH_WHOOSH_INDEX": str(index_dir)}
    return {"BENCH_SQLITE_DB": str(index_dir / "articles.sqlite")}


def _build(engine: str, mode: str, corpus_dir: Path, index_dir: Path, changed: list[Path]) -> Any:
    command = [sys.executable, "-m", "bench.build_worker", engine, mode, str(corpus_dir)]
    done = subprocess.run(
        [*command, str(index_dir), *map(str, changed)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode == 3:
        return None  # not supported by this engine (see build_worker)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} {mode} build failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _summary(result: LoadResult) -> dict[str, float]:
    return {
        "requests": len(result.latencies_ms),
        "errors": result.errors,
        "p50_ms": round(result.percentile(50), 2),
        "p95_ms": round(result.percentile(95), 2),
        "p99_ms": round(result.percentile(99), 2),
        "qps": round(result.qps, 1),
    }


class QueryPlan:
    """Hands out fresh slices of the distinct-query log, the same slices to every engine."""

    def __init__(self, distinct: list[str]) -> None:
        self.distinct = distinct
        self.cursor = 0

    def take(self, count: int) -> list[str]:
        """The next `count` queries never asked before in this engine's run."""
        chunk = self.distinct[self.cursor : self.cursor + count]
        self.cursor += count
        return chunk


def _search_passes(
    engine: str,
    index_dir: Path,
    plan: QueryPlan,
    args: argparse.Namespace,
    repeated: list[str],
    log: Callable[[str], None],
) -> dict[str, Any]:
    runs: dict[str, Any] = {}
    for workers in args.workers:
        env = _server_env(engine, index_dir)
        with serve(uvicorn_command(_APP_FACTORIES[engine], workers), env, workers) as server:
            passes: dict[str, Any] = {}
            # A search service answers around the clock: each server first answers other
            # queries of the same log, so a pass measures a warm service, not one just started.
            run_load(server.port, [search_path(q) for q in plan.take(args.warmup)], 2)
            passes["clients_1"] = _summary(
                run_load(server.port, [search_path(q) for q in plan.take(args.queries)], 1)
            )
            for clients in args.clients:
                targets = [search_path(q) for q in plan.take(args.load_requests)]
                passes[f"clients_{clients}"] = _summary(run_load(server.port, targets, clients))
            for clients in (1, 8):
                targets = [search_path(q) for q in repeated]
                passes[f"repeated_{clients}"] = _summary(run_load(server.port, targets, clients))
            passes["rss_mb"] = round(server.rss_mb(), 1)
            passes["peak_rss_mb"] = round(server.peak_rss_mb(), 1)
        runs[f"workers_{workers}"] = passes
        log(
            f"  {engine} {workers} worker(s): p50 {passes['clients_1']['p50_ms']} ms, "
            f"p95 {passes['clients_1']['p95_ms']} ms, "
            + ", ".join(f"{c} clients {passes[f'clients_{c}']['qps']} q/s" for c in args.clients)
        )
    return runs


def _change_articles(paths: list[Path], count: int, originals: dict[Path, bytes]) -> list[Path]:
    """Edit `count` articles spread over the corpus, keeping their first bytes in `originals`."""
    step = max(1, len(paths) // count)
    # Each edit differs from any earlier one, so a reused index has something to update.
    note = f"\nUpdated ({time.time_ns()}): the dosage advice was revised.\n".encode()
    changed = paths[::step][:count]
    for path in changed:
        original = originals.setdefault(path, path.read_bytes())
        path.write_bytes(original + note)
    return changed


def run_benchmark(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """Run every measurement for one corpus size; return the figures."""
    workdir: Path = args.workdir
    corpus_dir = workdir / f"corpus-{args.size}"
    started = time.perf_counter()
    paths = write_corpus(args.nfcorpus, corpus_dir, args.size, args.seed)
    corpus_seconds = time.perf_counter() - started
    log(f"corpus: {len(paths)} articles in {corpus_dir} ({corpus_seconds:.1f} s)")
    per_engine = (args.warmup + args.queries + args.load_requests * len(args.clients)) * len(
        args.workers
    )
    distinct = query_log(args.nfcorpus, per_engine, args.query_seed)
    repeated = repeated_log(distinct, args.load_requests)
    figures: dict[str, Any] = {
        "size": args.size,
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "corpus": {
            "articles": len(paths),
            "mb": round(_folder_mb(corpus_dir), 1),
            "generate_seconds": round(corpus_seconds, 1),
        },
        "queries": {"distinct": len(distinct), "repeated": len(repeated), "warmup": args.warmup},
        "engines": {},
    }
    for engine in args.engines:
        index_dir = workdir / f"index-{args.size}-{engine}"
        record = workdir / f"index-{args.size}-{engine}.build.json"
        if args.reuse_indexes and record.exists() and index_dir.exists():
            # Built and timed earlier by the same build worker (python -m bench.build_worker).
            build = json.loads(record.read_text())
            build["reused"] = True
        else:
            shutil.rmtree(index_dir, ignore_errors=True)
            build = _build(engine, "full", corpus_dir, index_dir, [])
            record.write_text(json.dumps(build))
        docs_per_s = build["documents"] / build["seconds"]
        log(f"  {engine}: indexed {build['documents']} in {build['seconds']:.1f} s")
        figures["engines"][engine] = {
            "index_docs_per_s": round(docs_per_s, 1),
            "index_seconds": round(build["seconds"], 2),
            "index_peak_rss_mb": round(build["peak_rss_mb"], 1),
            "index_peak_tree_rss_mb": build.get("peak_tree_rss_mb"),
            "index_mb": round(_folder_mb(index_dir), 1),
            "index_reused": bool(build.get("reused")),
        }
        if not args.build_only:
            runs = _search_passes(engine, index_dir, QueryPlan(distinct), args, repeated, log)
            one = runs[f"workers_{args.workers[0]}"]
            figures["engines"][engine] |= {
                "p50_ms": one["clients_1"]["p50_ms"],
                "p95_ms": one["clients_1"]["p95_ms"],
                "p99_ms": one["clients_1"]["p99_ms"],
                "qps_8_clients": one.get("clients_8", {}).get("qps"),
                "rss_mb": one["peak_rss_mb"],
                "runs": runs,
            }
        # Keep what is measured so far: a run of the largest sizes can take an hour.
        _save(figures, args)
    originals: dict[Path, bytes] = {}
    try:
        # Ours also finds the changed files itself, scanning the corpus (`medsearch index`);
        # then every engine is told which files changed (`medsearch index FILE...`), as the
        # peers always are.
        for mode, key in (("scan", "update_10_scan_seconds"), ("update", "update_10_seconds")):
            changed = _change_articles(paths, CHANGED_ARTICLES, originals)
            for engine in args.engines:
                index_dir = workdir / f"index-{args.size}-{engine}"
                update = _build(engine, mode, corpus_dir, index_dir, changed)
                if update is None:
                    continue
                seconds = update["seconds"]
                figures["engines"][engine][key] = round(seconds, 3)
                log(f"  {engine}: {mode} of {len(changed)} changed articles: {seconds:.2f} s")
    finally:
        for path, original in originals.items():
            path.write_bytes(original)
    if not (args.keep_indexes or args.reuse_indexes):
        for engine in args.engines:
            shutil.rmtree(workdir / f"index-{args.size}-{engine}", ignore_errors=True)
            (workdir / f"index-{args.size}-{engine}.build.json").unlink(missing_ok=True)
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


# --- reporting ------------------------------------------------------------------------------------

# (label, key path, higher is better, format)
_ROWS: tuple[tuple[str, tuple[str, ...], bool, str], ...] = (
    ("index build, articles/s", ("index_docs_per_s",), True, "{:.0f}"),
    ("update 10 changed articles, told which, s", ("update_10_seconds",), False, "{:.2f}"),
    (
        "update 10 changed articles, found by scanning, s",
        ("update_10_scan_seconds",),
        False,
        "{:.2f}",
    ),
    ("index size, MB", ("index_mb",), False, "{:.1f}"),
    ("index build peak memory, MB", ("index_peak_rss_mb",), False, "{:.0f}"),
    ("index build peak memory, all processes, MB", ("index_peak_tree_rss_mb",), False, "{:.0f}"),
    ("search p50, ms (1 client)", ("p50_ms",), False, "{:.1f}"),
    ("search p95, ms (1 client)", ("p95_ms",), False, "{:.1f}"),
    ("search p99, ms (1 client)", ("p99_ms",), False, "{:.1f}"),
)


def _dig(values: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    current: Any = values
    for key in keys:
        if not isinstance(current, dict) or key not in current:
            return None
        current = current[key]
    return float(current) if isinstance(current, int | float) else None


def _rows(figures: dict[str, Any]) -> list[tuple[str, tuple[str, ...], bool, str]]:
    rows = list(_ROWS)
    runs = figures["engines"].get("ours", {}).get("runs", {})
    for workers_key, passes in runs.items():
        workers = workers_key.split("_")[1]
        for pass_key in passes:
            if not isinstance(passes[pass_key], dict):
                continue
            kind, clients = pass_key.rsplit("_", 1)
            what = "repeated queries" if kind == "repeated" else "distinct queries"
            where = f"{clients} client(s), {workers} worker(s), {what}"
            if clients != "1":
                rows.append(
                    (
                        f"throughput q/s, {where}",
                        ("runs", workers_key, pass_key, "qps"),
                        True,
                        "{:.0f}",
                    )
                )
            rows.append(
                (f"p95 ms, {where}", ("runs", workers_key, pass_key, "p95_ms"), False, "{:.1f}")
            )
        rows.append(
            (
                f"API worker peak memory, MB ({workers} worker(s))",
                ("runs", workers_key, "peak_rss_mb"),
                False,
                "{:.0f}",
            )
        )
    return rows


def markdown_table(figures: dict[str, Any]) -> str:
    """The figures as a markdown table; `ours vs X` is >1 when ours is better, pair by pair."""
    engines = [e for e in ENGINES if e in figures["engines"]]
    peers = [e for e in engines if e != "ours"]
    header = ["measure", *engines] + [f"ours vs {p}" for p in peers if "ours" in engines]
    lines = [
        f"Corpus: {figures['size']:,} articles ({figures['corpus']['mb']} MB of Markdown), "
        f"{figures['cpus']} CPUs, load average at start {figures['load_average_at_start'][0]}, "
        f"{figures['queries'].get('warmup', 30)} warm-up queries per server. "
        "`ours vs X` > 1 means ours is better (faster, smaller, more throughput).",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |",
    ]
    for label, keys, higher_better, fmt in _rows(figures):
        values = {e: _dig(figures["engines"][e], keys) for e in engines}
        if all(v is None for v in values.values()):
            continue
        cells = [label] + [fmt.format(v) if v is not None else "n/a" for v in values.values()]
        for peer in peers:
            if "ours" not in engines:
                continue
            ours, theirs = values["ours"], values[peer]
            if not ours or not theirs:
                cells.append("n/a")
            else:
                ratio = ours / theirs if higher_better else theirs / ours
                cells.append(f"{ratio:.2f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(results_dir: Path, out: Path) -> Path | None:
    """Draw search latency (1 client) and 8-client throughput against corpus size."""
    runs = []
    for path in sorted(results_dir.glob("performance-*.json")):
        runs.append(json.loads(path.read_text()))
    if not runs:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs.sort(key=lambda r: r["size"])
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = {"ours": "tab:green", "naive_whoosh": "tab:red", "sqlite_fts5": "tab:blue"}
    for engine in ENGINES:
        points = [(r["size"], r["engines"][engine]) for r in runs if engine in r["engines"]]
        if not points:
            continue
        sizes = [size for size, _ in points]
        colour = colours[engine]
        latency.plot(
            sizes, [e["p95_ms"] for _, e in points], "o-", color=colour, label=f"{engine} p95"
        )
        latency.plot(
            sizes,
            [e["p50_ms"] for _, e in points],
            "s--",
            color=colour,
            alpha=0.6,
            label=f"{engine} p50",
        )
        throughput.plot(
            sizes, [e["qps_8_clients"] or 0 for _, e in points], "o-", color=colour, label=engine
        )
    latency.axhline(50, color="grey", linewidth=0.8, linestyle=":")
    for axes in (latency, throughput):
        axes.set_xscale("log")
        axes.set_xlabel("articles")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
    latency.set_yscale("log")
    latency.set_ylabel("ms, one client, with snippets, over HTTP")
    latency.set_title("Search latency (distinct queries)")
    throughput.set_ylabel("queries/s")
    throughput.set_title("Throughput, 8 concurrent clients, 1 worker")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def _save(figures: dict[str, Any], args: argparse.Namespace) -> None:
    text = json.dumps(figures, indent=2)
    if not args.build_only:
        # The plot is drawn from these files, which must hold search figures.
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / f"performance-{args.size}.json").write_text(text)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)


def _csv(kind: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    return lambda text: [kind(part) for part in text.split(",") if part]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.performance", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("--size", type=int, default=500, help="articles in the corpus (500)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--nfcorpus",
        type=Path,
        default=Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "nfcorpus",
        help="NFCorpus folder (../shared/data/nfcorpus)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where corpora and indexes go; a corpus found there is reused (a temporary folder)",
    )
    parser.add_argument("--engines", type=_csv(str), default=list(ENGINES))
    parser.add_argument("--workers", type=_csv(int), default=[1, 2], help="(1,2)")
    parser.add_argument("--clients", type=_csv(int), default=[8, 32], help="(8,32)")
    parser.add_argument("--queries", type=int, default=80, help="one-client queries per pass (80)")
    parser.add_argument(
        "--warmup", type=int, default=60, help="other queries each server answers first (60)"
    )
    parser.add_argument(
        "--load-requests", type=int, default=60, help="requests per concurrent pass (60)"
    )
    parser.add_argument("--seed", type=int, default=7, help="corpus seed")
    parser.add_argument("--query-seed", type=int, default=11)
    parser.add_argument("--keep-indexes", action="store_true", help="leave indexes in --workdir")
    parser.add_argument(
        "--reuse-indexes",
        action="store_true",
        help="search indexes left in --workdir by an earlier run, with that run's build figures",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="measure full builds and the incremental update only, no search (no plot)",
    )
    parser.add_argument("--plot", type=Path, default=RESULTS_DIR / "latency-vs-size.png")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write JSON and the plot."""
    args = parse_args(argv)
    if not (args.nfcorpus / "corpus.jsonl").exists():
        print(f"error: no NFCorpus at {args.nfcorpus}; pass --nfcorpus", file=sys.stderr)
        return 2

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    temporary = args.workdir is None
    if temporary:
        args.workdir = Path(tempfile.mkdtemp(prefix="medsearch-bench-"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    try:
        figures = run_benchmark(args, log)
    finally:
        if temporary:
            shutil.rmtree(args.workdir, ignore_errors=True)
    _save(figures, args)
    print(markdown_table(figures))
    drawn = None if args.build_only else plot(RESULTS_DIR, args.plot)
    if drawn is not None:
        log(f"plot: {drawn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
