"""Hostile inputs against a real server: the latency of each and whether the worker stays well.

Starts `medsearch serve` on a loopback port over an existing index (a large one shows the
difference: see `bench.big_corpus`), sends each hostile request a few times, and after each one
an ordinary query to check that the worker still answers. Reports median and worst latency per
input and the ratio of the median to an ordinary query measured in the same run. The server runs
without its result cache, so every repeat does the work again (the cache keeps complete answers
only, so a cached ordinary query would be compared with uncached hostile ones), after one
untimed warm-up query.

    python -m bench.hostile --index /tmp/big-index [--repeat 5]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from bench.server import running_server

ORDINARY = "/search?q=" + quote("diabetes risk")
# An abstract-length paste: the longest query the default settings accept (1,000 characters).
PASTE = (
    "objective plant foods grain products legumes seeds nuts vegetables fruit consumption "
    "associated lower risk chronic disease cohort women followed years dietary questionnaire "
    "cardiovascular events cancer incidence mortality adjusted analyses " * 6
)[:1000]

# Two-letter words, each a different term: the most terms a query of the default length holds.
MANY_WORDS = [a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghijklmnopqrstuvwxyz"]

UNCACHED = {"MEDSEARCH_RESULT_CACHE_SIZE": "0"}


@dataclass(frozen=True)
class Probe:
    """One hostile request: a label and the exact path and query string sent."""

    label: str
    target: str


def _q(text: str, extra: str = "") -> str:
    return "/search?q=" + quote(text, safe="") + extra


PROBES: tuple[Probe, ...] = (
    Probe("ordinary query (reference)", ORDINARY),
    Probe("*", _q("*")),
    Probe("a*", _q("a*")),
    Probe("*a* (leading and trailing)", _q("*a*")),
    Probe("*ine (leading wildcard)", _q("*ine")),
    Probe("? (any one-letter word)", _q("?")),
    Probe("title:[a TO z] (text range)", _q("title:[a TO z]")),
    Probe(
        "200 prefixes a* b* ...",
        _q(" ".join(f"{a}{b}*" for a in "abcdefghij" for b in "aeiou" * 4)[:999]),
    ),
    Probe("1,000-char pasted abstract", _q(PASTE)),
    Probe("333 different words (as many as 1,000 chars hold)", _q(" ".join(MANY_WORDS)[:1000])),
    Probe("250 words joined by OR", _q(" OR ".join(MANY_WORDS[:250])[:1000])),
    Probe("10,000-char query", _q("migraine " * 1111)),
    Probe("parentheses 16 deep", _q("(" * 16 + "migraine" + ")" * 16)),
    Probe("parentheses 400 deep", _q("(" * 400 + "migraine" + ")" * 400)),
    Probe("boost 10^400", _q("migraine^" + "9" * 400)),
    Probe("page=1000 (deepest page allowed)", _q("cancer", "&page=1000&per_page=10")),
    Probe("page=10^30", _q("cancer", "&page=" + "9" * 30)),
    Probe("page with 5,000 digits", _q("cancer", "&page=" + "9" * 5000)),
    Probe("per_page=100, broad query", _q("cancer", "&per_page=100")),
    Probe("invalid UTF-8 %FF%FE", "/search?q=%FF%FE"),
    Probe("NUL byte %00", "/search?q=bo%00tox"),
    Probe("NUL byte in article id", "/articles/a%00b"),
    Probe("100 KB URL", _q("x" * 100_000)),
)


def timed_get(host: str, port: int, target: str, timeout: float) -> tuple[int, float]:
    """Send one GET with `target` verbatim; return the status (0: no answer in time) and seconds."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except TimeoutError:
        return 0, time.perf_counter() - started
    finally:
        connection.close()


def run(url: str, repeat: int, timeout: float = 60) -> list[str]:
    """Send every probe `repeat` times to the server at `url`; return the report's lines."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    reference: list[float] = []
    rows: list[tuple[str, str, float, float, str]] = []
    # The first search of a worker opens its searchers and loads the synonyms; not a hostile cost.
    timed_get(host, port, ORDINARY, timeout)
    for probe in PROBES:
        statuses: set[int] = set()
        seconds: list[float] = []
        healthy = True
        for _ in range(repeat):
            status, took = timed_get(host, port, probe.target, timeout)
            statuses.add(status)
            seconds.append(took)
            after, _ = timed_get(host, port, ORDINARY, timeout)
            healthy = healthy and after == 200
        if probe.target == ORDINARY:
            reference = seconds
        rows.append(
            (
                probe.label,
                ",".join(str(s) for s in sorted(statuses)),
                statistics.median(seconds),
                max(seconds),
                "yes" if healthy else "NO",
            )
        )
    base = statistics.median(reference)
    lines = [
        "| input | status (0: none in time) | median ms | worst ms | median / ordinary "
        "| next query ok |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for label, codes, median, worst, answered in rows:
        lines.append(
            f"| {label} | {codes} | {median * 1000:.0f} | {worst * 1000:.0f} | "
            f"{median / base:.2f} | {answered} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: start a server over `--index` and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--index", type=Path, required=True, help="index folder to serve")
    parser.add_argument("--repeat", type=int, default=5, help="requests per input (default 5)")
    parser.add_argument(
        "--timeout", type=float, default=60, help="seconds to wait for an answer (default 60)"
    )
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_server(args.index, Path(workdir), env=UNCACHED) as server,
    ):
        for line in run(server.url, args.repeat, args.timeout):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
