"""Index storage: numbered generations in one folder, published atomically through `CURRENT`.

Layout of an index folder:

- `gen-000007/`: a complete generation (Whoosh files and `manifest.json`), never changed again;
- `CURRENT`: the name of the generation to serve, replaced atomically on publish;
- `.building-*/`: the next generation while it is written (only by the writer-lock holder);
- `.removing-*/`: an old generation on its way out;
- `.writer.lock` and `build-status.json`: see `indexer.locks` and `indexer.status`.

A generation older than the current one is removed once no process holds a reader lease on it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh.filedb.filestore import FileStorage

from indexer.errors import IndexCorruptError, IndexNotFoundError
from indexer.integrity import verify_checksums, write_checksums
from indexer.locks import exclusive_unleased
from indexer.manifest import MANIFEST_FILE

CURRENT_FILE = "CURRENT"
BUILD_PREFIX = ".building-"
REMOVING_PREFIX = ".removing-"
GENERATION_PATTERN = re.compile(r"^gen-(\d{6,})$")
# Whoosh's own lock file: each build folder is private to one writer, so it is never shared.
_WHOOSH_LOCK_SUFFIX = "_WRITELOCK"


def generation_number(name: str) -> int:
    """The number in a generation name: 7 for `gen-000007`."""
    return int(name.split("-")[1])


def generation_dirs(index_dir: Path) -> list[Path]:
    """Complete generation folders in `index_dir`, oldest first."""
    if not index_dir.is_dir():
        return []
    found = [p for p in index_dir.iterdir() if p.is_dir() and GENERATION_PATTERN.match(p.name)]
    return sorted(found, key=lambda p: generation_number(p.name))


def current_generation(index_dir: Path) -> str | None:
    """Name of the generation `CURRENT` points at, or None when nothing was published yet."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(index_dir, f"{CURRENT_FILE} is unreadable: {exc}") from None
    if not GENERATION_PATTERN.match(name):
        raise IndexCorruptError(index_dir, f"{CURRENT_FILE} names no generation: {name[:40]!r}")
    return name


def open_generation(index_dir: Path, generation: str, *, trust_stat: bool = False) -> Any:
    """Open one generation of the index read-only (a Whoosh FileIndex).

    Its files are checked against their checksums first; with `trust_stat`, only those whose
    size or modification time differ from the record are hashed.
    """
    path = index_dir / generation
    try:
        verify_checksums(index_dir, path, trust_stat=trust_stat)
        # No mmap: Whoosh wraps each part of a mapped segment in a BytesIO, which copies the
        # whole part into memory for every searcher; plain file reads share the page cache.
        return FileStorage(str(path), supports_mmap=False, readonly=True).open_index()
    except (OSError, whoosh.index.IndexError, EOFError, ValueError) as exc:
        raise IndexCorruptError(index_dir, f"{generation}: {exc}") from None


def open_current(index_dir: Path) -> tuple[str, Any]:
    """The current generation's name and its open Whoosh index."""
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexNotFoundError(index_dir)
    return generation, open_generation(index_dir, generation)


def new_build_dir(index_dir: Path) -> Path:
    """A fresh private folder inside `index_dir` to build the next generation in."""
    index_dir.mkdir(parents=True, exist_ok=True)
    build_dir = Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{os.getpid()}-", dir=index_dir))
    # mkdtemp makes it 0700; the API may run as another user than the editor who builds.
    build_dir.chmod(0o755)
    return build_dir


def link_generation(index_dir: Path, generation: str, build_dir: Path) -> None:
    """Fill `build_dir` with the files of `generation`, to be changed into the next one.

    Whoosh never rewrites a file it has written: a commit adds new segment files and a new table
    of contents and deletes files it no longer needs. Hard links are therefore safe to share
    between generations, and make the copy take no time or space. The manifest is left out,
    since the update writes a new one.
    """
    for source in (index_dir / generation).iterdir():
        if source.name == MANIFEST_FILE or source.name.endswith(_WHOOSH_LOCK_SUFFIX):
            continue
        target = build_dir / source.name
        try:
            os.link(source, target)
        except OSError:
            # File systems without hard links get a copy.
            shutil.copy2(source, target)


def recover(index_dir: Path) -> None:
    """Remove what crashed or killed writers left behind; only the writer-lock holder may call it.

    That is every build folder, any `CURRENT` being written, and generations newer than the
    current one (a writer died between renaming its build and switching `CURRENT` to it, so no
    reader has ever seen them).
    """
    if not index_dir.is_dir():
        return
    for path in index_dir.glob(f"{BUILD_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(f"{CURRENT_FILE}.*.tmp"):
        path.unlink(missing_ok=True)
    try:
        current = current_generation(index_dir)
    except IndexCorruptError:
        # Without a readable CURRENT nothing says which generations are unpublished; keep them.
        return
    newest = generation_number(current) if current else 0
    for path in generation_dirs(index_dir):
        if generation_number(path.name) > newest:
            shutil.rmtree(path, ignore_errors=True)
    remove_unused_generations(index_dir)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _live_dir(index_dir: Path) -> Path | None:
    # Only a hint (checksums of unchanged files are reused from it); a bad CURRENT is no error.
    try:
        live = current_generation(index_dir)
    except IndexCorruptError:
        return None
    return index_dir / live if live else None


def publish(index_dir: Path, build_dir: Path) -> str:
    """Make a finished build the current generation atomically and return its name."""
    existing = generation_dirs(index_dir)
    number = generation_number(existing[-1].name) + 1 if existing else 1
    generation = f"gen-{number:06d}"
    write_checksums(build_dir, _live_dir(index_dir))
    for child in build_dir.iterdir():
        with child.open("rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(build_dir)
    build_dir.rename(index_dir / generation)
    pointer = index_dir / f"{CURRENT_FILE}.{os.getpid()}.tmp"
    with pointer.open("w", encoding="ascii") as handle:
        handle.write(generation + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    # os.replace is atomic: a reader sees the old name or the new one, never a partial file.
    pointer.replace(index_dir / CURRENT_FILE)
    _fsync_dir(index_dir)
    remove_unused_generations(index_dir)
    return generation


def remove_unused_generations(index_dir: Path) -> list[str]:
    """Delete generations older than the current one that no process holds a lease on.

    Safe to call from any process at any time: newer generations are never touched (a writer may
    be publishing one), and a generation is renamed away while held exclusively, so a reader
    either got its lease first or finds the generation gone and reads `CURRENT` again.
    """
    try:
        current = current_generation(index_dir)
    except IndexCorruptError:
        return []
    if current is None:
        return []
    removed = []
    for path in generation_dirs(index_dir):
        if generation_number(path.name) >= generation_number(current):
            continue
        with exclusive_unleased(path) as free:
            if not free:
                continue
            trash = index_dir / f"{REMOVING_PREFIX}{path.name}-{os.getpid()}"
            try:
                path.rename(trash)
            except OSError:
                continue
        removed.append(path.name)
    for trash in index_dir.glob(f"{REMOVING_PREFIX}*"):
        shutil.rmtree(trash, ignore_errors=True)
    return removed


def discard(build_dir: Path) -> None:
    """Delete an unfinished build folder."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(build_dir)
