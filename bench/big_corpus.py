"""A large Markdown corpus made deterministically from NFCorpus abstracts, for stress benchmarks.

NFCorpus has 3,395 abstracts; the reliability benchmarks want tens of thousands of articles with a
realistic medical vocabulary. Article `i` takes its title from abstract `i mod N` and its body from
that abstract plus a few others picked by a generator seeded with `i`, so the same arguments always
write the same files.

    python -m bench.big_corpus --data ../shared/data/nfcorpus --out /tmp/big --articles 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

AUTHORS = (
    "Dr. Ines Valdez",
    "Dr. Kofi Brennan",
    "Nurse Mei Dahl",
    "Prof. Omar Lindqvist",
    "Dr. Rosa Achebe",
    "Dr. Lars Okafor",
)
PARAGRAPH_WORDS = 60
ARTICLES_PER_FOLDER = 1000


@dataclass(frozen=True)
class Abstract:
    """One NFCorpus document: a lower-cased title and stop-word-stripped text."""

    title: str
    text: str


def read_abstracts(data_dir: Path) -> list[Abstract]:
    """The abstracts of a BEIR-format collection, in file order."""
    abstracts: list[Abstract] = []
    with (data_dir / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("text", "").strip():
                abstracts.append(Abstract(record.get("title", ""), record["text"]))
    return abstracts


def _paragraphs(words: list[str]) -> str:
    chunks = [words[i : i + PARAGRAPH_WORDS] for i in range(0, len(words), PARAGRAPH_WORDS)]
    return "\n\n".join(" ".join(chunk).capitalize() + "." for chunk in chunks if chunk)


def article_markdown(abstracts: list[Abstract], number: int) -> str:
    """The Markdown text of article `number`: front matter and a few paragraphs."""
    rng = random.Random(number)
    main = abstracts[number % len(abstracts)]
    others = rng.sample(abstracts, rng.randint(1, 3))
    words = main.text.split() + [w for other in others for w in other.text.split()]
    title = (main.title or " ".join(words[:6])).capitalize()
    if number >= len(abstracts):
        title += f" (part {number // len(abstracts) + 1})"
    date = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(7000))
    tags = sorted(set(rng.sample(main.text.split(), min(2, len(main.text.split())))))
    return (
        "---\n"
        f"title: {json.dumps(title)}\n"
        f"date: {date.isoformat()}\n"
        f"author: {rng.choice(AUTHORS)}\n"
        f"tags: {json.dumps(tags)}\n"
        "---\n\n"
        f"{_paragraphs(words)}\n"
    )


def article_path(out_dir: Path, number: int) -> Path:
    """Where article `number` lives: folders of a thousand keep directory listings small."""
    return out_dir / f"part-{number // ARTICLES_PER_FOLDER:03d}" / f"a{number:06d}.md"


def write_corpus(data_dir: Path, out_dir: Path, articles: int) -> int:
    """Write `articles` articles below `out_dir` (files already identical are left alone)."""
    abstracts = read_abstracts(data_dir)
    for number in range(articles):
        path = article_path(out_dir, number)
        text = article_markdown(abstracts, number)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return articles


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: write the corpus and say how many articles it holds."""
    parser = argparse.ArgumentParser(prog="python -m bench.big_corpus", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="NFCorpus folder (BEIR format)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write articles into")
    parser.add_argument("--articles", type=int, default=20_000, help="how many (default 20000)")
    args = parser.parse_args(argv)
    count = write_corpus(args.data, args.out, args.articles)
    print(f"{count} articles in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
