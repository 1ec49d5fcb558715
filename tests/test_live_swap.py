"""A real uvicorn server with two workers answers every request while updates swap generations."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.server import free_port, stop_process
from indexer.locks import WriterLock
from indexer.storage import current_generation, generation_dirs
from tests.conftest import (
    ADMIN_TOKEN,
    start_paused_index,
    wait_for_no_update,
    wait_until,
    write_article,
)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# What readers keep asking while the index changes under them.
READER_PATHS = (
    "/search?q=migraine",
    "/search?q=riboflavin+OR+headache",
    "/articles/migraine-basics",
    "/health",
)


@dataclass
class Server:
    """A running `medsearch serve` process and how to reach it."""

    port: int
    log: Path

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """One request on a fresh connection, so the kernel spreads them over the workers."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            connection.close()

    def pids_that_answered(self, path: str) -> set[int]:
        """The worker processes that the request log shows answering `path`."""
        lines = self.log.read_text().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        return {record["pid"] for record in records if record["path"] == path}


@dataclass
class Readers:
    """Threads querying the server nonstop, recording every status they get."""

    server: Server
    statuses: list[tuple[int, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Query until told to stop."""
        turn = 0
        while not self.stop.is_set():
            path = READER_PATHS[turn % len(READER_PATHS)]
            turn += 1
            try:
                status, _ = self.server.request("GET", path)
            except OSError as exc:
                status, path = 0, f"{path}: {exc}"
            self.statuses.append((status, path))

    def wait_for_more(self, count: int) -> int:
        """Wait until the readers have had `count` more answers; return how many came."""
        start = len(self.statuses)
        wait_until(lambda: len(self.statuses) - start >= count, 120, f"{count} more answers")
        return len(self.statuses) - start


@pytest.fixture
def server(corpus_dir: Path, index_dir: Path, tmp_path: Path) -> Iterator[Server]:
    """`medsearch serve` with two workers and the admin API on, on a free port."""
    log = tmp_path / "server.log"
    port = free_port()
    environment = {
        **os.environ,
        "MEDSEARCH_ADMIN_TOKEN": ADMIN_TOKEN,
        "MEDSEARCH_CORPUS_DIR": str(corpus_dir),
        # info: the request log, which tells which worker answered.
        "MEDSEARCH_LOG_LEVEL": "info",
    }
    command = [sys.executable, "-m", "search_api.cli", "serve", "--index", str(index_dir)]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--workers", "2"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = Server(port, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if running.request("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield running
    finally:
        stop_process(process, signal.SIGINT)


def _reindex_and_wait(server: Server, index_dir: Path, full: bool = False) -> dict[str, Any]:
    status, body = server.request("POST", f"/admin/reindex?full={str(full).lower()}", AUTH)
    assert status == 202, body
    wait_for_no_update(index_dir)
    _, state = server.request("GET", "/admin/status", AUTH)
    assert state["running"] is None, state
    assert state["last_build"]["pid"] == body["pid"], state
    last: dict[str, Any] = state["last_build"]
    return last


def test_serve_answers_every_request_while_updates_swap_generations(
    server: Server, corpus_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    readers = Readers(server)
    threads = [threading.Thread(target=readers.run) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        readers.wait_for_more(8)
        write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nVitamin B2.\n")
        added = _reindex_and_wait(server, index_dir)
        basics = corpus_dir / "migraine-basics.md"
        basics.write_text(basics.read_text().replace("Migraine basics", "Migraine in brief"))
        (corpus_dir / "tension-type-headache.md").unlink()
        # The CLI's update is held with its new generation committed but not yet published
        # while readers go on, then let go: readers are certain to cross the switch.
        ready = tmp_path / "ready"
        cli = start_paused_index(
            "publish", ready, "--corpus", str(corpus_dir), "--index", str(index_dir)
        )
        during_cli = readers.wait_for_more(20)
        ready.unlink()
        cli_out, cli_err = cli.communicate(timeout=120)
        rebuilt = _reindex_and_wait(server, index_dir, full=True)
        with WriterLock.acquire(index_dir):
            busy = server.request("POST", "/admin/reindex", AUTH)
        readers.wait_for_more(8)
    finally:
        readers.stop.set()
        for thread in threads:
            thread.join(timeout=60)

    failures = [entry for entry in readers.statuses if entry[0] != 200]
    assert failures == [], server.log.read_text()
    assert during_cli >= 20
    assert (added["result"], added["added"], added["generation"]) == ("succeeded", 1, "gen-000002")
    assert cli.returncode == 0, cli_err
    assert cli_out.splitlines()[:2] == [
        f"updated {corpus_dir}/migraine-basics.md",
        f"deleted {corpus_dir}/tension-type-headache.md",
    ]
    assert (rebuilt["mode"], rebuilt["result"], rebuilt["generation"]) == (
        "full",
        "succeeded",
        "gen-000004",
    )
    assert busy == (409, {"detail": f"another index update is running in {index_dir.resolve()}"})

    # Every worker now answers from the newest generation: ask on fresh connections until the
    # request log shows both workers answering (the kernel picks the worker per connection).
    gone = "/articles/tension-type-headache"
    for _ in range(500):
        status, found = server.request("GET", "/search?q=riboflavin")
        assert (status, [hit["id"] for hit in found["results"]]) == (200, ["riboflavin"])
        assert server.request("GET", gone)[0] == 404
        assert server.request("GET", "/articles/migraine-basics")[1]["title"] == "Migraine in brief"
        if len(server.pids_that_answered(gone)) == 2:
            break
    assert len(server.pids_that_answered(gone)) == 2, server.log.read_text()
    # Once both workers let go of the old generations, they are removed.
    wait_until(lambda: len(generation_dirs(index_dir)) == 1, 30, "old generations removed")
    assert [p.name for p in generation_dirs(index_dir)] == [current_generation(index_dir)]
