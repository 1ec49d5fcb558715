"""Starting and stopping one engine's uvicorn server as a subprocess on the loopback interface."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Ports set aside for this benchmark on the shared machine.
PORTS = range(17000, 17100)


def free_port() -> int:
    """The first port of PORTS that nothing listens on."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _memory_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


@dataclass
class Server:
    """A running server: its process and port."""

    process: subprocess.Popen[bytes]
    port: int
    workers: int

    def worker_pids(self) -> list[int]:
        """Pids of the processes answering requests (the server itself with one worker)."""
        if self.workers == 1:
            return [self.process.pid]
        return _children(self.process.pid)

    def rss_mb(self) -> float:
        """Resident memory now of the biggest worker, in MB."""
        return max((_memory_kb(p, "VmRSS") for p in self.worker_pids()), default=0) / 1024

    def peak_rss_mb(self) -> float:
        """Peak resident memory so far of the biggest worker, in MB."""
        return max((_memory_kb(p, "VmHWM") for p in self.worker_pids()), default=0) / 1024


def _wait_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answered = sock.recv(64).startswith(b"HTTP/1.1 200")
                if answered and len(server.worker_pids()) >= server.workers:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {server.port} not ready after {timeout} s")


@contextlib.contextmanager
def serve(
    command: list[str], env: dict[str, str], workers: int, timeout: float = 120
) -> Iterator[Server]:
    """Run `command` (a uvicorn server; `{port}` is filled in) until the block ends."""
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    process = subprocess.Popen(
        argv,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=ROOT,
    )
    server = Server(process, port, workers)
    try:
        _wait_ready(server, timeout)
        # Let every worker finish starting before anyone measures.
        time.sleep(0.5)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def uvicorn_command(factory: str, workers: int) -> list[str]:
    """uvicorn serving an app factory on the loopback interface, quietly, as every peer is."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
