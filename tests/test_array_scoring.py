"""Scoring word queries with arrays: Whoosh's BM25 scores, totals and tie order, computed faster."""

from __future__ import annotations

import gc
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import whoosh.index
import whoosh.writing
from fastapi.testclient import TestClient
from whoosh import classify
from whoosh import query as wq

from indexer.analysis import word_terms_for
from indexer.articles import Article
from indexer.build import build_index_from_articles
from indexer.schema import (
    CONTENT_FIELD,
    TEXT_FIELDS,
    article_to_document,
    build_schema,
    scoring_model,
)
from indexer.settings import Settings
from indexer.synonyms import parse_synonyms
from search_api.http.app import GC_YOUNG_THRESHOLD, create_app
from search_api.whoosh_engine.engine import WhooshEngine
from search_api.whoosh_engine.expand.expansion import feedback_weights, plain_query, synonym_queries
from search_api.whoosh_engine.live.live_index import LiveIndex
from search_api.whoosh_engine.live.snapshot_cache import SnapshotCache
from search_api.whoosh_engine.score.arrays import (
    WARM_BYTES,
    ScoringArrays,
    arrays_for,
    search_arrays,
    supported,
)
from tests.conftest import strip_posting_arrays

WORDS = "migraine headache aura nausea botox injection sleep caffeine oxygen cluster tension pregnancy jaw pain neck light sound trigger diet water exercise stress relief dose".split()  # noqa: E501, SIM905


def _article(number: int, rng: random.Random) -> Article:
    def words(count: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(count))

    return Article(
        id=f"a{number:03d}", title=words(rng.randint(1, 4)), body=words(rng.randint(5, 60))
    )


@pytest.fixture
def searcher(tmp_path: Path) -> Iterator[Any]:
    rng = random.Random(5)
    build_index_from_articles([_article(n, rng) for n in range(300)], tmp_path / "index")
    with closing(LiveIndex(tmp_path / "index")) as live, live.searcher() as searcher:
        yield searcher


def _queries(rng: random.Random) -> Iterator[Any]:
    analyzer = build_schema()[CONTENT_FIELD].analyzer
    synonyms = parse_synonyms(["botox, onabotulinumtoxina", "jaw pain, tmj"], analyzer)
    for _ in range(40):
        terms = rng.sample(WORDS, rng.randint(1, 6)) + rng.sample(["jaw", "pain", "botox"], 1)
        weights = {term: rng.choice([1.0, 0.7, 0.35]) for term in terms}
        yield plain_query(weights, synonym_queries(list(weights), synonyms))


def _same_ranking(ours: Any, whoosh: Any) -> None:
    assert len(ours) == len(whoosh)
    assert [docnum for _, docnum in ours.top_n] == [docnum for _, docnum in whoosh.top_n]
    for (score, _), (expected, _) in zip(ours.top_n, whoosh.top_n, strict=True):
        # Sums may be added in another order: equal to the last few bits.
        assert score == pytest.approx(expected, rel=1e-12)


def _without_dismax(query: Any) -> Any:
    # Whoosh's DisjunctionMaxMatcher takes the max of its children's *current* scores even when
    # a child sits on another document, so its scores are only comparable without DisMax.
    if isinstance(query, wq.DisjunctionMax):
        return query.subqueries[0]
    if isinstance(query, wq.Or):
        return wq.Or([_without_dismax(sub) for sub in query.subqueries], boost=query.boost)
    return query


@pytest.mark.parametrize("limit", [1, 10, None])
def test_array_scores_equal_whoosh_scores(searcher: Any, limit: int | None) -> None:
    arrays = ScoringArrays(searcher)
    for query in _queries(random.Random(limit or 0)):
        plain = _without_dismax(query)
        assert supported(plain, searcher.schema)
        ours = search_arrays(searcher, plain, limit, arrays)
        _same_ranking(ours, searcher.search(plain, limit=limit))
        assert ours.docs() == set(searcher.search(plain, limit=None).docs())


def test_phrases_match_and_score_as_in_whoosh(searcher: Any) -> None:
    arrays = ScoringArrays(searcher)
    rng = random.Random(8)
    matched = 0
    for _ in range(30):
        field = rng.choice([CONTENT_FIELD, "title"])
        phrase = wq.Phrase(field, rng.sample(WORDS, rng.choice([1, 2, 2, 3])), boost=0.5)
        assert supported(phrase, searcher.schema)
        ours = search_arrays(searcher, phrase, None, arrays)
        _same_ranking(ours, searcher.search(phrase, limit=None))
        matched += len(ours)
    assert matched > 30


