"""Rebuild indexer/data/synonyms.txt from the shared data and our curated lay terms.

    python scripts/make_synonyms.py --data ../shared/data [--words /usr/share/dict/words]

Sources, in the order they appear in the output:
- scripts/synonyms-curated.txt: lay terms, spellings and abbreviation senses we chose by hand.
- imantsm-abbreviations (MIT, (c) 2020 imantsm): clinical abbreviations with one clinical sense.
- drugsatfda (FDA Drugs@FDA, U.S. public domain): brand names of marketed NDA/BLA products and
  their active ingredient, salts and biologic suffixes removed.
A word list (Debian's `wamerican`) keeps out brands and abbreviations that are ordinary English
words ("relief", "cat"), which would otherwise widen everyday queries.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere, with the project's analyzer

from indexer.schema import text_analyzer  # noqa: E402
from indexer.synonyms import analyze_term  # noqa: E402

CURATED = ROOT / "scripts" / "synonyms-curated.txt"
OUTPUT = ROOT / "indexer" / "data" / "synonyms.txt"

# Salt and ester words the FDA keeps in ingredient names but the literature drops
# ("sumatriptan succinate" is "sumatriptan"), and words that only say how a product is made.
SALT_WORDS = frozenset(
    """
    acetate anhydrous benzoate besylate bisulfate bitartrate bromide butyrate calcium camsylate
    carbonate chloride citrate cypionate decanoate diacetate dihydrate dihydrochloride
    dimesylate dipotassium dipropionate disodium edisylate enanthate esylate estolate
    ethylsuccinate fumarate gluconate hcl hemifumarate hemihydrate hyclate hydrate
    hydrobromide hydrochloride lactate lysine magnesium malate maleate meglumine mesylate
    monohydrate monohydrochloride mononitrate napsylate nitrate olamine oxalate palmitate
    pamoate phosphate potassium propionate recombinant sesquihydrate sodium stearate succinate
    sulfate tartrate tosylate trihydrate tromethamine valerate xinafoate
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)
# When what is left would be one of these, the salt is the drug (sodium chloride, lithium
# carbonate) and the name stays whole.
ION_WORDS = frozenset(
    "sodium potassium calcium magnesium lithium barium zinc iron ferrous ferric aluminum".split()  # noqa: SIM905
)
# Words after a brand name that name a form or device, not another medicine.
FORM_WORDS = frozenset(
    """
    aq autoinjector cd cr dispersible er es forte hfa injection kit la lar odt pen pfs sr
    starter statdose sprinkle xl xr xrt xsail dosepro symtouch flexpen flextouch kwikpen
    solostar respiclick diskus inhaler ellipta redihaler
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)
BIOLOGIC_SUFFIX = re.compile(r"-[a-z]{4}$")
PLAIN_NAME = re.compile(r"^[a-z][a-z' -]*[a-z]$")
MARKETED = frozenset({"1", "2"})  # prescription, over the counter
MAX_WORDS = 5


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a Drugs@FDA file: tab-separated, no quoting, header dropped, fields stripped."""
    with path.open(encoding="ascii", errors="replace", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        return [[cell.strip() for cell in row] for row in rows]


def base_ingredient(ingredient: str) -> str | None:
    """The literature's name for one FDA active ingredient, or None for a combination."""
    name = ingredient.lower().strip()
    if ";" in name or " and " in name:
        return None
    words = [BIOLOGIC_SUFFIX.sub("", word) for word in name.split()]
    kept = [word for word in words if word not in SALT_WORDS]
    if not kept or (len(kept) == 1 and kept[0] in ION_WORDS and len(words) > 1):
        kept = words
    return " ".join(kept)


def brand_name(drug_name: str) -> str | None:
    """A brand without its form words ("imitrex statdose" is "imitrex"), or None if not a name."""
    words = drug_name.lower().split()
    while len(words) > 1 and words[-1] in FORM_WORDS:
        words.pop()
    name = " ".join(words)
    if not PLAIN_NAME.match(name) or "in plastic container" in name or len(words) > 3:
        return None
    return name


def drug_groups(folder: Path, english: frozenset[str]) -> dict[str, list[str]]:
    """Generic name -> marketed brand names, from NDA and BLA products only."""
    kinds = {row[0]: row[1] for row in read_tsv(folder / "Applications.txt") if len(row) >= 2}
    statuses: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in read_tsv(folder / "MarketingStatus.txt"):
        if len(row) == 3:
            statuses[(row[1], row[2])].add(row[0])
    groups: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv(folder / "Products.txt"):
        # 13 rows carry a stray extra tab that shifts their columns; they are left out.
        if len(row) != 8 or kinds.get(row[0]) not in ("NDA", "BLA"):
            continue
        if not statuses[(row[0], row[1])] & MARKETED:
            continue
        generic = base_ingredient(row[6])
        brand = brand_name(row[5])
        if generic is None or brand is None or brand in english:
            continue
        if brand == generic or brand in generic or generic in brand:
            continue
        if brand not in groups[generic]:
            groups[generic].append(brand)
    return {generic: sorted(brands) for generic, brands in sorted(groups.items()) if brands}


def clean_meaning(meaning: str) -> str | None:
    """An abbreviation's meaning as a search term, or None when it is not one."""
    text = re.sub(r"\([^)]*\)", " ", meaning.lower()).strip()
    text = " ".join(text.replace("\u2019", "'").split())
    if not text or any(mark in text for mark in ',;/:=+&?"') or "e.g" in text:
        return None
    if len(text.split()) > MAX_WORDS:
        return None
    return text


def abbreviation_groups(folder: Path, english: frozenset[str], curated: set[str]) -> dict[str, str]:
    """Abbreviation -> its one meaning, for abbreviations of 3+ letters with a single sense."""
    senses: dict[str, set[str]] = defaultdict(set)
    for path in sorted((folder / "CSVs").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            next(rows)
            for row in rows:
                if len(row) < 2:
                    continue
                abbreviation = row[0].strip()
                meaning = clean_meaning(row[1])
                if meaning is not None:
                    # Queries are lower-cased, so "MG" and "mg" are one abbreviation here.
                    senses[abbreviation.lower()].add(meaning)
                else:
                    senses[abbreviation.lower()].add("")
    chosen: dict[str, str] = {}
    for abbreviation, meanings in sorted(senses.items()):
        if abbreviation in curated or abbreviation in english or len(meanings) != 1:
            continue
        meaning = next(iter(meanings))
        # Two letters ("ob", "te") and letter-digit codes ("l1", "c6") stand for too many things.
        if not meaning or not re.fullmatch(r"[a-z][a-z-]+[a-z]", abbreviation):
            continue
        if len(abbreviation.replace("-", "")) < 3:
            continue
        if abbreviation.replace("-", "") == meaning.replace(" ", "").replace("-", ""):
            continue
        chosen[abbreviation] = meaning
    return chosen


def curated_terms(path: Path) -> set[str]:
    """Every term the curated file mentions, so generated lines do not contradict it."""
    terms: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        for part in line.replace("=>", ",").split(","):
            if part.strip():
                terms.add(part.strip().lower())
    return terms


def distinct_after_analysis(terms: list[str]) -> bool:
    """Whether the terms stay at least two different things once stemmed ("leaves" is "leav")."""
    analyzer = text_analyzer()
    return len({analyze_term(term, analyzer) for term in terms} - {()}) >= 2


def render(curated: str, abbreviations: dict[str, str], drugs: dict[str, list[str]]) -> str:
    """The whole synonyms file."""
    lines = [
        "# medsearch synonyms. Generated by scripts/make_synonyms.py; edit",
        "# scripts/synonyms-curated.txt or add your own file with MEDSEARCH_SYNONYMS_FILE.",
        "# Format: `a, b, c` means the terms are the same; `a => b` makes a query for a also find",
        "# b. Terms are matched after lower-casing and stemming. See README.md, Synonyms.",
        "",
        "# --- Curated by the medsearch team: lay terms, spellings, abbreviation senses ---",
        curated.strip(),
        "",
        "# --- Abbreviations with a single clinical sense, from imantsm/medical_abbreviations",
        "# --- (MIT License, Copyright (c) 2020 imantsm; notice in indexer/data/NOTICE.md) ---",
    ]
    lines += [f"{abbreviation}, {meaning}" for abbreviation, meaning in abbreviations.items()]
    lines += [
        "",
        "# --- Generic name, then brand names of marketed NDA/BLA products, from FDA",
        "# --- Drugs@FDA (U.S. government work, public domain) ---",
    ]
    lines += [", ".join([generic, *brands]) for generic, brands in drugs.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the synonyms file; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--words", type=Path, default=Path("/usr/share/dict/words"))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if not args.words.is_file():
        print(f"error: {args.words} is missing; apt-get install wamerican", file=sys.stderr)
        return 1
    english = frozenset(
        word for word in args.words.read_text(encoding="utf-8").split() if word.islower()
    )
    curated = CURATED.read_text(encoding="utf-8")
    abbreviations = abbreviation_groups(
        args.data / "imantsm-abbreviations", english, curated_terms(CURATED)
    )
    drugs = drug_groups(args.data / "drugsatfda", english)
    abbreviations = {a: m for a, m in abbreviations.items() if distinct_after_analysis([a, m])}
    drugs = {g: b for g, b in drugs.items() if distinct_after_analysis([g, *b])}
    args.output.write_text(render(curated, abbreviations, drugs), encoding="utf-8")
    print(
        f"wrote {args.output}: {len(abbreviations)} abbreviations, {len(drugs)} generic drugs "
        f"with {sum(len(b) for b in drugs.values())} brand names"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
