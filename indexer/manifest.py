"""The manifest each generation carries: the file state behind every document, and the schema.

An incremental update compares the corpus with the live generation's manifest, which is far
cheaper than reading every document's stored fields (medians 0.02 s against 0.34 s for 5,000
articles).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

MANIFEST_FILE = "manifest.json"
# Format 2 holds the files as columns (format 1: an object per file), which reads and writes
# five times faster at 100,000 files. A manifest of another format means a full build.
MANIFEST_FORMAT = 2


class FileState(BaseModel):
    """What an article file looked like when it was indexed."""

    model_config = ConfigDict(frozen=True)

    size: int
    mtime_ns: int
    sha256: str


class FileTable(BaseModel):
    """The state of each indexed file as columns: row i is `ids[i]`'s size, mtime and digest."""

    # A format 1 manifest's files (keyed by id) must not pass for an empty table.
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = []
    sizes: list[int] = []
    mtimes_ns: list[int] = []
    sha256: list[str] = []

    @model_validator(mode="after")
    def _rows_complete(self) -> FileTable:
        if not len(self.ids) == len(self.sizes) == len(self.mtimes_ns) == len(self.sha256):
            raise ValueError("the file columns differ in length")
        return self

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, article_id: str, state: FileState) -> None:
        """Append one file's row."""
        self.ids.append(article_id)
        self.sizes.append(state.size)
        self.mtimes_ns.append(state.mtime_ns)
        self.sha256.append(state.sha256)

    def copy_rows(self) -> FileTable:
        """A copy whose columns can change without changing this table's."""
        # Shallow list copies: the values are immutable, and pydantic's deep copy is 10x slower.
        return FileTable.model_construct(
            ids=list(self.ids),
            sizes=list(self.sizes),
            mtimes_ns=list(self.mtimes_ns),
            sha256=list(self.sha256),
        )

    def replace(self, row: int, state: FileState) -> None:
        """Give one row a new state."""
        self.sizes[row] = state.size
        self.mtimes_ns[row] = state.mtime_ns
        self.sha256[row] = state.sha256

    def remove(self, row: int) -> None:
        """Take one row out."""
        for column in (self.ids, self.sizes, self.mtimes_ns, self.sha256):
            del column[row]

    def state(self, row: int) -> FileState:
        """The state of the file in `row`."""
        return FileState(
            size=self.sizes[row], mtime_ns=self.mtimes_ns[row], sha256=self.sha256[row]
        )


class Manifest(BaseModel):
    """Where a generation's documents came from and how it was built."""

    format: int = MANIFEST_FORMAT
    schema_fingerprint: str
    corpus_dir: str
    # When the files were looked at; a file modified within a timestamp tick of this moment
    # may have changed again without its size or mtime showing it.
    scanned_at_ns: int
    files: FileTable


def read_manifest(generation_dir: Path) -> Manifest | None:
    """The manifest of a generation folder, or None if it has none this code can use."""
    try:
        manifest = Manifest.model_validate_json((generation_dir / MANIFEST_FILE).read_bytes())
    except (OSError, ValidationError):
        return None
    return manifest if manifest.format == MANIFEST_FORMAT else None


def write_manifest(build_dir: Path, manifest: Manifest) -> None:
    """Write the manifest into a build folder, before it is published."""
    (build_dir / MANIFEST_FILE).write_text(manifest.model_dump_json(), encoding="utf-8")


def schema_fingerprint(schema: Any) -> str:
    """A digest of a Whoosh schema's fields and analyzers, equal across processes and runs.

    Whoosh's own `Schema.__eq__` ignores analyzers, and pickles differ between processes because
    stop-word sets iterate in hash order, so the state is walked and sorted here instead.
    """
    canonical = json.dumps(_canonical(schema, 0), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_MAX_DEPTH = 40


def _canonical(value: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return "..."
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_canonical(item, depth + 1) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(json.dumps(_canonical(item, depth + 1), sort_keys=True) for item in value)
    if isinstance(value, dict):
        return {str(key): _canonical(item, depth + 1) for key, item in value.items()}
    if isinstance(value, re.Pattern):
        return ["re", value.pattern, value.flags]
    if hasattr(value, "__qualname__"):
        # Classes and functions (a stemmer's `stemfn`) stand for themselves by name.
        return _name(value)
    # `__getstate__` is what Whoosh pickles into the index; it leaves caches such as stemmers' out.
    return [_name(type(value)), _canonical(value.__getstate__(), depth + 1)]


def _name(value: Any) -> str:
    return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"
