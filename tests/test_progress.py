"""Progress of long index runs: figures, the log lines, and the record `/admin/status` shows."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from indexer.progress import Every, Progress, ProgressFigures
from indexer.settings import Settings
from search_api.http.app import create_app
from tests.conftest import ADMIN_TOKEN, run_medsearch, start_paused_index, write_article


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_figures_give_rate_and_time_left() -> None:
    clock = FakeClock()
    seen: list[ProgressFigures] = []
    progress = Progress([seen.append], clock=clock)
    progress.update(0, 800)
    clock.now += 4
    progress.update(200, 800)
    progress.phase("commit")
    assert [(f.phase, f.done, f.total) for f in seen] == [
        ("index", 0, 800),
        ("index", 200, 800),
        ("commit", 200, 800),
    ]
    assert (seen[1].rate, seen[1].eta_seconds) == (50.0, 12.0)
    assert seen[1].line() == "index: 200/800 articles (25%), 50/s, about 12 s left"
    assert (seen[0].rate, seen[2].rate) == (None, None)
    assert seen[2].line() == "commit: 200/800 articles (25%)"
    assert ProgressFigures("scan").line() == "scan"


def test_progress_every_passes_figures_on_at_most_once_per_period() -> None:
    clock = FakeClock()
    passed: list[int] = []
    every = Every(5, lambda figures: passed.append(figures.done), clock=clock)
    for done in range(1, 13):
        every(ProgressFigures("index", done, 12))
        clock.now += 1
    # First once 5 s have passed, then every 5 s.
    assert passed == [6, 11]
    with_phases: list[str] = []
    every = Every(5, lambda figures: with_phases.append(figures.phase), on_phase=True, clock=clock)
    for phase in ("scan", "index", "index", "commit", "publish"):
        every(ProgressFigures(phase))
    assert with_phases == ["scan", "index", "commit", "publish"]


def test_progress_cli_logs_lines_when_stderr_is_not_a_terminal(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index = str(tmp_path / "fresh-index")
    result = run_medsearch(
        "index",
        "--corpus",
        str(corpus_dir),
        "--index",
        index,
        env={"MEDSEARCH_PROGRESS_SECONDS": "0"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "progress: scan"
    counted = [line for line in lines if line.startswith("progress: index: ")]
    # Each article once, in order (the scan reports the last one again as it ends).
    assert list(dict.fromkeys(line.split()[2] for line in counted)) == [
        f"{n}/7" for n in range(1, 8)
    ]
    assert re.fullmatch(
        r"progress: index: 7/7 articles \(100%\), \d+/s, about 0 s left", counted[-1]
    )
    assert lines[-2:] == [
        "progress: commit: 7/7 articles (100%)",
        "progress: publish: 7/7 articles (100%)",
    ]


def test_progress_cli_is_quiet_for_runs_shorter_than_the_period(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index = str(tmp_path / "fresh-index")
    result = run_medsearch(
        "index",
        "--corpus",
        str(corpus_dir),
        "--index",
        index,
        env={"MEDSEARCH_PROGRESS_SECONDS": "3600"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_progress_admin_status_shows_the_running_update(
    corpus_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nVitamin B2.\n")
    (corpus_dir / "migraine-basics.md").unlink()
    ready = tmp_path / "ready"
    process = start_paused_index(
        "publish", ready, "--corpus", str(corpus_dir), "--index", str(index_dir)
    )
    settings = Settings(
        corpus_dir=corpus_dir, index_dir=index_dir, admin_token=SecretStr(ADMIN_TOKEN)
    )
    try:
        with TestClient(create_app(settings)) as client:
            status = client.get(
                "/admin/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            ).json()
    finally:
        ready.unlink()
        process.communicate(timeout=120)
    running = status["running"]
    assert (
        running["id"]
        == f"{process.pid}-{running['started_at'][:19].replace('-', '').replace(':', '')}Z"
    )
    assert (running["kind"], running["result"], running["mode"]) == (
        "index",
        "running",
        "incremental",
    )
    # Paused before publishing: all 7 files now in the corpus were looked at.
    assert (running["phase"], running["done"], running["total"]) == ("publish", 7, 7)
    assert process.returncode == 0
