"""Index storage: numbered generations in one folder, published atomically through `CURRENT`."""

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

CURRENT_FILE = "CURRENT"
BUILD_PREFIX = ".building-"
GENERATION_PATTERN = re.compile(r"^gen-(\d{6,})$")
# The previous generation stays on disk so that readers still using it can finish.
GENERATIONS_KEPT = 2


def generation_dirs(index_dir: Path) -> list[Path]:
    """Complete generation folders in `index_dir`, oldest first."""
    if not index_dir.is_dir():
        return []
    found = [p for p in index_dir.iterdir() if p.is_dir() and GENERATION_PATTERN.match(p.name)]
    return sorted(found, key=lambda p: int(p.name.split("-")[1]))


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


def open_generation(index_dir: Path, generation: str) -> Any:
    """Open one generation of the index read-only (a Whoosh FileIndex)."""
    path = index_dir / generation
    try:
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
    remove_abandoned_builds(index_dir)
    return Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{os.getpid()}-", dir=index_dir))


def remove_abandoned_builds(index_dir: Path) -> None:
    """Delete build folders left by builds whose process no longer runs (a crash or kill -9)."""
    for path in index_dir.glob(f"{BUILD_PREFIX}*"):
        pid_text = path.name.removeprefix(BUILD_PREFIX).split("-", 1)[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            shutil.rmtree(path, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, build_dir: Path) -> str:
    """Make a finished build the current generation atomically and return its name."""
    existing = generation_dirs(index_dir)
    number = int(existing[-1].name.split("-")[1]) + 1 if existing else 1
    generation = f"gen-{number:06d}"
    for child in build_dir.iterdir():
        with child.open("rb") as handle:
            os.fsync(handle.fileno())
    build_dir.rename(index_dir / generation)
    pointer = index_dir / f"{CURRENT_FILE}.{os.getpid()}.tmp"
    with pointer.open("w", encoding="ascii") as handle:
        handle.write(generation + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    # os.replace is atomic: a reader sees the old name or the new one, never a partial file.
    pointer.replace(index_dir / CURRENT_FILE)
    _fsync_dir(index_dir)
    remove_old_generations(index_dir)
    return generation


def remove_old_generations(index_dir: Path, keep: int = GENERATIONS_KEPT) -> None:
    """Delete all but the newest `keep` generations, never the current one."""
    current = current_generation(index_dir)
    for path in generation_dirs(index_dir)[:-keep]:
        if path.name != current:
            shutil.rmtree(path, ignore_errors=True)


def discard(build_dir: Path) -> None:
    """Delete an unfinished build folder."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(build_dir)
