"""Plain queries: the reader's words, their synonyms, and related words from the best matches.

A plain query is one without search syntax: no quotes, operators, fields or wildcards. Its words
are searched with OR, so a whole question still finds articles that answer part of it, and BM25
already ranks articles that match more of the words higher. Two kinds of extra words widen it,
each weighted below the words the reader typed:
- synonyms from the synonyms files ("heart attack" also finds "myocardial infarction");
- pseudo-relevance feedback: words that stand out in the best few matches are added to the query
  (Bo1 from the Divergence From Randomness framework, as Terrier does it), which finds articles
  that use other words for the same topic.
A query that uses syntax is searched exactly as written.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from whoosh import query as wq

from indexer.analysis import word_terms_for
from indexer.schema import CONTENT_FIELD, FIELD_BOOSTS, TEXT_FIELDS
from indexer.synonyms import Synonyms, Terms

# A synonym counts half as much as the word typed: it finds more, but ranks below exact matches.
SYNONYM_WEIGHT = 0.5
# How many of the best matches feed back words, and how much those words count against the
# reader's (Terrier's beta). Measured on NFCorpus dev, results were flat for 3 to 10 documents.
FEEDBACK_DOCUMENTS = 5
FEEDBACK_WEIGHT = 0.7
# Feedback compares how often a word occurs in the best matches with how often it occurs in the
# collection. In a few dozen articles the best five are a tenth of everything and that contrast is
# noise: a search for "botox" would bring back every headache article. Small sites do without.
FEEDBACK_MIN_COLLECTION = 1000

# Search syntax: phrases, groups, operators, field prefixes, wildcards, boosts, ranges, slop.
_OPERATOR = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b")
_SYNTAX_CHARACTERS = re.compile(r"[\"()*?^~\[\]{}]")


def uses_operators(text: str, field_names: Iterable[str]) -> bool:
    """Whether `text` uses any search syntax other than quoted phrases."""
    if _OPERATOR.search(text) or _SYNTAX_CHARACTERS.search(text.replace('"', "")):
        return True
    fields = "|".join(re.escape(name) for name in field_names)
    return re.search(rf"(?:^|[\s(])(?:{fields}):", text) is not None


def is_plain(text: str, field_names: Iterable[str]) -> bool:
    """Whether `text` is plain words, to be widened with synonyms and feedback."""
    return '"' not in text and not uses_operators(text, field_names)


def query_terms(text: str, analyzer: Any) -> list[str]:
    """The analyzed terms of a plain query, each once, in the order typed."""
    return list(dict.fromkeys(token.text for token in analyzer(text)))


def word_query(term: str, weight: float = 1.0) -> Any:
    """One term searched in every ranked field, each with its boost."""
    return wq.Or(
        [wq.Term(field, term, boost=boost * weight) for field, boost in FIELD_BOOSTS.items()]
    )


def _alternative_query(terms: Terms, weight: float) -> Any:
    if len(terms) == 1:
        return word_query(terms[0], weight)
    return wq.Or(
        [
            wq.Phrase(field, list(terms), boost=boost * weight)
            for field, boost in FIELD_BOOSTS.items()
        ]
    )


def synonym_queries(terms: Sequence[str], synonyms: Synonyms) -> list[Any]:
    """For each run of terms that has synonyms, a query matching the best of them."""
    # DisjunctionMax: an article that names a drug by three brands is not three times as relevant.
    return [
        wq.DisjunctionMax([_alternative_query(alt, SYNONYM_WEIGHT) for alt in match.alternatives])
        for match in synonyms.find(terms)
    ]


def plain_query(weights: Mapping[str, float], extra: Sequence[Any] = ()) -> Any:
    """OR of weighted terms and any extra clauses (synonyms)."""
    clauses = [word_query(term, weight) for term, weight in weights.items()]
    return wq.Or([*clauses, *extra]) if clauses or extra else wq.NullQuery


def feedback_weights(
    searcher: Any,
    results: Any,
    terms: Sequence[str],
    how_many: int,
    frequency: Callable[[str], float] | None = None,
) -> dict[str, float]:
    """Term weights after feedback: the typed terms reweighted, plus up to `how_many` new ones.

    Bo1 scores every word of the best matches by how much more often it occurs there than in
    the whole collection; scores are normalized so the best word scores 1. `frequency` gives a
    term's count in the collection (memoized by the caller); by default the reader is asked.
    """
    reader = searcher.reader()
    if frequency is None:
        frequency = partial(_reader_frequency, reader)
    analyzer = searcher.schema[CONTENT_FIELD].analyzer
    words = word_terms_for(analyzer)
    in_top: Counter[str] = Counter()
    for hit in results[:FEEDBACK_DOCUMENTS]:
        stored = hit.fields()
        text = "\n".join(stored.get(field) or "" for field in TEXT_FIELDS)
        in_top.update(
            words.counts(text)
            if words is not None
            else Counter(token.text for token in analyzer(text))
        )
    scored = _bo1(in_top, frequency, reader.doc_count_all(), how_many + len(terms))
    weights = {term: 1.0 + FEEDBACK_WEIGHT * scored.get(term, 0.0) for term in terms}
    for term, score in sorted(scored.items(), key=lambda item: (-item[1], item[0])):
        if len(weights) >= len(terms) + how_many:
            break
        weights.setdefault(term, FEEDBACK_WEIGHT * score)
    return weights


def _reader_frequency(reader: Any, term: str) -> float:
    key = (CONTENT_FIELD, term)
    return float(reader.frequency(*key)) if key in reader else 0.0


def _bo1(
    in_top: Counter[str], frequency: Callable[[str], float], documents: int, number: int
) -> dict[str, float]:
    # Bo1 as whoosh.classify.Expander computes it (same scores, normalization and order),
    # with the collection frequencies from `frequency`.
    total = sum(in_top.values())
    if not total:
        return {}
    scored: list[tuple[float, str]] = []
    best = 0.0
    for term, weight in in_top.items():
        in_collection = frequency(term)
        if not in_collection:
            continue
        share = in_collection / documents
        score = weight * math.log((1.0 + share) / share, 2) + math.log(1.0 + share, 2)
        best = max(best, score)
        scored.append((score, term))
    if not best:
        return {}
    share = best / documents
    norm = (best * math.log((1.0 + share) / share) + math.log(1.0 + share)) / math.log(2.0)
    ranked = sorted(((score / norm, term) for score, term in scored), key=lambda x: (-x[0], x[1]))
    return {term: score for score, term in ranked[:number]}
