"""Pause points inside an update, so tests can signal or kill a build at a known moment.

Timed waits (sleep, poll for a file) race the build on a busy machine: it may publish before the
signal lands. With `MEDSEARCH_TEST_PAUSE_AT=PHASE=READY_FILE` in its environment, an update that
reaches PHASE writes its process id to READY_FILE and sleeps until a signal ends it, or until the
test deletes READY_FILE to let it go on (to hold a build at a phase while other work is checked).
Nothing sets the variable outside the test suite, and an unset variable costs one dictionary
look-up a phase.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Literal

PAUSE_ENV = "MEDSEARCH_TEST_PAUSE_AT"

# scan: the corpus is listed, nothing written; apply: the first change is in the open writer;
# commit: every change applied, the writer not yet committed; publish: committed and checked,
# `CURRENT` not yet switched.
Phase = Literal["scan", "apply", "commit", "publish"]
PHASES: tuple[Phase, ...] = ("scan", "apply", "commit", "publish")


def pause_point(phase: Phase) -> None:
    """Stop here when the test hook names `phase`, after saying so in its ready file.

    The run goes on when the ready file is deleted; a signal may end it meanwhile.
    """
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted:
        return
    name, _, ready_file = wanted.partition("=")
    if name != phase:
        return
    ready = Path(ready_file)
    ready.write_text(str(os.getpid()), encoding="utf-8")
    while ready.exists():  # until the test lets go, or SIGINT, SIGTERM or SIGKILL arrives
        time.sleep(0.01)
