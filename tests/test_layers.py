"""Dependencies point one way: `search_api` imports `indexer`, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_indexer_never_imports_search_api() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "indexer").rglob("*.py"))
        if any(name.split(".")[0] == "search_api" for name in _imported_modules(path))
    ]
    assert offenders == []


def test_whoosh_schema_is_defined_in_one_module() -> None:
    defining = [
        str(path.relative_to(ROOT))
        for package in ("indexer", "search_api")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "Schema(" in path.read_text(encoding="utf-8")
    ]
    assert defining == ["indexer/schema.py"]
