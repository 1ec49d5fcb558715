"""Rate limiting: the token bucket, client keys, and 429 with Retry-After on the search route."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from indexer.settings import Settings
from search_api.http.app import create_app
from search_api.http.ratelimit import TokenBucketLimiter, client_key


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_burst_then_waits_for_refill() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(1.0)
    assert limiter.acquire("b") == 0.0
    clock.now += 0.5
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("a") == 0.0


def test_token_bucket_refills_no_higher_than_burst() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=60, burst=2, clock=clock)
    limiter.acquire("a")
    clock.now += 3600
    assert [limiter.acquire("a") > 0 for _ in range(3)] == [False, False, True]


def test_token_bucket_forgets_least_recent_client_beyond_capacity() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=1, burst=1, clock=clock, max_clients=2)
    for key in ("a", "b", "c"):
        limiter.acquire(key)
    # "a" was forgotten, so it starts again with a full bucket; "c" is still empty.
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("c") > 0


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("testclient", "testclient"),
    ],
)
def test_client_key_groups_ipv6_by_network(host: str, key: str) -> None:
    assert client_key(host) == key


@pytest.fixture
def limited_client(settings: Settings) -> Iterator[TestClient]:
    """The API allowing a burst of two searches, then one a second."""
    limited = settings.model_copy(update={"rate_limit_per_minute": 60, "rate_limit_burst": 2})
    with TestClient(create_app(limited)) as client:
        yield client


def test_search_over_rate_is_429_with_retry_after(limited_client: TestClient) -> None:
    statuses = [limited_client.get("/search", params={"q": "botox"}).status_code for _ in range(2)]
    refused = limited_client.get("/search", params={"q": "botox"})
    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert refused.json() == {
        "detail": "Too many searches from your address (the limit is 60 a minute); "
        "try again in 1 second."
    }


def test_related_articles_share_the_search_rate(limited_client: TestClient) -> None:
    limited_client.get("/search", params={"q": "botox"})
    related = "/articles/migraine-basics/related"
    statuses = [limited_client.get(related).status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert limited_client.get(related).headers["retry-after"] == "1"


def test_rate_limit_leaves_other_routes_alone(limited_client: TestClient) -> None:
    for _ in range(3):
        limited_client.get("/search", params={"q": "botox"})
    assert limited_client.get("/health").status_code == 200
    assert limited_client.get("/articles/migraine-basics").status_code == 200


def test_rate_limit_is_off_by_default(client: TestClient) -> None:
    assert Settings().rate_limit_per_minute == 0
    statuses = {client.get("/search", params={"q": "jaw"}).status_code for _ in range(40)}
    assert statuses == {200}
