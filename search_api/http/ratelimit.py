"""Rate limiting of the search endpoints per client address: a token bucket in each process.

Each worker process keeps its own buckets, so with N uvicorn workers a client may make up to N
times the configured rate (the kernel spreads connections over workers). That is enough to stop
one address from flooding a clinic's search; a limit shared across processes or machines belongs
in the reverse proxy in front of the service.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from search_api.http.middleware import send_error

LIMITED_PATHS = frozenset({"/search", "/suggest"})
# `/articles/{id}/related` runs a search too (the article's key terms), so it is limited alike.
RELATED_PREFIX, RELATED_SUFFIX = "/articles/", "/related"
# Buckets kept at most; the least recently seen address is forgotten first (and so starts
# again with a full bucket), which bounds memory whatever addresses arrive.
MAX_CLIENTS = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """Allows `burst` requests at once per key, refilled at `per_minute` tokens a minute."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def acquire(self, key: str) -> float:
        """Take a token for `key`: 0.0 if allowed, else the seconds until one is available."""
        # Called from the event loop only, so no lock: nothing else runs between these lines.
        now = self.clock()
        bucket = self._buckets.pop(key, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[key] = bucket
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate


def is_limited(path: str) -> bool:
    """Whether requests to `path` run a search, and so count against the client's rate."""
    return path in LIMITED_PATHS or (
        path.startswith(RELATED_PREFIX) and path.endswith(RELATED_SUFFIX)
    )


def client_key(host: str) -> str:
    """The bucket a client address falls in: IPv4 addresses alone, IPv6 by their /64 network."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        # One IPv6 subscriber usually holds a whole /64, so single addresses are free to rotate.
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class RateLimitMiddleware:
    """Answers 429 with Retry-After when one client searches faster than the limiter allows."""

    def __init__(self, app: ASGIApp, per_minute: int, burst: int) -> None:
        self.app = app
        self.per_minute = per_minute
        self.limiter = TokenBucketLimiter(per_minute, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the bucket of the request's client for the limited paths."""
        if scope["type"] != "http" or not is_limited(scope["path"]):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.limiter.acquire(client_key(client[0]) if client else "unknown")
        if wait == 0.0:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        await send_error(
            send,
            429,
            f"Too many searches from your address (the limit is {self.per_minute} a minute); "
            f"try again in {seconds} second{'s' if seconds != 1 else ''}.",
            headers=((b"retry-after", str(seconds).encode()),),
        )
