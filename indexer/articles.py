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

import yaml
from dateutil import parser as date_parser
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from indexer.errors import ArticleError, CorpusNotFoundError, NotAnArticleError
from indexer.markdown import render_markdown

# Ids are paths relative to the corpus; the same rule guards the API's /articles/{id}.
ARTICLE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._&+-]*(/[A-Za-z0-9_][A-Za-z0-9._&+-]*)*$")


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ]\d)")
_YEAR_FIRST = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_NUMERIC = re.compile(r"[\d\s/.,:-]+$")
_MONTH_WORD = re.compile(r"[^\W\d_]{3,}")


def parse_date(value: str) -> dt.date:
    """A front-matter date written in an unambiguous form; ValueError says what is wrong.

    ISO dates and timestamps (`2010-12-07`, `2010-12-07T10:00:00Z`), `2010/12/07`, and dates
    with an English month name (`December 7, 2010`, `7 Dec 2010`, RFC 822). Other numeric
    forms are refused: `03/04/2010` is 3 April in Europe and March 4 in the United States.
    """
    text = " ".join(value.split())
    numbers = _ISO_DAY.match(text) or _YEAR_FIRST.match(text)
    if numbers:
        year, month, day = (int(part) for part in numbers.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(f"{_shorten(text)} is not a day of the calendar") from None
    if _NUMERIC.match(text) and any(char.isdigit() for char in text):
        raise ValueError(
            f"{_shorten(text)} is ambiguous (day and month can be read either way); "
            "write it as YYYY-MM-DD"
        )
    if _MONTH_WORD.search(text):
        # Two different defaults show whether the text gave a year and a day of its own.
        try:
            first = date_parser.parse(text, default=dt.datetime(1, 1, 1))
            second = date_parser.parse(text, default=dt.datetime(2, 2, 2))
        except (ValueError, OverflowError):
            pass
        else:
            if first.year == second.year and first.day == second.day:
                return first.date()
            raise ValueError(f"{_shorten(text)} lacks a year or a day; write it as YYYY-MM-DD")
    raise ValueError(f"{_shorten(repr(value))} is not a date; write it as YYYY-MM-DD")


def public_id(listed_id: str) -> str:
    """The article id of a file listed as `listed_id`: runs of spaces in names become `-`."""
    return re.sub(" +", "-", listed_id) if " " in listed_id else listed_id


class Article(BaseModel):
    """One article as indexed: identity, metadata and plain-text body."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Path relative to the corpus, without `.md`.")
    title: str = Field(min_length=1)
    date: dt.date | None = None
    author: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    body: str = Field(default="", description="Plain text of the body, as indexed and snippeted.")
    html: str = Field(default="", description="The body as sanitised HTML, for reading.")
    url: str = Field(default="", description="Where the original of the article lives.")
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
            return parse_date(value)
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

    @field_validator("url", mode="before")
    @classmethod
    def _check_url(cls, value: Any) -> Any:
        if value is None or value == "":
            return ""
        if not isinstance(value, str) or not re.match(r"https?://[^\s/]+", value.strip()):
            raise ValueError(f"{_shorten(repr(value))} is not a web address; write https://...")
        return value.strip()


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


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split(",")
    return list(value) if isinstance(value, list | tuple) else [value]


_BOUNDARY = re.compile(r"^-{3,}[ \t]*\r?$", re.MULTILINE)


def _split_front_matter(text: str) -> tuple[str, str]:
    """The YAML between the opening and closing `---` lines, and the Markdown after them.

    The YAML text starts with the rest of the file's first line, so its line n is the file's
    line n + 1.
    """
    if not text.startswith("---"):
        return "", text
    opening = _BOUNDARY.match(text)
    closing = _BOUNDARY.search(text, opening.end()) if opening else None
    if opening is None or closing is None:
        return "", text
    return text[opening.end() : closing.start()], text[closing.end() :].lstrip("\r\n")


class _FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's safe loader without its timestamps: dates arrive as text for `parse_date`.

    PyYAML raises a bare ValueError for `date: 2024-02-30`, naming neither field nor line.
    """


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_front_matter(yaml_text: str, path: Path) -> dict[str, Any]:
    """The front matter as a mapping, or ArticleError naming the line where a YAML error starts."""
    if not yaml_text.strip():
        return {}
    try:
        meta = yaml.load(yaml_text, Loader=_FrontMatterLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        # The problem mark is where the parser gave up (often the end of the front matter); the
        # context mark is where the construct it could not finish began: the unclosed quote.
        problem = exc.problem or "invalid YAML"
        if exc.context_mark is not None and exc.context:
            where = f"line {exc.context_mark.line + 1}"
            cause = f"{exc.context.removeprefix('while ')} that starts here: {problem}"
        else:
            line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
            where, cause = f"line {line}", problem
        raise ArticleError(
            path, "front matter", f"YAML cannot be parsed at {where}: {cause}"
        ) from None
    except yaml.YAMLError as exc:
        raise ArticleError(path, "front matter", f"YAML cannot be parsed: {exc}") from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise ArticleError(path, "front matter", "must be a YAML mapping of `key: value` lines")
    return {str(key): value for key, value in meta.items()}


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
    yaml_text, content = _split_front_matter(text)
    meta = _load_front_matter(yaml_text, path)
    # MkDocs and Jekyll sites fall back to the first heading, and some use `authors:` lists.
    title = meta.get("title") or _first_heading(content)
    author = meta.get("author")
    if author is None:
        author = meta.get("authors")
    if isinstance(author, list | tuple):
        author = ", ".join(" ".join(str(name).split()) for name in author if name)
    tags = meta.get("tags")
    if tags is None:
        # MkDocs and Jekyll sites file pages under `categories:`; Hugo and Pelican `keywords:`.
        tags = [*_as_list(meta.get("categories")), *_as_list(meta.get("keywords"))] or None
    url = meta.get("url")
    try:
        rendered = render_markdown(content, url if isinstance(url, str) else "")
    except RecursionError:  # markdown-it nests deeper than Python's stack on pathological input
        raise ArticleError(path, "body", "nested too deeply to be read as Markdown") from None
    fields = {
        "id": article_id,
        "title": title,
        "date": meta.get("date"),
        "author": author or "",
        "tags": tags,
        "summary": meta.get("summary") or meta.get("description") or "",
        "body": rendered.text,
        "html": rendered.html,
        "url": url,
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
    article_id = public_id(article_id_for(path, corpus_dir))
    if not ARTICLE_ID_PATTERN.match(article_id):
        raise ArticleError(
            path,
            "file name",
            "use letters, digits, spaces, '.', '_', '-', '&' or '+' in file names",
        )
    if article_id != article_id_for(path, corpus_dir) and path_of(article_id, corpus_dir).exists():
        raise ArticleError(
            path, "file name", f"{path_of(article_id, corpus_dir).name} has the same id; rename one"
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
