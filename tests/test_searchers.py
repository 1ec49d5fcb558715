"""The searcher pool: searchers live on, are never lent twice at once, follow the generation."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from indexer.build import build_index
from indexer.storage import open_current
from search_api.whoosh_engine.live.searchers import SearcherPool
from tests.conftest import write_article


def test_pool_lends_the_same_searcher_again_after_it_comes_back(index_dir: Path) -> None:
    generation, index = open_current(index_dir)
    pool = SearcherPool(size=2)
    with pool.lease(generation, index.searcher) as first:
        assert pool.generation_of(first) == generation
    with pool.lease(generation, index.searcher) as second:
        assert second is first
        assert second.doc_count() == 7
    pool.close()


def test_pool_never_lends_one_searcher_to_two_requests(index_dir: Path) -> None:
    generation, index = open_current(index_dir)
    pool = SearcherPool(size=3)
    in_use: set[int] = set()
    clashes: list[int] = []
    seen: set[int] = set()
    guard = threading.Lock()

    def request() -> None:
        for _ in range(20):
            with pool.lease(generation, index.searcher) as searcher:
                with guard:
                    if id(searcher) in in_use:
                        clashes.append(id(searcher))
                    in_use.add(id(searcher))
                    seen.add(id(searcher))
                time.sleep(0.001)
                with guard:
                    in_use.discard(id(searcher))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clashes == []
    assert 1 <= len(seen) <= 3
    pool.close()


def test_pool_waits_for_a_searcher_when_all_are_lent(index_dir: Path) -> None:
    generation, index = open_current(index_dir)
    pool = SearcherPool(size=1)
    order: list[str] = []

    def second_request() -> None:
        with pool.lease(generation, index.searcher):
            order.append("second")

    with pool.lease(generation, index.searcher):
        waiter = threading.Thread(target=second_request)
        waiter.start()
        time.sleep(0.05)
        order.append("first done")
    waiter.join()
    assert order == ["first done", "second"]
    pool.close()


def test_pool_closes_searchers_of_a_generation_no_longer_served(
    corpus_dir: Path, index_dir: Path
) -> None:
    old_generation, old_index = open_current(index_dir)
    pool = SearcherPool(size=2)
    with pool.lease(old_generation, old_index.searcher) as old_searcher:
        write_article(corpus_dir, "new.md", "---\ntitle: New\n---\nNew text.\n")
        build_index(corpus_dir, index_dir)
        new_generation, new_index = open_current(index_dir)
        with pool.lease(new_generation, new_index.searcher) as new_searcher:
            assert new_searcher is not old_searcher
            assert new_searcher.doc_count() == 8
    # The old searcher was closed on return instead of going back to the pool.
    assert old_searcher.is_closed
    with pool.lease(new_generation, new_index.searcher) as again:
        assert again is new_searcher
    pool.close()
