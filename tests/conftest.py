"""Shared fixtures: a copy of the tiny corpus, an index built from it, an API client, and a
real 3-node OpenSearch cluster for the OpenSearch tests."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.errors import IndexBusyError
from indexer.integrity import write_checksums
from indexer.locks import WriterLock
from indexer.pause import PAUSE_ENV, Phase
from indexer.posting_arrays import EXTENSION as POSTING_ARRAYS_EXTENSION
from indexer.settings import Settings
from indexer.storage import current_generation, open_current
from search_api.http.app import create_app

TEST_CORPUS = Path(__file__).parent / "corpus"
OPENSEARCH_CLUSTER = Path(__file__).resolve().parent.parent / "scripts" / "opensearch-cluster"
# A made-up admin token for tests (not a secret).
ADMIN_TOKEN = "test-admin-token-0123456789"  # noqa: S105


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A private copy of the tiny test corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(TEST_CORPUS, target)
    return target


@pytest.fixture
def index_dir(tmp_path: Path, corpus_dir: Path) -> Path:
    """An index folder holding one generation built from the tiny corpus."""
    target = tmp_path / "index"
    build_index(corpus_dir, target)
    return target


@pytest.fixture
def settings(corpus_dir: Path, index_dir: Path) -> Settings:
    """Settings pointing at the tiny corpus and its index."""
    return Settings(corpus_dir=corpus_dir, index_dir=index_dir)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An HTTP client for the app, with its lifespan run."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def write_article(folder: Path, name: str, text: str | bytes) -> Path:
    """Write one article file below `folder` and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def stored_documents(index_dir: Path) -> dict[str, tuple[str, str]]:
    """Each document of the live generation: its id with its title and content hash."""
    _, index = open_current(index_dir)
    with index.searcher() as searcher:
        return {
            fields["id"]: (fields["title"], fields["content_hash"])
            for fields in searcher.all_stored_fields()
        }


def run_medsearch(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `medsearch` command in a fresh process and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "search_api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def start_paused_index(
    phase: Phase, ready_file: Path, *args: str, output: int | None = subprocess.PIPE
) -> subprocess.Popen[str]:
    """Start `medsearch index ARGS` and return once it is paused at `phase` (indexer.pause)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "search_api.cli", "index", *args],
        stdout=output,
        stderr=output,
        text=True,
        env={**os.environ, PAUSE_ENV: f"{phase}={ready_file}"},
    )
    deadline = time.monotonic() + 120
    while not ready_file.exists():
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the indexer ended before {phase}: {process.returncode} {err}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the indexer did not reach {phase} in 120 s")
        time.sleep(0.01)
    return process


def wait_until(condition: Callable[[], bool], seconds: float = 60, what: str = "") -> None:
    """Poll `condition` until it holds; fail the test (never return quietly) after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {seconds} s: {what or condition}")
        time.sleep(0.01)


def wait_for_no_update(index_dir: Path, seconds: float = 120) -> None:
    """Wait until no process holds `index_dir`'s writer lock: every update there has ended.

    An update records how it ended before it lets go of the lock, so `/admin/status` is final
    once this returns.
    """

    def lock_is_free() -> bool:
        try:
            WriterLock.acquire(index_dir).release()
        except IndexBusyError:
            return False
        return True

    wait_until(lock_is_free, seconds, f"the update of {index_dir} to end")


def search_body(client: TestClient, q: str, **params: Any) -> dict[str, Any]:
    """GET /search, assert it answered 200, and return the JSON body."""
    response = client.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def result_ids(body: dict[str, Any]) -> list[str]:
    """The article ids of a search response's results, in rank order."""
    return [hit["id"] for hit in body["results"]]


def strip_posting_arrays(index_dir: Path) -> None:
    """Delete the current generation's posting arrays files, as in an index written before them."""
    generation = current_generation(index_dir)
    assert generation is not None
    folder = index_dir / generation
    for path in folder.glob(f"*{POSTING_ARRAYS_EXTENSION}"):
        path.unlink()
    write_checksums(folder)


# --- OpenSearch ------------------------------------------------------------------------------

OPENSEARCH_NODES = 3
# Set by .ci/run: the run fails if any test marked `opensearch` was skipped or none ran.
REQUIRE_OPENSEARCH_ENV = "MEDSEARCH_TEST_REQUIRE_OPENSEARCH"


