"""Generation manifests: the size and SHA-256 of every file, written at publish, checked at open.

Whoosh opens an index by reading its table of contents only; a segment file that was truncated
(a full disk, an interrupted copy) or overwritten shows up later, in the middle of a search, as
an arbitrary exception. Checking each file against the manifest before a generation goes live
turns that into one clear error naming the file, and the API keeps its last good generation.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from indexer.errors import IndexCorruptError

MANIFEST_FILE = "MANIFEST.json"
_CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(generation_dir: Path) -> Path:
    """Record every file of a finished build in its manifest (not yet fsynced)."""
    files = {
        path.name: {"size": path.stat().st_size, "sha256": file_digest(path)}
        for path in sorted(generation_dir.iterdir())
        if path.is_file() and path.name != MANIFEST_FILE
    }
    target = generation_dir / MANIFEST_FILE
    target.write_text(json.dumps({"files": files}, indent=1) + "\n", encoding="utf-8")
    return target


def verify_manifest(index_dir: Path, generation_dir: Path) -> None:
    """Raise IndexCorruptError unless every file in the manifest is present and intact.

    Generations written before manifests existed have none and are accepted as they are.
    """
    manifest_path = generation_dir / MANIFEST_FILE
    name = generation_dir.name
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files: dict[str, dict[str, object]] = manifest["files"]
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(
            index_dir, f"{name}: {MANIFEST_FILE} is unreadable ({exc})"
        ) from None
    for file_name, expected in files.items():
        path = generation_dir / file_name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IndexCorruptError(index_dir, f"{name}: {file_name} is missing") from None
        if size != expected.get("size"):
            raise IndexCorruptError(
                index_dir,
                f"{name}: {file_name} has {size:,} bytes, {expected.get('size'):,} were written "
                "(truncated or overwritten)",
            )
        if file_digest(path) != expected.get("sha256"):
            raise IndexCorruptError(
                index_dir, f"{name}: {file_name} does not match its checksum (corrupted)"
            )
