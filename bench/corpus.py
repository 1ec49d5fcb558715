"""A seeded generator of Markdown articles composed from NFCorpus text, for the benchmarks.

NFCorpus ships its abstracts lower-cased, stop-word-stripped, with numbers replaced by `num` and
no punctuation. Articles are rebuilt from them to read roughly like prose: sentences are cut from
runs of words, get their capital letter and full stop back, common function words are put back
between some words, `num` becomes a number, and acronyms are upper-cased. Titles come from
NFCorpus queries (NutritionFacts titles) with the abstracts judged relevant to them, or from an
abstract's title; authors, dates, tags and summaries are made up deterministically.

Article `i` depends only on the seed and `i`, so the 1,000-article corpus is the first 1,000
articles of the 10,000-article one, and a corpus written earlier is reused when it matches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

MARKER = "bench-corpus.json"
GENERATOR_VERSION = 1
MIN_WORDS = 300
MAX_WORDS = 1500

# Put back between content words, roughly as often as English uses them.
_FUNCTION_WORDS = (
    ["the"] * 8
    + ["of"] * 5
    + ["and"] * 5
    + ["in"] * 4
    + ["to"] * 3
    + ["a"] * 3
    + ["with", "for", "is", "was", "that", "on", "by", "as", "were", "from", "are", "than"]
)
_VOWELS = set("aeiouy")
_TITLE_TEMPLATES = (
    "{}",
    "{}",
    "{}",
    "{}: what the evidence says",
    "What we know about {}",
    "{} explained",
    "New research on {}",
    "Understanding {}",
    "{}: questions and answers",
    "A closer look at {}",
)
_FIRST_NAMES = (  # noqa: SIM905 - a line of names reads better than forty quoted strings
    "Amara Bruno Celia Dmitri Elena Farid Greta Hamid Ines Jonas Keiko Lars Mei Nadia Omar "
    "Priya Quentin Rosa Samir Tamsin Ulla Viktor Wen Ximena Yusuf Zoe Anders Beatriz Chidi "
    "Delphine Emeka Freya Goran Hana Ivo Jamila Kofi Liesel Mateo Noor"
).split()
_LAST_NAMES = (  # noqa: SIM905
    "Abernathy Baptiste Castellano Dahl Eriksen Ferraro Galloway Haddad Ishikawa Jovanovic "
    "Kowalczyk Lindqvist Moreau Nakagawa Okafor Pereira Quiroga Rahman Sorensen Tanaka Umarov "
    "Valdez Whitfield Xu Yilmaz Zamora Achebe Brennan Coutinho Delacroix"
).split()
_TITLES = ("Dr. ", "Dr. ", "Prof. ", "", "", "", "Nurse ")
_CATEGORIES = (
    "nutrition",
    "heart health",
    "cancer",
    "diabetes",
    "children",
    "women's health",
    "research news",
    "healthy ageing",
    "food safety",
    "weight",
)
_SECTION_LABELS = {"background", "objective", "objectives", "methods", "results", "conclusions"}


@dataclass(frozen=True)
class Source:
    """NFCorpus as the generator uses it: abstracts, titles, and queries with relevant docs."""

    doc_words: list[list[str]]
    doc_titles: list[str]
    docs_by_title_word: dict[str, list[int]]
    query_titles: list[tuple[str, list[int]]]


def load_source(nfcorpus_dir: Path) -> Source:
    """Read NFCorpus's corpus, queries and training judgments."""
    doc_words: list[list[str]] = []
    doc_titles: list[str] = []
    index_of: dict[str, int] = {}
    with (nfcorpus_dir / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            words = record["text"].split()
            if len(words) < 20:
                continue
            index_of[record["_id"]] = len(doc_words)
            doc_words.append(words)
            doc_titles.append(record.get("title") or " ".join(words[:8]))
    by_word: dict[str, list[int]] = defaultdict(list)
    for number, title in enumerate(doc_titles):
        for word in set(title.split()):
            if len(word) > 3 and word.isalpha():
                by_word[word].append(number)
    relevant: dict[str, list[int]] = defaultdict(list)
    with (nfcorpus_dir / "qrels" / "train.tsv").open(encoding="utf-8") as lines:
        next(lines)
        for line in lines:
            query_id, doc_id, _ = line.rstrip("\n").split("\t")
            if doc_id in index_of:
                relevant[query_id].append(index_of[doc_id])
    query_titles: list[tuple[str, list[int]]] = []
    with (nfcorpus_dir / "queries.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            docs = relevant.get(record["_id"], [])
            if len(docs) >= 2 and len(record["text"]) >= 8:
                query_titles.append((record["text"], sorted(docs)))
    return Source(doc_words, doc_titles, dict(by_word), query_titles)


def _word(raw: str, rng: random.Random) -> str:
    if raw == "num":
        roll = rng.random()
        if roll < 0.6:
            return str(rng.randint(2, 99))
        if roll < 0.85:
            return f"{rng.randint(1, 99)}.{rng.randint(1, 9)}"
        return str(rng.randint(100, 2000))
    if len(raw) <= 4 and raw.isalpha() and not _VOWELS & set(raw):
        return raw.upper()  # bmi, dp, ldl: acronyms lost their capitals
    return raw


def _sentence(words: list[str], rng: random.Random) -> str:
    out: list[str] = []
    for position, raw in enumerate(words):
        if position and rng.random() < 0.3:
            out.append(rng.choice(_FUNCTION_WORDS))
        out.append(_word(raw, rng))
    text = " ".join(out)
    return text[:1].upper() + text[1:] + "."


def _sentences(words: list[str], rng: random.Random) -> list[str]:
    words = [w for w in words if w not in _SECTION_LABELS] or words
    cut: list[str] = []
    position = rng.randrange(0, max(1, len(words) // 3))
    while position < len(words):
        length = rng.randint(7, 19)
        chunk = words[position : position + length]
        if len(chunk) >= 4:
            cut.append(_sentence(chunk, rng))
        position += length
    return cut


def _headline(title: str, rng: random.Random, max_words: int = 7) -> str:
    words = [_word(w, rng) for w in title.split()[:max_words] if w != "num"]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-") or "article"


@dataclass(frozen=True)
class GeneratedArticle:
    """One generated article: where it goes below the corpus folder and its file text."""

    slug: str
    year: int
    text: str
    words: int


def make_article(source: Source, seed: int, number: int) -> GeneratedArticle:
    """Article `number` of the corpus for `seed`; the same for every corpus size."""
    rng = random.Random(f"{seed}:{number}")
    if rng.random() < 0.35 and source.query_titles:
        query, docs = rng.choice(source.query_titles)
        title = query
        picks = rng.sample(docs, min(len(docs), 6))
    else:
        primary = rng.randrange(len(source.doc_words))
        title = rng.choice(_TITLE_TEMPLATES).format(_headline(source.doc_titles[primary], rng))
        title = title[:1].upper() + title[1:]
        picks = [primary]
        for word in source.doc_titles[primary].split():
            related = source.docs_by_title_word.get(word, [])
            if related:
                picks.append(rng.choice(related))
    target = min(MAX_WORDS, max(MIN_WORDS, int(rng.lognormvariate(math.log(650), 0.45))))
    paragraphs: list[str] = []
    words = 0
    turn = 0
    while words < target:
        # The chosen abstracts first, then any abstract, so long articles do not repeat text.
        if turn < 3 * len(picks):
            doc = picks[turn % len(picks)]
        else:
            doc = rng.randrange(len(source.doc_words))
        turn += 1
        sentences = _sentences(source.doc_words[doc], rng)
        if paragraphs and rng.random() < 0.35:
            paragraphs.append("## " + _headline(source.doc_titles[doc], rng, 6))
        while sentences and words < target:
            count = rng.randint(2, 5)
            take, sentences = sentences[:count], sentences[count:]
            if rng.random() < 0.12 and len(take) >= 3:
                paragraphs.append("\n".join(f"- {s}" for s in take))
            else:
                paragraphs.append(" ".join(take))
            words += sum(len(s.split()) for s in take)
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    date = dt.date(2004, 1, 1) + dt.timedelta(days=rng.randrange(21 * 365))
    title_words = [w for w in re.findall(r"[a-z]{4,}", title.lower()) if w not in {"what", "about"}]
    tags = [rng.choice(_CATEGORIES), *rng.sample(title_words, min(len(title_words), 2))]
    front = {
        "title": title,
        "date": date.isoformat(),
        "author": f"{rng.choice(_TITLES)}{first} {last}",
        "tags": list(dict.fromkeys(tags)),
    }
    if rng.random() < 0.6:
        front["summary"] = paragraphs[0].split(". ")[0].lstrip("- ").rstrip(".") + "."
    header = "\n".join(f"{key}: {json.dumps(value)}" for key, value in front.items())
    text = f"---\n{header}\n---\n\n# {title}\n\n" + "\n\n".join(paragraphs) + "\n"
    return GeneratedArticle(_slug(title), date.year, text, words)


def write_corpus(nfcorpus_dir: Path, out_dir: Path, size: int, seed: int = 7) -> list[Path]:
    """Write `size` articles below `out_dir`, or reuse a matching earlier run; return the paths."""
    marker = out_dir / MARKER
    wanted = {"size": size, "seed": seed, "version": GENERATOR_VERSION}
    listing = out_dir / "paths.txt"
    if marker.exists() and json.loads(marker.read_text()) == wanted and listing.exists():
        return [out_dir / line for line in listing.read_text().splitlines()]
    if out_dir.exists():
        shutil.rmtree(out_dir)
    source = load_source(nfcorpus_dir)
    used: set[str] = set()
    paths: list[Path] = []
    for number in range(size):
        article = make_article(source, seed, number)
        name = f"{article.year}/{article.slug}"
        suffix = 2
        while name in used:
            name = f"{article.year}/{article.slug}-{suffix}"
            suffix += 1
        used.add(name)
        path = out_dir / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article.text, encoding="utf-8")
        paths.append(path)
    listing.write_text("\n".join(str(p.relative_to(out_dir)) for p in paths) + "\n")
    marker.write_text(json.dumps(wanted))
    return paths


def main() -> None:
    """Write a corpus from the command line (the benchmark does this itself)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--nfcorpus", type=Path, default=Path("../shared/data/nfcorpus"))
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    paths = write_corpus(args.nfcorpus, args.out, args.size, args.seed)
    print(f"{len(paths)} articles in {args.out}")


if __name__ == "__main__":
    main()
