"""Articles: the pydantic model and loading Markdown files with YAML front matter."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from stat import S_ISREG
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from indexer.errors import ArticleError, CorpusNotFoundError, NotAnArticleError
from indexer.text import markdown_to_text

# Ids are paths relative to the corpus; the same rule guards the API's /articles/{id}.
ARTICLE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._&+-]*(/[A-Za-z0-9_][A-Za-z0-9._&+-]*)*$")


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class Article(BaseModel):
    """One article as indexed: identity, metadata and plain-text body."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Path relative to the corpus, without `.md`.")
    title: str = Field(min_length=1)
    date: dt.date | None = None
    author: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    body: str = ""
    content_hash: str = Field(default="", description="SHA-256 of the file's bytes.")

    @field_validator("title", "author", "summary", mode="before")
    @classmethod
    def _coerce_text(cls, value: Any) -> Any:
        # YAML turns `title: 2024` into an int and `title: yes` into a bool; both are still titles.
        if isinstance(value, int | float | bool):
            return str(value)
        if isinstance(value, str):
            return " ".join(value.split())
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _coerce_date(cls, value: Any) -> Any:
        # YAML gives `date` objects for bare ISO dates, `datetime` for timestamps, str when quoted;
        # MkDocs Material's blog writes `date: {created: ..., updated: ...}`.
        if isinstance(value, dict) and "created" in value:
            value = value["created"]
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()[:10])
            except ValueError:
                raise ValueError(
                    f"{_shorten(repr(value))} is not a date; write it as YYYY-MM-DD"
                ) from None
        if value is not None and not isinstance(value, dt.date):
            raise ValueError(f"{_shorten(repr(value))} is not a date; write it as YYYY-MM-DD")
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _coerce_tags(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list | tuple):
            raise ValueError("tags must be a list such as [migraine, botox]")
        seen: dict[str, None] = {}
        for item in value:
            tag = " ".join(str(item).split()).lower()
            if tag:
                seen.setdefault(tag)
        return tuple(seen)


def article_id_for(path: Path, corpus_dir: Path) -> str:
    """The article id of `path`: its path below `corpus_dir`, POSIX-style, without `.md`."""
    # The usual case with string operations: an update looks up every file of the corpus, and
    # pathlib's relative_to and with_suffix cost several microseconds each.
    text, base = str(path), str(corpus_dir)
    if (
        os.sep == "/"
        and text.startswith(base + "/")
        and text.endswith(".md")
        and not text.endswith("/.md")
    ):
        return text[len(base) + 1 : -3]
    return path.relative_to(corpus_dir).with_suffix("").as_posix()


def _first_heading(markdown: str) -> str:
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", markdown, flags=re.MULTILINE)
    return match.group(1) if match else ""


