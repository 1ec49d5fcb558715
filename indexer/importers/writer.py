"""Writing imported articles as Markdown files: stable names, idempotent, atomic."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from indexer.importers.items import ImportedArticle, Skipped

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_INDEX_NAMES = frozenset({"index", "default", "home", "main", "post", "article", "page"})
_SUFFIXES = re.compile(r"\.(html?|php|aspx?|jsp|cfm|xml|md)$", re.IGNORECASE)
_MAX_SLUG = 80


@dataclass
class ImportReport:
    """What an import did: file names added, updated and unchanged, and items skipped."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self, seconds: float) -> str:
        """One line: the counts, with the skips counted by kind."""
        kinds = Counter(item.kind or "other" for item in self.skipped)
        why = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}"
            f"{f' ({why})' if why else ''}, in {seconds:.2f} s"
        )


def slugify(text: str) -> str:
    """Lower-case ASCII letters and digits joined by `-`: `Café au lait!` gives `cafe-au-lait`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:_MAX_SLUG].rstrip("-")


def slug_for(item: ImportedArticle) -> str:
    """The file name (without `.md`) an article gets: its slug, its URL's last part, its title.

    `https://clinic.example.org/2021/05/living-with-cluster/` gives `living-with-cluster`, and
    `.../pcd/issues/2013/11_0285_es.htm` gives `11-0285-es`: the same article always gets the
    same name, so importing again updates the file instead of adding a second one.
    """
    if item.slug and slugify(unquote(item.slug)):
        return slugify(unquote(item.slug))
    parts = urlsplit(item.key)
    segments = [_SUFFIXES.sub("", unquote(part)) for part in parts.path.split("/") if part]
    segments = [part for part in segments if slugify(part)]
    if segments and segments[-1].lower() in _INDEX_NAMES and len(segments) > 1:
        segments.pop()
    if segments:
        return slugify(segments[-1])
    if parts.query:
        return slugify(parts.query)
    return slugify(item.title) or hashlib.sha1(item.key.encode()).hexdigest()[:12]  # noqa: S324


def _short_hash(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]  # noqa: S324 (a name, not security)


def article_markdown(item: ImportedArticle) -> str:
    """The Markdown file of an imported article: YAML front matter, then the body."""
    meta: dict[str, object] = {"title": item.title}
    if item.date is not None:
        meta["date"] = item.date.isoformat()
    if len(item.authors) == 1:
        meta["author"] = item.authors[0]
    elif item.authors:
        meta["authors"] = list(item.authors)
    if item.tags:
        meta["tags"] = list(item.tags)
    if item.summary:
        meta["summary"] = item.summary
    if item.url:
        meta["url"] = item.url
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    # Dates are written as text: the loader reads them with parse_date either way.
    front = re.sub(r"^date: '(\d{4}-\d{2}-\d{2})'$", r"date: \1", front, flags=re.MULTILINE)
    return f"---\n{front}---\n\n{item.markdown.strip()}\n"


def _existing_url(path: Path) -> str | None:
    """The `url:` of the front matter of a file already at `path` ("" if none), or None."""
    try:
        head = path.read_bytes()[:65536].decode("utf-8", "replace")
    except OSError:
        return None
    match = re.search(r"^url: ['\"]?(.*?)['\"]?\s*$", head.split("\n---", 1)[0], re.MULTILINE)
    return match.group(1) if match else ""


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a hidden temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_articles(
    items: Iterable[ImportedArticle | Skipped], out_dir: Path, report: ImportReport | None = None
) -> ImportReport:
    """Write every imported article to `out_dir` as `<slug>.md`; count what changed.

    A file whose bytes would not change is left alone (not even touched, so the next
    `medsearch index` skips it). Two articles of one import with the same slug both get a
    short hash of their URL appended, and so does an article whose slug names a file that
    came from another URL (a hand-written article is never overwritten).
    """
    report = report or ImportReport()
    articles: list[ImportedArticle] = []
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
        else:
            articles.append(item)
    slugs = [slug_for(article) for article in articles]
    counts = Counter(slugs)
    seen: set[str] = set()
    for article, slug in zip(articles, slugs, strict=True):
        name = slug if counts[slug] == 1 else f"{slug}-{_short_hash(article.key)}"
        path = out_dir / f"{name}.md"
        owner = _existing_url(path) if path.exists() else None
        if owner is not None and owner != article.url:
            name = f"{slug}-{_short_hash(article.key)}"
            path = out_dir / f"{name}.md"
        if name in seen:  # the same URL twice in one source: the first one wins
            report.skipped.append(Skipped(article.key, "appears twice in the source", "duplicate"))
            continue
        seen.add(name)
        data = article_markdown(article).encode("utf-8")
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = None
        if current == data:
            report.unchanged.append(path.name)
            continue
        _write_atomically(path, data)
        (report.updated if current is not None else report.added).append(path.name)
    return report
