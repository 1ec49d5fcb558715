"""Relevance benchmark: our ranking against plain BM25 on a test collection in BEIR format.

    python -m bench.relevance --dataset ../shared/data/nfcorpus --split dev --json out.json

The corpus is indexed through the project's own indexer and schema into a temporary index, and
every judged query runs through `search_api.search.rank`, the function behind `GET /search`.
In the same run a plain BM25 reference (bm25s, Snowball English stemmer, English stop words,
title and text joined, k1 1.5, b 0.75) ranks the same queries. Metrics come from ir-measures.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import ir_measures
import Stemmer

from indexer.articles import Article
from indexer.build import build_index_from_articles
from indexer.errors import ArticleError, QueryError
from indexer.jsonl import iter_jsonl
from indexer.schema import build_query_parser, build_schema
from indexer.settings import Settings
from search_api.query.synonyms import load_synonyms
from search_api.whoosh_engine.live.live_index import LiveIndex
from search_api.whoosh_engine.results.search import SearchOptions, rank
from search_api.whoosh_engine.score.arrays import ScoringArrays

# Names as printed and written to JSON, with the ir-measures measure behind each.
MEASURES: dict[str, Any] = {
    "nDCG@10": ir_measures.parse_measure("nDCG@10"),
    "R@100": ir_measures.parse_measure("R@100"),
    "RR@10": ir_measures.parse_measure("RR@10"),
}
DEPTH = 100
Run = dict[str, dict[str, float]]
Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Collection:
    """A BEIR test collection: where its corpus is, its queries and one split's judgments."""

    name: str
    corpus_path: Path
    queries: dict[str, str]
    qrels: Qrels


def load_collection(dataset: Path, split: str) -> Collection:
    """Read the queries and the judgments of `split` from a BEIR folder."""
    corpus_path = dataset / "corpus.jsonl"
    qrels_path = dataset / "qrels" / f"{split}.tsv"
    for needed in (corpus_path, dataset / "queries.jsonl", qrels_path):
        if not needed.is_file():
            raise SystemExit(f"error: {needed} is missing; --dataset must be a BEIR folder")
    qrels: Qrels = {}
    with qrels_path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        for row in rows:
            if not row or row[0] == "query-id":
                continue
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries: dict[str, str] = {}
    with (dataset / "queries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if str(record["_id"]) in qrels:
                    queries[str(record["_id"])] = record["text"]
    missing = sorted(set(qrels) - set(queries))
    if missing:
        raise SystemExit(f"error: {len(missing)} judged queries have no text, e.g. {missing[0]}")
    return Collection(dataset.resolve().name, corpus_path, queries, qrels)


def load_articles(corpus_path: Path) -> list[Article]:
    """Every document of the corpus as an Article; a bad line stops the benchmark."""
    articles: list[Article] = []
    for item in iter_jsonl(corpus_path):
        if isinstance(item, ArticleError):
            raise SystemExit(f"error: {item.message}")
        articles.append(item)
    return articles


def run_ours(
    articles: Iterable[Article], queries: Mapping[str, str], settings: Settings
) -> tuple[Run, int]:
    """Index `articles` with our indexer and rank every query the way the API does."""
    options = SearchOptions.from_settings(settings, load_synonyms(settings))
    parser = build_query_parser(build_schema())
    run: Run = {}
    refused = 0
    with tempfile.TemporaryDirectory(prefix="medsearch-bench-") as tmp:
        index_dir = Path(tmp) / "index"
        build_index_from_articles(articles, index_dir)
        # The API's own searcher: the same index class, weighting and generation handling.
        with LiveIndex(index_dir).searcher() as searcher:
            # What the API keeps per index snapshot between searches.
            arrays = ScoringArrays(searcher)
            for query_id, text in queries.items():
                try:
                    ranking = rank(searcher, parser, text, DEPTH, options, arrays=arrays)
                except QueryError:
                    # The API answers 400 here; the query is scored as finding nothing.
                    refused += 1
                    run[query_id] = {}
                    continue
                run[query_id] = {hit["id"]: float(hit.score) for hit in ranking.results}
    return run, refused


def run_reference(articles: Sequence[Article], queries: Mapping[str, str]) -> Run:
    """Plain BM25 as the issue defines it: bm25s, Snowball stems, English stop words."""
    stemmer = Stemmer.Stemmer("english")
    texts = [f"{article.title} {article.body}" for article in articles]
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    query_ids = list(queries)
    tokens = bm25s.tokenize(
        [queries[q] for q in query_ids], stopwords="en", stemmer=stemmer, show_progress=False
    )
    documents, scores = retriever.retrieve(
        tokens, k=min(DEPTH, len(articles)), show_progress=False, n_threads=1
    )
    run: Run = {}
    for row, query_id in enumerate(query_ids):
        run[query_id] = {
            articles[int(doc)].id: float(score)
            for doc, score in zip(documents[row], scores[row], strict=True)
        }
    return run


def per_query_scores(qrels: Qrels, run: Run) -> dict[str, dict[str, float]]:
    """Each judged query's value of every measure; a query that found nothing scores 0."""
    scores = {query_id: dict.fromkeys(MEASURES, 0.0) for query_id in qrels}
    names = {str(measure): name for name, measure in MEASURES.items()}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, run):
        scores[metric.query_id][names[str(metric.measure)]] = float(metric.value)
    return scores


