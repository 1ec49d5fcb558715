"""A lean HTTP/1.1 load client on asyncio streams, so the client costs the server little CPU.

Each simulated client holds one keep-alive connection and sends its next request when the last
answer has been read in full; latency is measured from sending to the last byte of the body.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class LoadResult:
    """Latencies of the answered requests, wall time of the run, and failures."""

    latencies_ms: list[float]
    seconds: float
    errors: int

    @property
    def qps(self) -> float:
        """Answered requests per second over the whole run."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, pct: float) -> float:
        """The `pct` percentile of latency in milliseconds (linear interpolation)."""
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(pct) - 1]


def search_path(query: str, per_page: int = 10) -> str:
    """The request target of one search."""
    return "/search?" + urlencode({"q": query, "per_page": per_page})


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def get(self, target: str) -> int:
        """Send one GET and read the whole answer; return the status code."""
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length is None:
            raise RuntimeError("the load client needs Content-Length answers")
        await self.reader.readexactly(length)
        return status


async def _run(port: int, targets: Sequence[str], clients: int) -> LoadResult:
    pending: Iterator[str] = iter(targets)
    latencies: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        connection = _Connection(reader, writer)
        try:
            for target in pending:
                started = time.perf_counter()
                status = await connection.get(target)
                if status == 200:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return LoadResult(latencies, time.perf_counter() - started, errors)


def run_load(port: int, targets: Sequence[str], clients: int = 1) -> LoadResult:
    """Send every target once, spread over `clients` concurrent keep-alive connections."""
    return asyncio.run(_run(port, targets, clients))
