"""The `medsearch` command: messages and exit codes, run as a real process where it matters."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from indexer.parallel import PARALLEL_MIN_ARTICLES
from indexer.pause import PHASES, Phase
from indexer.status import read_status
from indexer.storage import BUILD_PREFIX, current_generation
from search_api.cli import main
from tests.conftest import run_medsearch, start_paused_index, write_article


def test_cli_index_prints_summary_and_exits_0(corpus_dir: Path, tmp_path: Path) -> None:
    result = run_medsearch("index", "--corpus", str(corpus_dir), "--index", str(tmp_path / "ix"))
    assert result.returncode == 0
    assert result.stdout.startswith("indexed 7 article(s), skipped 0, in ")
    assert result.stdout.endswith(
        "s; live generation: gen-000001 (7 documents); full build because there was no index yet\n"
    )
    assert result.stdout.startswith("indexed 7 article(s), skipped 0, in ")
    assert result.stderr == ""


def test_cli_index_update_prints_each_change(corpus_dir: Path, index_dir: Path) -> None:
    write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nB2.\n")
    basics = corpus_dir / "migraine-basics.md"
    basics.write_text(basics.read_text() + "\nOne more line.\n")
    (corpus_dir / "nested/deep/jaw-pain.md").unlink()
    args = ["index", "--corpus", str(corpus_dir), "--index", str(index_dir)]
    result = run_medsearch(*args)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"added   {corpus_dir}/riboflavin.md",
        f"updated {corpus_dir}/migraine-basics.md",
        f"deleted {corpus_dir}/nested/deep/jaw-pain.md",
    ]
    assert lines[3].startswith("added 1, updated 1, deleted 1, unchanged 5, skipped 0, in ")
    assert lines[3].endswith(" s; live generation: gen-000002 (7 documents)")
    again = run_medsearch(*args)
    assert again.stdout.startswith("no changes: 7 unchanged, 0 skipped, in ")
    assert again.stdout.endswith(
        " s; live generation: gen-000002 (7 documents), no new generation\n"
    )
    full = run_medsearch(*args, "--full")
    assert full.stdout.endswith("gen-000003 (7 documents); full build because it was asked for\n")


def test_cli_index_check_prints_every_problem_and_exits_1(corpus_dir: Path, tmp_path: Path) -> None:
    bad_date = write_article(corpus_dir, "a-bad-date.md", "---\ntitle: T\ndate: someday\n---\n")
    no_title = write_article(corpus_dir, "nested/no-title.md", "---\ndate: 2020-01-01\n---\nB\n")
    result = run_medsearch("index", "--check", "--corpus", str(corpus_dir))
    assert result.returncode == 1
    assert result.stdout == (
        f"{bad_date}: date: 'someday' is not a date; write it as YYYY-MM-DD\n"
        f"{no_title}: title: missing; add `title:` to the front matter or a `# Heading` to "
        "the body\n"
        f"checked 9 file(s) in {corpus_dir}: 2 problem(s)\n"
    )
    assert result.stderr == ""


def test_cli_index_check_of_a_clean_corpus_touches_no_index(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "never"
    result = run_medsearch("index", "--check", "--corpus", str(corpus_dir), "--index", str(index))
    assert (result.returncode, result.stdout) == (
        0,
        f"checked 7 file(s) in {corpus_dir}: no problems\n",
    )
    assert not index.exists()


def test_cli_index_check_and_full_cannot_be_combined(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["index", "--check", "--full"])
    assert caught.value.code == 2
    assert "argument --full: not allowed with argument --check" in capsys.readouterr().err


def test_cli_index_reports_skips_and_strict_exits_1(corpus_dir: Path, tmp_path: Path) -> None:
    bad = write_article(corpus_dir, "bad.md", "---\ntitle: T\ndate: someday\n---\n")
    args = ["index", "--corpus", str(corpus_dir), "--index", str(tmp_path / "ix")]
    lenient = run_medsearch(*args)
    assert lenient.returncode == 0
    line = f"skipped {bad}: date: 'someday' is not a date; write it as YYYY-MM-DD\n"
    assert lenient.stderr == line
    strict = run_medsearch(*args, "--strict")
    assert strict.returncode == 1
    assert strict.stderr.endswith(
        "error: 1 article(s) skipped and --strict is set; the index was not changed\n"
    )
    assert current_generation(tmp_path / "ix") == "gen-000001"


def test_cli_index_missing_corpus_exits_1(tmp_path: Path) -> None:
    result = run_medsearch("index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path))
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unknown_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["index", "--nope"])
    assert caught.value.code == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_cli_bad_setting_exits_2(tmp_path: Path) -> None:
    result = run_medsearch("serve", env={"MEDSEARCH_PORT": "eighty"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: MEDSEARCH_PORT: Input should be a valid integer")


@pytest.mark.parametrize("level", ["verbose", "trace"])
def test_cli_unknown_log_level_exits_2_without_traceback(level: str) -> None:
    result = run_medsearch("serve", env={"MEDSEARCH_LOG_LEVEL": level})
    assert result.returncode == 2
    assert result.stderr == (
        f"error: MEDSEARCH_LOG_LEVEL: Value error, {level!r} is not a log level; use critical, "
        "error, warning, info or debug (trace is refused: it logs every query string)\n"
    )


def test_cli_serve_without_index_says_how_to_build(tmp_path: Path) -> None:
    result = run_medsearch("serve", "--index", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert f"error: no index in {tmp_path / 'missing'}. Build one first:" in result.stderr
    assert "medsearch index --corpus corpus --index" in result.stderr


# Every pause point of each kind of run: an update, a full build in this process, and a parallel
# full build (whose writing happens in worker processes, so it pauses only before and after).
BUILD_MODES = {"update": [], "full": ["--full", "--processes", "1"], "parallel": ["--full"]}
SIGNAL_CASES = [
    (mode, phase)
    for mode in BUILD_MODES
    for phase in PHASES
    if mode != "parallel" or phase in ("scan", "publish")
]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
@pytest.mark.parametrize(("mode", "phase"), SIGNAL_CASES)
def test_cli_index_signal_mid_build_keeps_old_index(
    tmp_path: Path, index_dir: Path, mode: str, phase: Phase, signum: signal.Signals
) -> None:
    big = tmp_path / "big"
    for number in range(PARALLEL_MIN_ARTICLES):
        write_article(big, f"a{number}.md", f"---\ntitle: Article {number}\n---\nWords {number}.\n")
    args = ["--corpus", str(big), "--index", str(index_dir), *BUILD_MODES[mode]]
    process = start_paused_index(phase, tmp_path / "ready", *args)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.endswith("interrupted; the index was not changed\n")
    assert current_generation(index_dir) == "gen-000001"
    assert list(index_dir.glob(f"{BUILD_PREFIX}*")) == []
    last = read_status(index_dir).last_build
    assert last is not None
    assert (last.result, last.summary) == ("interrupted", "interrupted; the index was not changed")