def parse_article(raw: bytes, path: Path, article_id: str) -> Article:
    """Parse one file's bytes into an Article, or raise ArticleError naming the field at fault."""
    if not raw.strip():
        raise ArticleError(path, "file", "the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            path, "encoding", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        post = frontmatter.loads(text)
    except (TypeError, AttributeError):
        # python-frontmatter passes the YAML value as keyword arguments, so a list or a scalar
        # where the mapping belongs fails inside it.
        raise ArticleError(
            path, "front matter", "must be a YAML mapping of `key: value` lines"
        ) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ArticleError(
            path, "front matter", f"YAML cannot be parsed{line}: {problem}"
        ) from None
    except ValueError as exc:
        # PyYAML builds dates itself and lets ValueError escape for ones like 2020-13-45.
        raise ArticleError(path, "front matter", f"a value is not valid: {exc}") from None
    meta: dict[str, Any] = dict(post.metadata)
    # MkDocs and Jekyll sites fall back to the first heading, and some use `authors:` lists.
    title = meta.get("title") or _first_heading(post.content)
    author = meta.get("author")
    if author is None and isinstance(meta.get("authors"), list):
        author = ", ".join(str(name) for name in meta["authors"])
    fields = {
        "id": article_id,
        "title": title,
        "date": meta.get("date"),
        "author": author or "",
        "tags": meta.get("tags"),
        "summary": meta.get("summary") or meta.get("description") or "",
        "body": markdown_to_text(post.content),
        "content_hash": hashlib.sha256(raw).hexdigest(),
    }
    try:
        return Article.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "front matter"
        message = error["msg"].removeprefix("Value error, ")
        if field == "title":
            message = "missing; add `title:` to the front matter or a `# Heading` to the body"
        raise ArticleError(path, field, message) from None


# One listed article file: its id, size in bytes and modification time in nanoseconds.
ListedFile = tuple[str, int, int]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every `.md` file below `corpus_dir` in a stable order, skipping hidden folders and files.

    The order is that of the paths sorted by their parts; symbolic links to folders are not
    followed, and folders that cannot be read are passed over.
    """
    return [path_of(article_id, corpus_dir) for article_id, _, _ in _listing(corpus_dir, False)]


def list_corpus(corpus_dir: Path) -> list[ListedFile]:
    """The id, size and modification time of every file `corpus_files` lists, in its order.

    A file that vanishes or cannot be stated while listed gets size and time -1: it then looks
    changed, and reading it reports why it cannot be indexed.
    """
    return _listing(corpus_dir, True)


def list_given(paths: Iterable[Path], corpus_dir: Path) -> tuple[list[ListedFile], list[str]]:
    """Some article files as `list_corpus` lists them, and the ids of those that do not exist.

    Raises NotAnArticleError for a path `list_corpus` would never list: outside the corpus,
    hidden (a name starting with "."), not a `.md` file, or a folder.
    """
    base = Path(os.path.abspath(corpus_dir))
    listed: list[ListedFile] = []
    missing: list[str] = []
    seen: set[str] = set()
    for path in paths:
        try:
            relative = Path(os.path.abspath(path)).relative_to(base)
        except ValueError:
            raise NotAnArticleError(path, corpus_dir, "is outside the corpus folder") from None
        if not relative.name.endswith(".md") or relative.name == ".md":
            raise NotAnArticleError(path, corpus_dir, "is not a Markdown file")
        if any(part.startswith(".") for part in relative.parts):
            raise NotAnArticleError(path, corpus_dir, "is hidden (a name starts with '.')")
        article_id = relative.as_posix()[:-3]
        if article_id in seen:
            continue
        seen.add(article_id)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            missing.append(article_id)
            continue
        except OSError:
            listed.append((article_id, -1, -1))
            continue
        if not S_ISREG(stat.st_mode):
            raise NotAnArticleError(path, corpus_dir, "is not a file")
        listed.append((article_id, stat.st_size, stat.st_mtime_ns))
    return listed, missing


def path_of(article_id: str, corpus_dir: Path) -> Path:
    """The file of an article id below `corpus_dir` (the inverse of `article_id_for`)."""
    return corpus_dir / f"{article_id}.md"


def _listing(corpus_dir: Path, stat: bool) -> list[ListedFile]:
    try:
        folder = os.open(corpus_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        raise CorpusNotFoundError(corpus_dir) from None
    listed: list[ListedFile] = []
    try:
        _list_below(folder, "", stat, listed)
    finally:
        os.close(folder)
    return listed


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _list_below(folder: int, prefix: str, stat: bool, listed: list[ListedFile]) -> None:
    # os.scandir knows each entry's type without a stat call, and stating by open folder
    # (`dir_fd`) spares the kernel looking up the whole path of every file: an update lists
    # every file of the corpus, 100,000 at a time, so this loop is kept lean. Entries are
    # visited in name order and folders where their name sorts, which lists the files in the
    # order of sorting their paths part by part.
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=_entry_name)
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            try:
                below = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=folder)
            except PermissionError:
                continue
            try:
                _list_below(below, f"{prefix}{name}/", stat, listed)
            finally:
                os.close(below)
        elif name.endswith(".md") and entry.is_file():
            if not stat:
                listed.append((prefix + name[:-3], -1, -1))
                continue
            try:
                state = entry.stat()
            except OSError:
                listed.append((prefix + name[:-3], -1, -1))
                continue
            listed.append((prefix + name[:-3], state.st_size, state.st_mtime_ns))


def load_article(path: Path, corpus_dir: Path) -> Article:
    """Read and parse one article file; raises ArticleError if it cannot be indexed."""
    article_id = article_id_for(path, corpus_dir)
    if not ARTICLE_ID_PATTERN.match(article_id):
        raise ArticleError(
            path, "file name", "use letters, digits, '.', '_', '-', '&' or '+' in file names"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(path, "file", f"cannot be read ({exc.strerror})") from None
    return parse_article(raw, path, article_id)


def iter_corpus(corpus_dir: Path) -> Iterator[Article | ArticleError]:
    """Load every article below `corpus_dir`, yielding an ArticleError for each bad file."""
    for path in corpus_files(corpus_dir):
        try:
            yield load_article(path, corpus_dir)
        except ArticleError as error:
            yield error
