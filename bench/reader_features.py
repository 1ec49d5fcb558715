"""Latency of the reader features (autocomplete, facets, date sort, related) against plain search.

    .venv/bin/python -m bench.reader_features --beir ../shared/data/nfcorpus --corpus corpus \
        [--index-cost] [--server http://127.0.0.1:8000]

Indexes a BEIR collection (and optionally a Markdown corpus), then times each endpoint through
the app in-process, over many inputs taken from the collection's queries. Figures are medians
and 90th percentiles in milliseconds, with ratios to plain `/search` measured in the same run;
`--index-cost` also compares index size and build time with and without the fields added for
these features, and `--server URL` times a running `medsearch serve` over real HTTP.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import whoosh.index
from fastapi.testclient import TestClient

from indexer.articles import Article
from indexer.build import build_index
from indexer.schema import article_to_document, build_schema
from indexer.settings import Settings
from indexer.storage import new_build_dir, publish
from search_api.http.app import create_app
from search_api.whoosh_engine.live.live_index import LiveIndex
from search_api.whoosh_engine.live.snapshot_cache import SnapshotCache
from search_api.whoosh_engine.results.suggest import Vocabulary, suggest

FEATURE_FIELDS = ("author_exact", "day")
_WORD = re.compile(r"[a-z]{3,}")


def beir_articles(folder: Path) -> Iterator[Article]:
    """Articles from a BEIR `corpus.jsonl` (`_id`, `title`, `text`); no dates or authors."""
    with (folder / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            yield Article(id=row["_id"], title=row.get("title") or row["_id"], body=row["text"])


def write_index(
    articles: Iterable[Article], index_dir: Path, *, without: tuple[str, ...] = ()
) -> None:
    """Index `articles` as one published generation, leaving out the fields `without`."""
    schema = build_schema()
    for name in without:
        schema.remove(name)
    build_dir = new_build_dir(index_dir)
    writer = whoosh.index.create_in(str(build_dir), schema).writer(limitmb=256)
    for article in articles:
        document = article_to_document(article)
        writer.add_document(**{k: v for k, v in document.items() if k not in without})
    writer.commit()
    publish(index_dir, build_dir)


def query_words(folder: Path, sample: int, rng: random.Random) -> list[str]:
    """Distinct lower-case words of the collection's queries, a reproducible sample."""
    words: set[str] = set()
    with (folder / "queries.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            words.update(_WORD.findall(json.loads(line)["text"].lower()))
    ordered = sorted(words)
    return rng.sample(ordered, min(sample, len(ordered)))


def prefixes(words: list[str], rng: random.Random) -> list[str]:
    """What readers type: 1 to 4 first letters of a word, and a word then a cut-short word."""
    typed = [word[:length] for word in words for length in (1, 2, 3, 4)]
    typed += [f"{a} {b[: rng.randint(1, 4)]}" for a, b in zip(words, reversed(words), strict=True)]
    return sorted(set(typed))


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def summary(times: list[float]) -> tuple[float, float]:
    """Median and 90th percentile."""
    return statistics.median(times), statistics.quantiles(times, n=10)[-1]


def _get(client: TestClient, path: str, **params: Any) -> Callable[[], Any]:
    def call() -> None:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text

    return call


def _vocabulary(reader: Any) -> Vocabulary:
    return Vocabulary.from_articles(fields for _, fields in reader.iter_docs())


def _open_and_close(live_index: LiveIndex) -> None:
    with live_index.searcher():
        pass


def measure(label: str, index_dir: Path, words: list[str], typed: list[str]) -> None:
    """Print latency figures for one index."""
    rows: list[tuple[str, list[float]]] = []
    with TestClient(create_app(Settings(index_dir=index_dir))) as client:
        client.get("/suggest", params={"q": "a"})  # builds the vocabulary once
        live_index = LiveIndex(index_dir)
        with live_index.searcher() as searcher:
            reader = searcher.reader()
            builds = [_timed(partial(_vocabulary, reader)) for _ in range(5)]
            ids = [
                fields["id"] for _, (_, fields) in zip(range(200), reader.iter_docs(), strict=False)
            ]
        cache = SnapshotCache()
        suggest(live_index, cache, "a", 10)
        direct = [_timed(partial(suggest, live_index, cache, t, 10)) for t in typed]
        opening = [_timed(partial(_open_and_close, live_index)) for _ in typed]
        rows.append(("vocabulary build (once per index)", builds))
        rows.append(("suggest(), in process", direct))
        rows.append(("open a searcher (per request)", opening))
        rows.append(
            ("GET /health (framework floor)", [_timed(_get(client, "/health")) for _ in typed])
        )
        rows.append(("GET /suggest", [_timed(_get(client, "/suggest", q=t)) for t in typed]))
        plain = [_timed(_get(client, "/search", q=w)) for w in words]
        rows.append(("GET /search?q=word (reference)", plain))
        facets = "author,tag,year"
        rows.append(
            (
                "GET /search + facets",
                [_timed(_get(client, "/search", q=w, facets=facets)) for w in words],
            )
        )
        rows.append(
            (
                "GET /search + sort=date",
                [_timed(_get(client, "/search", q=w, sort="date")) for w in words],
            )
        )
        rows.append(
            (
                "GET /articles/{id}/related",
                [_timed(_get(client, f"/articles/{i}/related")) for i in ids],
            )
        )
    reference = statistics.median(plain)
    print(f"\n{label}: {len(typed)} typed inputs, {len(words)} query words, {len(ids)} articles")
    print(f"{'what':<36} {'n':>5} {'median ms':>10} {'p90 ms':>8} {'x /search':>10}")
    for name, times in rows:
        median, p90 = summary(times)
        print(f"{name:<36} {len(times):>5} {median:>10.2f} {p90:>8.2f} {median / reference:>10.2f}")


def _fetch(url: str) -> Callable[[], Any]:
    def call() -> None:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server
            response.read()

    return call


def measure_server(base: str, words: list[str], typed: list[str]) -> None:
    """Print latency figures over real HTTP against a running `medsearch serve`."""
    quote = urllib.parse.quote_plus
    rows = [
        ("GET /health (framework floor)", [_timed(_fetch(f"{base}/health")) for _ in typed]),
        ("GET /suggest", [_timed(_fetch(f"{base}/suggest?q={quote(t)}")) for t in typed]),
        ("GET /search?q=word (reference)", [_timed(_fetch(f"{base}/search?q={w}")) for w in words]),
    ]
    reference = statistics.median(rows[-1][1])
    print(f"\n{base}: over HTTP, one connection per request")
    print(f"{'what':<36} {'n':>5} {'median ms':>10} {'p90 ms':>8} {'x /search':>10}")
    for name, times in rows:
        median, p90 = summary(times)
        print(f"{name:<36} {len(times):>5} {median:>10.2f} {p90:>8.2f} {median / reference:>10.2f}")


def index_cost(articles: list[Article], root: Path, repeat: int) -> None:
    """Print index size and build time with and without the reader-feature fields."""
    results: dict[str, list[tuple[float, int]]] = {"with": [], "without": []}
    for run in range(repeat):
        for name, without in (("with", ()), ("without", FEATURE_FIELDS)):
            target = root / f"cost-{name}-{run}"
            seconds = _timed(partial(write_index, articles, target, without=without)) / 1000
            files = (target / "gen-000001").iterdir()
            results[name].append((seconds, sum(p.stat().st_size for p in files)))
            shutil.rmtree(target)
    print(f"\nindex cost over {len(articles)} articles, median of {repeat} builds each")
    base_s = statistics.median(s for s, _ in results["without"])
    base_b = statistics.median(b for _, b in results["without"])
    for name, runs in results.items():
        seconds = statistics.median(s for s, _ in runs)
        size = float(statistics.median(b for _, b in runs))
        print(
            f"{name + ' feature fields':<24} {seconds:7.2f} s ({seconds / base_s:.2f}x) "
            f"{size / 1e6:8.2f} MB ({size / base_b:.2f}x)"
        )


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, required=True, help="BEIR folder (nfcorpus)")
    parser.add_argument("--corpus", type=Path, help="also measure this Markdown corpus")
    parser.add_argument("--words", type=int, default=150, help="query words to sample")
    parser.add_argument("--index-cost", action="store_true", help="compare index size and time")
    parser.add_argument("--repeat", type=int, default=3, help="builds per variant for --index-cost")
    parser.add_argument("--server", help="also time a running server, e.g. http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    rng = random.Random(4)
    words = query_words(args.beir, args.words, rng)
    typed = prefixes(words, rng)
    with tempfile.TemporaryDirectory(prefix="medsearch-bench-") as temp:
        root = Path(temp)
        articles = list(beir_articles(args.beir))
        write_index(articles, root / "beir")
        measure(f"{args.beir.name} ({len(articles)} articles)", root / "beir", words, typed)
        if args.corpus:
            report = build_index(args.corpus, root / "corpus")
            measure(f"{args.corpus} ({report.indexed} articles)", root / "corpus", words, typed)
        if args.index_cost:
            index_cost(articles, root, args.repeat)
    if args.server:
        measure_server(args.server.rstrip("/"), words, typed)


if __name__ == "__main__":
    main()