def means(scores: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Mean of each measure over all judged queries."""
    return {
        name: round(statistics.fmean(query[name] for query in scores.values()), 4)
        for name in MEASURES
    }


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    """Run `step` and return its result and the seconds it took."""
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def write_per_query(
    path: Path,
    collection: Collection,
    ours: Mapping[str, Mapping[str, float]],
    reference: Mapping[str, Mapping[str, float]],
    runs: tuple[Run, Run],
) -> None:
    """One JSON line per query: its text, both systems' measures and top ten with grades."""
    with path.open("w", encoding="utf-8") as handle:
        for query_id in sorted(
            collection.qrels, key=lambda q: ours[q]["nDCG@10"] - reference[q]["nDCG@10"]
        ):
            judged = collection.qrels[query_id]
            record = {
                "query_id": query_id,
                "query": collection.queries[query_id],
                "ours": ours[query_id],
                "reference": reference[query_id],
                "ours_top10": _top(runs[0].get(query_id, {}), judged),
                "reference_top10": _top(runs[1].get(query_id, {}), judged),
                "relevant": len(judged),
            }
            handle.write(json.dumps(record) + "\n")


def _top(ranked: Mapping[str, float], judged: Mapping[str, int]) -> list[list[Any]]:
    best = sorted(ranked.items(), key=lambda item: -item[1])[:10]
    return [[doc, judged.get(doc, 0)] for doc, _ in best]


def format_table(ours: Mapping[str, float], reference: Mapping[str, float]) -> str:
    """The human-readable comparison: one row per measure with the ratio ours / reference."""
    lines = [f"{'measure':<10}{'reference':>11}{'ours':>9}{'ratio':>8}"]
    for name in MEASURES:
        ratio = ours[name] / reference[name] if reference[name] else float("nan")
        lines.append(f"{name:<10}{reference[name]:>11.4f}{ours[name]:>9.4f}{ratio:>8.3f}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Command-line flags; `--dataset DIR --split NAME --json OUT.json` is a stable contract."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.relevance", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--dataset", type=Path, required=True, help="folder in BEIR format")
    parser.add_argument("--split", default="dev", help="qrels/<split>.tsv to score (default dev)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change one of our settings for this run, to measure what it contributes "
        "(e.g. --set feedback_terms=0 or --set builtin_synonyms=false); default: the "
        "settings the API ships with, whatever MEDSEARCH_* variables say",
    )
    parser.add_argument(
        "--per-query",
        type=Path,
        default=None,
        help="write per-query results here (JSON lines; default: beside --json, "
        "named <json stem>.per-query.jsonl)",
    )
    return parser


def settings_with(overrides: Sequence[str]) -> Settings:
    """The default settings with `NAME=VALUE` overrides applied."""
    values: dict[str, str] = {}
    for item in overrides:
        name, equals, value = item.partition("=")
        if not equals or name not in Settings.model_fields:
            raise SystemExit(f"error: --set takes NAME=VALUE with a setting's name, not {item!r}")
        values[name] = value
    return Settings.model_validate(values)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; returns the exit code."""
    args = build_parser().parse_args(argv)
    settings = settings_with(args.overrides)
    collection = load_collection(args.dataset, args.split)
    articles = load_articles(collection.corpus_path)
    (our_run, refused), our_seconds = timed(
        lambda: run_ours(articles, collection.queries, settings)
    )
    reference_run, reference_seconds = timed(lambda: run_reference(articles, collection.queries))
    ours = per_query_scores(collection.qrels, our_run)
    reference = per_query_scores(collection.qrels, reference_run)
    our_means, reference_means = means(ours), means(reference)
    print(
        f"{collection.name} {args.split}: {len(collection.qrels)} queries, "
        f"{len(articles)} documents"
    )
    print(format_table(our_means, reference_means))
    print(
        f"index + {len(collection.queries)} queries: ours {our_seconds:.1f} s, "
        f"reference {reference_seconds:.1f} s"
        + (f"; {refused} queries refused as malformed" if refused else "")
    )
    per_query_path = args.per_query
    if per_query_path is None and args.json is not None:
        per_query_path = args.json.with_name(args.json.stem + ".per-query.jsonl")
    if per_query_path is not None:
        write_per_query(per_query_path, collection, ours, reference, (our_run, reference_run))
        print(f"per-query results: {per_query_path}")
    if args.json is not None:
        summary = {
            "dataset": collection.name,
            "split": args.split,
            "queries": len(collection.qrels),
            "settings": args.overrides,
            "ours": our_means,
            "reference": reference_means,
            "ratio": {
                name: round(our_means[name] / reference_means[name], 4)
                for name in MEASURES
                if reference_means[name]
            },
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