def test_phrases_read_only_the_blocks_holding_candidates(tmp_path: Path) -> None:
    # "pain" is in every article, so its postings span several blocks; "jaw pain" is in a few
    # articles far apart (and "pain jaw" in one), so most of its blocks are passed over.
    phrase_at = {7: "jaw pain", 150: "pain jaw", 151: "jaw pain", 298: "a jaw pain"}
    articles = [
        Article(id=f"a{n:03d}", title="notes", body=f"pain {phrase_at.get(n, 'neck')} sleep")
        for n in range(300)
    ]
    build_index_from_articles(articles, tmp_path / "index")
    with closing(LiveIndex(tmp_path / "index")) as live, live.searcher() as searcher:
        phrase = wq.Phrase(CONTENT_FIELD, ["jaw", "pain"])
        ours = search_arrays(searcher, phrase, None, ScoringArrays(searcher))
        _same_ranking(ours, searcher.search(phrase, limit=None))
        assert sorted(searcher.stored_fields(docnum)["id"] for docnum in ours.docs()) == [
            "a007",
            "a151",
            "a298",
        ]


def test_synonym_groups_score_the_best_alternative(searcher: Any) -> None:
    arrays = ScoringArrays(searcher)
    alternatives = [wq.Term(CONTENT_FIELD, "botox"), wq.Phrase(CONTENT_FIELD, ["jaw", "pain"])]
    ours = search_arrays(searcher, wq.DisjunctionMax(alternatives), None, arrays)
    best: dict[int, float] = {}
    for alternative in alternatives:
        for score, docnum in searcher.search(alternative, limit=None).top_n:
            best[docnum] = max(best.get(docnum, 0.0), score)
    assert dict((docnum, score) for score, docnum in ours.top_n) == pytest.approx(best)


def test_ties_keep_lower_document_numbers_first(searcher: Any) -> None:
    # Short random articles repeat scores: equal scores must come in document order.
    query = wq.Term(CONTENT_FIELD, "water")
    ours = search_arrays(searcher, query, None, ScoringArrays(searcher))
    pairs = [(-score, docnum) for score, docnum in ours.top_n]
    assert pairs == sorted(pairs)
    assert len({score for score, _ in ours.top_n}) < len(ours.top_n)


def test_allowed_documents_and_deletions_are_respected(tmp_path: Path) -> None:
    rng = random.Random(9)
    articles = [_article(n, rng) for n in range(120)]
    build_index_from_articles(articles[:80], tmp_path / "index")
    generation = next((tmp_path / "index").glob("gen-*"))
    writable = whoosh.index.open_dir(str(generation))
    # A second segment (document numbers offset) and a deleted document in the first.
    with writable.writer() as writer:
        for article in articles[80:]:
            writer.add_document(**article_to_document(article))
        writer.delete_by_term("id", "a003")
        writer.mergetype = whoosh.writing.NO_MERGE
    with writable.searcher(weighting=scoring_model()) as searcher:
        assert len(searcher.reader().leaf_readers()) == 2
        arrays = ScoringArrays(searcher)
        # Term statistics are summed segment by segment, as the whole reader counts them.
        statistics = arrays.statistics(searcher.reader(), CONTENT_FIELD)
        assert {word: weight for word, (weight, _) in statistics.items()} == {
            word: searcher.reader().frequency(CONTENT_FIELD, word)
            for word in (text.decode() for text in searcher.reader().lexicon(CONTENT_FIELD))
        }
        assert {word: documents for word, (_, documents) in statistics.items()} == {
            word: searcher.reader().doc_frequency(CONTENT_FIELD, word)
            for word in (text.decode() for text in searcher.reader().lexicon(CONTENT_FIELD))
        }
        for query in _queries(random.Random(3)):
            plain = _without_dismax(query)
            _same_ranking(
                search_arrays(searcher, plain, 10, arrays), searcher.search(plain, limit=10)
            )
            allowed = set(range(0, 120, 3))
            ours = search_arrays(searcher, plain, None, arrays, allowed=allowed)
            expected = searcher.search(plain, limit=None, filter=allowed)
            _same_ranking(ours, expected)


def test_feedback_weights_equal_whoosh_bo1(searcher: Any) -> None:
    results = searcher.search(wq.Term(CONTENT_FIELD, "botox"), limit=10)
    expander = classify.Expander(searcher.reader(), CONTENT_FIELD, model=classify.Bo1Model)
    for hit in results[:5]:
        expander.add_text("\n".join(hit.fields().get(field) or "" for field in TEXT_FIELDS))
    expected = dict(expander.expanded_terms(5 + 1, normalize=True))
    ours = feedback_weights(searcher, results, ["botox"], 5)
    assert set(ours) == set(expected) | {"botox"}
    for term, score in expected.items():
        base = 1.0 if term == "botox" else 0.0
        assert ours[term] == pytest.approx(base + 0.7 * score)


