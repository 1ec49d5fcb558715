"""Generation checksums: what is recorded, what is reused, and what an older generation keeps."""

from __future__ import annotations

import json
import os
from pathlib import Path

from indexer.integrity import CHECKSUMS_FILE, file_digest, write_checksums


def _generation(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _recorded(folder: Path) -> dict[str, dict[str, object]]:
    files: dict[str, dict[str, object]] = json.loads((folder / CHECKSUMS_FILE).read_text())["files"]
    return files


def test_write_checksums_records_size_and_digest(tmp_path: Path) -> None:
    build = _generation(tmp_path / "build", {"a.seg": b"abc", "_MAIN_1.toc": b"toc"})
    write_checksums(build)
    recorded = _recorded(build)
    assert sorted(recorded) == ["_MAIN_1.toc", "a.seg"]
    assert recorded["a.seg"]["size"] == 3
    assert recorded["a.seg"]["sha256"] == file_digest(build / "a.seg")


def test_write_checksums_reuses_digest_of_unchanged_linked_file(tmp_path: Path) -> None:
    old = _generation(tmp_path / "old", {"a.seg": b"abc"})
    write_checksums(old)
    # Make the recorded digest recognisable: only reuse, not rehashing, can carry it over.
    marked = _recorded(old)
    marked["a.seg"]["sha256"] = "reused"
    (old / CHECKSUMS_FILE).unlink()
    (old / CHECKSUMS_FILE).write_text(json.dumps({"files": marked}))
    new = tmp_path / "new"
    new.mkdir()
    for name in ("a.seg", CHECKSUMS_FILE):
        os.link(old / name, new / name)
    (new / "b.seg").write_bytes(b"new segment")
    write_checksums(new, previous_dir=old)
    assert _recorded(new)["a.seg"]["sha256"] == "reused"
    assert _recorded(new)["b.seg"]["sha256"] == file_digest(new / "b.seg")
    # The old generation's own record, once a hard link of the new one's, is unchanged.
    assert sorted(_recorded(old)) == ["a.seg"]
