"""A fixed, seeded mix of queries shaped like a site search log, from NFCorpus's own words.

The mix: one- to three-word topics drawn from the abstracts' vocabulary (common words more often,
as in real logs), NFCorpus queries as people typed them (NutritionFacts titles), quoted phrases
that occur in the text, questions, and misspelt words. Every query appears once in `distinct`
order; `repeated` draws from a small head of popular queries, as real logs repeat them.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import pairwise
from pathlib import Path

_QUESTION_TEMPLATES = (
    "what is {}",
    "is {} safe",
    "does {} cause {}",
    "how does {} affect {}",
    "can {} prevent {}",
    "{} and {} risk",
    "best {} for {}",
    "why is {} bad for you",
    "how much {} per day",
)
# Weights of each kind of query in the log.
_MIX = (
    ("topic1", 20),
    ("topic2", 20),
    ("topic3", 10),
    ("nfquery", 20),
    ("phrase", 10),
    ("question", 12),
    ("typo", 8),
)


def _misspell(word: str, rng: random.Random) -> str:
    spot = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swapped letters
        return word[: spot - 1] + word[spot] + word[spot - 1] + word[spot + 1 :]
    if kind == 1:  # a dropped letter
        return word[:spot] + word[spot + 1 :]
    return word[:spot] + word[spot] + word[spot:]  # a doubled letter


def query_log(nfcorpus_dir: Path, count: int, seed: int = 11) -> list[str]:
    """`count` distinct queries in a fixed order: the same list for the same arguments."""
    rng = random.Random(seed)
    # Topics people type are the words of titles: "olive oil", "prostate cancer", "liver".
    grams: dict[int, Counter[str]] = {1: Counter(), 2: Counter(), 3: Counter()}
    pairs: Counter[tuple[str, str]] = Counter()
    with (nfcorpus_dir / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            words = record["text"].split()
            pairs.update(pairwise(words))
            title = [
                w
                for w in record.get("title", "").split()
                if w.isalpha() and len(w) > 2 and w != "num"
            ]
            for size, counter in grams.items():
                counter.update(" ".join(title[i : i + size]) for i in range(len(title) - size + 1))
    topics = {size: sorted(counter) for size, counter in grams.items()}
    # Popular topics come up more often, but not always.
    weights = {size: [grams[size][t] ** 0.7 for t in topics[size]] for size in grams}
    phrases = sorted(
        f'"{a} {b}"'
        for (a, b), n in pairs.items()
        if n >= 4 and a.isalpha() and b.isalpha() and len(a) > 3 and len(b) > 3
    )
    with (nfcorpus_dir / "queries.jsonl").open(encoding="utf-8") as lines:
        nfqueries = sorted({json.loads(line)["text"].strip() for line in lines})
    kinds = [kind for kind, _ in _MIX]
    kind_weights = [weight for _, weight in _MIX]
    seen: dict[str, None] = {}
    while len(seen) < count:
        kind = rng.choices(kinds, kind_weights)[0]
        if kind.startswith("topic"):
            size = int(kind[-1])
            query = rng.choices(topics[size], weights[size])[0]
        elif kind == "nfquery":
            query = rng.choice(nfqueries)
        elif kind == "phrase":
            query = rng.choice(phrases)
        elif kind == "question":
            template = rng.choice(_QUESTION_TEMPLATES)
            words = rng.choices(topics[1], weights[1], k=template.count("{}"))
            query = template.format(*words)
        else:
            long_words = [w for w in rng.choices(topics[1], weights[1], k=8) if len(w) >= 6]
            if not long_words:
                continue
            query = _misspell(long_words[0], rng)
        seen.setdefault(query)
    return list(seen)


def repeated_log(distinct: list[str], count: int, head: int = 50, seed: int = 13) -> list[str]:
    """`count` queries drawn from the first `head` with Zipf-like popularity, as logs repeat."""
    rng = random.Random(seed)
    popular = distinct[:head]
    weights = [1 / (rank + 1) for rank in range(len(popular))]
    return rng.choices(popular, weights, k=count)
