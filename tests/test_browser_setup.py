"""Without Chromium the browser tests fail and say how to install it; they never skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parent.parent


def test_browser_tests_fail_with_advice_when_chromium_is_missing(tmp_path: Path) -> None:
    env = {**os.environ, "MEDSEARCH_TEST_CHROMIUM": str(tmp_path / "no-chromium")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "tests/browser/test_search_page.py::test_page_empty_state_suggests_what_to_try",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout
    assert "1 error" in run.stdout
    assert "Chromium is not installed, so the browser tests cannot run." in run.stdout
    assert "skipped" not in run.stdout
