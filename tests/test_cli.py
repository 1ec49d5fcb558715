"""The `medsearch` command: messages and exit codes, run as a real process where it matters."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.storage import BUILD_PREFIX, current_generation
from search_api.cli import main
from tests.conftest import write_article


def _medsearch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "search_api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_cli_index_prints_summary_and_exits_0(corpus_dir: Path, tmp_path: Path) -> None:
    result = _medsearch("index", "--corpus", str(corpus_dir), "--index", str(tmp_path / "ix"))
    assert result.returncode == 0
    assert result.stdout.startswith("indexed 9 article(s), skipped 0, in ")
    assert result.stderr == ""


def test_cli_index_reports_skips_and_strict_exits_1(corpus_dir: Path, tmp_path: Path) -> None:
    bad = write_article(corpus_dir, "bad.md", "---\ntitle: T\ndate: someday\n---\n")
    args = ["index", "--corpus", str(corpus_dir), "--index", str(tmp_path / "ix")]
    lenient = _medsearch(*args)
    assert lenient.returncode == 0
    line = f"skipped {bad}: date: 'someday' is not a date; write it as YYYY-MM-DD\n"
    assert lenient.stderr == line
    strict = _medsearch(*args, "--strict")
    assert strict.returncode == 1
    assert strict.stderr.endswith(
        "error: 1 article(s) skipped and --strict is set; the index was not changed\n"
    )
    assert current_generation(tmp_path / "ix") == "gen-000001"


def test_cli_index_missing_corpus_exits_1(tmp_path: Path) -> None:
    result = _medsearch("index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path))
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unknown_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["index", "--nope"])
    assert caught.value.code == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_cli_bad_setting_exits_2(tmp_path: Path) -> None:
    result = _medsearch("serve", env={"MEDSEARCH_PORT": "eighty"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: MEDSEARCH_PORT: Input should be a valid integer")


def test_cli_serve_without_index_says_how_to_build(tmp_path: Path) -> None:
    result = _medsearch("serve", "--index", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert f"error: no index in {tmp_path / 'missing'}. Build one first:" in result.stderr
    assert "medsearch index --corpus corpus --index" in result.stderr


def test_cli_index_sigint_mid_build_keeps_old_index(tmp_path: Path, index_dir: Path) -> None:
    big = tmp_path / "big"
    for number in range(3000):
        write_article(big, f"a{number}.md", f"---\ntitle: Article {number}\n---\nWords {number}.\n")
    command = [sys.executable, "-m", "search_api.cli", "index", "--corpus", str(big)]
    process = subprocess.Popen(
        [*command, "--index", str(index_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(index_dir.glob(f"{BUILD_PREFIX}*/*.toc")) and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.endswith("interrupted; the index was not changed\n")
    assert current_generation(index_dir) == "gen-000001"
    assert list(index_dir.glob(f"{BUILD_PREFIX}*")) == []