@dataclass(frozen=True)
class OpenSearchCluster:
    """A running test cluster started by scripts/opensearch-cluster: its URLs and its folder."""

    urls: list[str]
    directory: Path
    http_port: int

    def pid(self, node: int) -> int:
        """The pid of node `node`'s JVM, from its pid file."""
        return int((self.directory / f"node-{node}.pid").read_text())

    def kill(self, node: int) -> None:
        """SIGKILL node `node`'s JVM, as a crash would end it, and wait until it is gone."""
        pid = self.pid(node)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        # The JVM is not our child: it is gone when /proc no longer shows its command line
        # (a killed process not yet reaped keeps its pid with an empty command line).
        cmdline = Path(f"/proc/{pid}/cmdline")
        while cmdline.exists() and cmdline.read_bytes():
            assert time.monotonic() < deadline, f"node-{node} (pid {pid}) survived SIGKILL"
            time.sleep(0.05)

    def start_node(self, node: int) -> subprocess.CompletedProcess[str]:
        """Restart node `node` with `opensearch-cluster start-node`; it returns once green."""
        return run_opensearch_cluster(
            "start-node", "--dir", str(self.directory), "--node", str(node)
        )


def run_opensearch_cluster(
    *args: str, timeout: float = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run scripts/opensearch-cluster with `args` (and more environment) and capture its output."""
    # The first run builds the launcher with Maven, which may download its jars: a long bound.
    return subprocess.run(
        [str(OPENSEARCH_CLUSTER), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        check=False,
    )


def free_port_range(count: int, avoid: range = range(0)) -> int:
    """A port P such that P to P+count-1 are free on loopback now (and outside `avoid`)."""
    # Below the kernel's ephemeral range, which the other tests' servers (port 0) and every
    # outgoing connection draw from: a port free now must still be free when a JVM binds it.
    try:
        ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral = 32768
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(10000, max(ephemeral, 12000) - count)
        ports = range(base, base + count)
        if any(port in avoid for port in ports):
            continue
        try:
            for port in ports:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError(f"found no {count} free consecutive ports on 127.0.0.1")


@pytest.fixture(scope="session")
def opensearch_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchCluster]:
    """A real 3-node OpenSearch cluster on loopback for the whole test session, green at start.

    Never skipped: without Java or Maven the fixture fails, saying which is missing.
    """
    for attempt in range(2):
        directory = tmp_path_factory.mktemp("opensearch")
        http_port = free_port_range(OPENSEARCH_NODES)
        transport_port = free_port_range(
            OPENSEARCH_NODES, avoid=range(http_port, http_port + OPENSEARCH_NODES)
        )
        result = run_opensearch_cluster(
            *("start", "--nodes", str(OPENSEARCH_NODES), "--dir", str(directory)),
            *("--http-port", str(http_port), "--transport-port", str(transport_port)),
        )
        if result.returncode == 0:
            break
        run_opensearch_cluster("stop", "--dir", str(directory), timeout=60)
        # Another program may take a port between our probe and the JVM's bind: try new ones.
        taken = "is in use" in result.stderr or "Failed to bind" in result.stderr
        if attempt == 1 or not taken:
            pytest.fail(
                f"scripts/opensearch-cluster start failed ({result.returncode}):\n{result.stderr}",
                pytrace=False,
            )
    try:
        yield OpenSearchCluster(result.stdout.split(), directory, http_port)
    finally:
        stopped = run_opensearch_cluster("stop", "--dir", str(directory), timeout=120)
        assert stopped.returncode == 0, stopped.stderr


_opensearch_outcomes: dict[str, str] = {}
_opensearch_failure: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember how each OpenSearch test ended, for the check in pytest_sessionfinish."""
    if "opensearch" not in report.keywords:
        return
    if report.skipped:
        _opensearch_outcomes[report.nodeid] = "skipped"
    elif report.when == "call" or report.failed:
        _opensearch_outcomes.setdefault(report.nodeid, report.outcome)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With MEDSEARCH_TEST_REQUIRE_OPENSEARCH=1 (CI), fail a run whose OpenSearch tests skipped."""
    if os.environ.get(REQUIRE_OPENSEARCH_ENV) != "1":
        return
    skipped = sorted(name for name, outcome in _opensearch_outcomes.items() if outcome == "skipped")
    if skipped:
        _opensearch_failure.append(f"{len(skipped)} OpenSearch test(s) skipped: {skipped}")
    elif not _opensearch_outcomes:
        _opensearch_failure.append("no OpenSearch test ran (were they deselected?)")
    if _opensearch_failure and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say why a run that passed every test still failed (see pytest_sessionfinish)."""
    for line in _opensearch_failure:
        terminalreporter.write_line(f"{REQUIRE_OPENSEARCH_ENV}=1: {line}", red=True, bold=True)