def test_word_counts_equal_the_analyzer_tokens() -> None:
    analyzer = build_schema()[CONTENT_FIELD].analyzer
    words = word_terms_for(analyzer)
    assert words is not None
    text = "What's the dose? Vitamin D 1.5 mg, twice: headaches, HEADACHE and e.coli co-trimoxazole"
    assert words.counts(text) == Counter(token.text for token in analyzer(text))


@pytest.fixture
def searcher_without_arrays(tmp_path: Path) -> Iterator[Any]:
    """As `searcher`, over an index without posting arrays files (postings read through Whoosh)."""
    rng = random.Random(5)
    build_index_from_articles([_article(n, rng) for n in range(300)], tmp_path / "index")
    strip_posting_arrays(tmp_path / "index")
    with closing(LiveIndex(tmp_path / "index")) as live, live.searcher() as searcher:
        yield searcher


def test_warming_pins_the_most_frequent_words_and_keeps_scores(
    searcher_without_arrays: Any,
) -> None:
    searcher = searcher_without_arrays
    reader = searcher.reader()
    frequencies = sorted(
        ((info.doc_frequency(), text.decode()) for text, info in reader.iter_field(CONTENT_FIELD)),
        reverse=True,
    )
    # Room for exactly the three most frequent words (each in more than 100 of 300 articles).
    assert frequencies[2][0] >= 100
    budget = 16 * sum(frequency for frequency, _ in frequencies[:3])
    warmed = ScoringArrays(searcher)
    warmed.warm(searcher._ix, CONTENT_FIELD, budget)
    assert {word for _, _, word in warmed._pinned} == {word for _, word in frequencies[:3]}
    cold = ScoringArrays(searcher)
    for query in _queries(random.Random(4)):
        plain = _without_dismax(query)
        ours = search_arrays(searcher, plain, 10, warmed)
        assert ours.top_n == search_arrays(searcher, plain, 10, cold).top_n


def test_warming_reads_term_tables_of_segments_with_posting_arrays(searcher: Any) -> None:
    warmed = ScoringArrays(searcher)
    (segment,) = warmed.segments
    assert segment.arrays is not None
    assert segment.arrays.memory() == 0
    warmed.warm(searcher._ix, CONTENT_FIELD, WARM_BYTES)
    # Nothing to hold in memory: the file answers in microseconds.
    assert not warmed._pinned
    assert segment.arrays.memory() > 0


@pytest.mark.parametrize("posting_arrays", [True, False])
def test_app_warms_the_served_snapshot_before_its_first_request(
    tmp_path: Path, posting_arrays: bool
) -> None:
    rng = random.Random(5)
    build_index_from_articles([_article(n, rng) for n in range(300)], tmp_path / "index")
    if not posting_arrays:
        strip_posting_arrays(tmp_path / "index")
    app = create_app(Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path))
    engine = app.state.engine
    assert isinstance(engine, WhooshEngine)
    with TestClient(app), engine.live_index.searcher() as searcher:
        # Ready at startup: no search built the arrays, and no warming runs in the background.
        arrays = arrays_for(searcher, engine.snapshot_cache)
        assert "medsearch-warm" not in {thread.name for thread in threading.enumerate()}
        if posting_arrays:
            assert all(segment.arrays.memory() for segment in arrays.segments if segment.arrays)
        else:
            assert {word for _, _, word in arrays._pinned} >= {"pain", "migrain"}


def test_app_freezes_startup_objects_and_collects_less_often_while_serving(
    tmp_path: Path,
) -> None:
    rng = random.Random(6)
    build_index_from_articles([_article(n, rng) for n in range(40)], tmp_path / "index")
    before = gc.get_threshold()
    with TestClient(create_app(Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path))):
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_new_snapshot_releases_the_postings_older_ones_hold(tmp_path: Path) -> None:
    rng = random.Random(7)
    articles = [_article(n, rng) for n in range(300)]
    build_index_from_articles(articles[:200], tmp_path / "index")
    # Postings are held in memory only for segments read through Whoosh.
    strip_posting_arrays(tmp_path / "index")
    cache = SnapshotCache()
    query = _without_dismax(next(_queries(random.Random(3))))
    with closing(LiveIndex(tmp_path / "index")) as live, live.searcher() as old_searcher:
        old = arrays_for(old_searcher, cache)
        old.warm(old_searcher._ix, CONTENT_FIELD, WARM_BYTES)
        before = search_arrays(old_searcher, query, 10, old).top_n
        assert old._pinned
        build_index_from_articles(articles, tmp_path / "index")
        strip_posting_arrays(tmp_path / "index")
        with live.searcher() as new_searcher:
            new = arrays_for(new_searcher, cache)
            assert new is not old
            assert search_arrays(new_searcher, query, 10, new).top_n != before
        # The older snapshot holds nothing now, and still answers as before from disk.
        assert not old._pinned
        assert not old._postings
        assert search_arrays(old_searcher, query, 10, old).top_n == before
        assert not old._postings
