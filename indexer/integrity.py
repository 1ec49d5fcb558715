"""Checksums of a generation's files: written before it is published, checked before it is served.

Whoosh opens an index by reading its table of contents only; a segment file that was truncated
(a full disk, an interrupted copy) or overwritten shows up later, in the middle of a search, as
an arbitrary exception. Checking each file's size and SHA-256 before a generation goes live
turns that into one clear error naming the file, and the API keeps its last good generation.

Hashing costs about 0.4 s per 100 MB, so a file already hashed is not hashed again: when
writing, a file with the same name, size and modification time as in the previous generation
(an update hard-links unchanged segments) keeps its digest; when checking, a process remembers
the files it has verified by device, inode, size and modification time.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from indexer.errors import IndexCorruptError

CHECKSUMS_FILE = "checksums.json"
# Whoosh's files are covered; our own JSON records (these checksums, the corpus manifest) are
# read and validated by their owners, and tests and tools may rewrite them.
_OWN_RECORD_SUFFIX = ".json"
_CHUNK = 1 << 20
_verified: set[tuple[int, int, int, int]] = set()
_verified_lock = threading.Lock()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_checksums(generation_dir: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = json.loads(
        (generation_dir / CHECKSUMS_FILE).read_text(encoding="utf-8")
    )["files"]
    return files


def write_checksums(build_dir: Path, previous_dir: Path | None = None) -> None:
    """Record the size and digest of every file of a finished build (not yet fsynced)."""
    try:
        known = _read_checksums(previous_dir) if previous_dir is not None else {}
    except (OSError, ValueError, KeyError, TypeError):
        known = {}
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(build_dir.iterdir()):
        if not path.is_file() or path.suffix == _OWN_RECORD_SUFFIX:
            continue
        stat = path.stat()
        entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        old = known.get(path.name, {})
        same = all(old.get(key) == value for key, value in entry.items())
        files[path.name] = {**entry, "sha256": old["sha256"] if same else file_digest(path)}
    # Written beside and renamed into place: the target may be a hard link shared with an
    # older generation, which must not change.
    staging = build_dir / f".{CHECKSUMS_FILE}.staging"
    staging.write_text(json.dumps({"files": files}, indent=1) + "\n", encoding="utf-8")
    os.replace(staging, build_dir / CHECKSUMS_FILE)


def verify_checksums(index_dir: Path, generation_dir: Path, *, trust_stat: bool = False) -> None:
    """Raise IndexCorruptError unless every recorded file is present, whole and unchanged.

    With `trust_stat`, a file with the size and modification time recorded for it is taken as
    unchanged without hashing it (as the corpus scan trusts article files). Generations written
    before checksums existed have none and are accepted as they are.
    """
    name = generation_dir.name
    try:
        files = _read_checksums(generation_dir)
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(
            index_dir, f"{name}: {CHECKSUMS_FILE} is unreadable ({exc})"
        ) from None
    for file_name, expected in files.items():
        path = generation_dir / file_name
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise IndexCorruptError(index_dir, f"{name}: {file_name} is missing") from None
        if stat.st_size != expected.get("size"):
            raise IndexCorruptError(
                index_dir,
                f"{name}: {file_name} has {stat.st_size:,} bytes, {expected.get('size'):,} were "
                "written (truncated or overwritten)",
            )
        if trust_stat and stat.st_mtime_ns == expected.get("mtime_ns"):
            continue
        key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with _verified_lock:
            if key in _verified:
                continue
        if file_digest(path) != expected.get("sha256"):
            raise IndexCorruptError(
                index_dir, f"{name}: {file_name} does not match its checksum (corrupted)"
            )
        with _verified_lock:
            _verified.add(key)
