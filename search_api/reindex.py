"""Starting an index update in a child process for `POST /admin/reindex`.

The update runs as `medsearch index` in its own process rather than in a thread of the API: a
build is CPU-bound, would hold the GIL against searches in this worker, and would leave the
worker with the writer's memory. The API takes the writer lock itself and hands the locked file
to the child, so a busy index answers 409 at once and no other writer can slip in between.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from indexer.errors import MedsearchError
from indexer.locks import WriterLock
from indexer.settings import Settings
from indexer.status import BuildRecord, now, read_status

# The child needs a second or two to import its libraries before it records that it started.
START_TIMEOUT_SECONDS = 60.0
_POLL_SECONDS = 0.05
STDERR_FD = 2


class IndexerStartError(MedsearchError):
    """The indexer process exited before it started the update."""

    def __init__(self, returncode: int) -> None:
        super().__init__(
            f"the indexer process exited with code {returncode} before starting; see the log"
        )
        self.returncode = returncode


def start_reindex(
    corpus_dir: Path, index_dir: Path, *, full: bool, articles: Sequence[Path] = ()
) -> BuildRecord:
    """Start an update of `index_dir` from `corpus_dir`; return its record once it is running.

    With `articles` (absolute paths), only those files are looked at. Raises IndexBusyError at
    once if another update (from any process) is running.
    """
    lock = WriterLock.acquire(index_dir)
    command = [
        sys.executable,
        "-m",
        "search_api.cli",
        "index",
        "--corpus",
        str(corpus_dir.resolve()),
        "--index",
        str(index_dir.resolve()),
        "--lock-fd",
        str(lock.fileno()),
        "--started-by-admin",
    ]
    if full:
        command.append("--full")
    # After "--": a file name is never taken for a flag.
    command.extend(["--", *map(str, articles)])
    # The indexer has no use for the admin token; keep it out of its environment.
    environment = {k: v for k, v in os.environ.items() if k != Settings.env_var("admin_token")}
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            command,
            pass_fds=[lock.fileno()],
            stdin=subprocess.DEVNULL,
            # The server's stdout is the request log, one JSON line per request; the indexer's
            # summary goes beside uvicorn's own messages on stderr instead.
            stdout=STDERR_FD,
            env=environment,
        )
    finally:
        # The child holds the lock from here on; it is released when the child exits.
        lock.detach()
    started = BuildRecord(
        result="running",
        mode="full" if full else "incremental",
        pid=process.pid,
        corpus_dir=str(corpus_dir.resolve()),
        started_at=now(),
    )
    record = _wait_until_started(index_dir, process, started)
    # Reap the child when it ends, so it does not linger as a zombie.
    threading.Thread(target=process.wait, name="reindex-reaper", daemon=True).start()
    return record


def _wait_until_started(
    index_dir: Path, process: subprocess.Popen[bytes], started: BuildRecord
) -> BuildRecord:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        exited = process.poll() is not None
        status = read_status(index_dir)
        for record in (status.running, status.last_build):
            if record is not None and record.pid == process.pid:
                return record
        if exited:
            raise IndexerStartError(process.returncode)
        if time.monotonic() > deadline:
            # A very slow start: the child will record itself; answer with what is known now.
            return started
        time.sleep(_POLL_SECONDS)
