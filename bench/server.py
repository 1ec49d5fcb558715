"""Running the real `medsearch serve` (uvicorn) in a child process, for benchmarks and tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """A running server: its base URL and the files its output goes to."""

    url: str
    stdout: Path
    stderr: Path

    def log_lines(self) -> list[str]:
        """What the server wrote to stdout so far, line by line."""
        return self.stdout.read_text(encoding="utf-8").splitlines()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):  # noqa: S310 - our server
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer within {timeout} s")


@contextmanager
def running_server(
    index_dir: Path, workdir: Path, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[Server]:
    """Start `medsearch serve` on a free loopback port and stop it (SIGTERM) afterwards."""
    port = free_port()
    stdout, stderr = workdir / "server.out", workdir / "server.err"
    command = [sys.executable, "-m", "search_api.cli", "serve", "--index", str(index_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            command, stdout=out, stderr=err, env={**os.environ, **(env or {})}
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, timeout=60)
        yield Server(url, stdout, stderr)
    finally:
        stop_process(process, signal.SIGTERM)


def stop_process(process: subprocess.Popen[bytes], how: signal.Signals) -> None:
    """Ask a server process to stop with `how`; kill it if it has not within 30 seconds."""
    process.send_signal(how)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
