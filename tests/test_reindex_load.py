"""A short run of the load test: searches never fail while the index is rebuilt and updated."""

from __future__ import annotations

import random
from pathlib import Path

from bench.reindex_load import run_load
from tests.conftest import write_article
from tests.test_concurrency import VOCABULARY


def _corpus(folder: Path, articles: int) -> Path:
    rng = random.Random(3)
    for number in range(articles):
        title = " ".join(rng.sample(VOCABULARY, 3))
        body = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(60, 150)))
        write_article(folder, f"a{number:03d}.md", f"---\ntitle: {title}\n---\n{body}\n")
    return folder


def test_reindex_load_has_no_failures(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus", 150)
    # Each index run is held before it publishes until 20 more searches were answered.
    report = run_load(
        corpus, tmp_path, clients=8, seconds=3, workers=2, query_count=30, hold_answers=20
    )
    assert report.failures() == {}, report.lines()
    assert [step.returncode for step in report.steps] == [0, 0, 0]
    assert report.generations == ("gen-000001", "gen-000004")
    assert len(report.during_reindex()) >= 3 * 20
