"""Dependencies point one way: HTTP layer -> engine protocol -> engines -> `indexer`.

Checked on every module's own import statements (function-level imports included), so a route
that reaches into Whoosh, or an engine that reaches for FastAPI, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _imported_modules(path: Path, text: str | None = None) -> set[str]:
    names: set[str] = set()
    source = path.read_text(encoding="utf-8") if text is None else text
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


HTTP_LAYER = ROOT / "search_api" / "http"
WEB_FRAMEWORKS = ("fastapi", "starlette")
ENGINE_PACKAGES = (
    "whoosh",
    "opensearchpy",
    "search_api.whoosh_engine",
    "search_api.opensearch_engine",
)


def _imports_any(path: Path, prefixes: tuple[str, ...], edited: dict[Path, str]) -> list[str]:
    return sorted(
        name
        for name in _imported_modules(path, edited.get(path))
        if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)
    )


def _python_files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


def layer_violations(edited: dict[Path, str] | None = None) -> dict[str, list[str]]:
    """Each module that breaks the layering, with the imports that break it.

    `edited` gives some modules' text in place of what is on disk.
    """
    edited = edited or {}
    violations: dict[str, list[str]] = {}
    outside_http = [
        path
        for path in _python_files(ROOT / "search_api", ROOT / "indexer")
        if HTTP_LAYER not in path.parents
    ]
    for path in outside_http:
        if found := _imports_any(path, WEB_FRAMEWORKS, edited):
            violations[str(path.relative_to(ROOT))] = found
    for path in _python_files(HTTP_LAYER):
        if found := _imports_any(path, ENGINE_PACKAGES, edited):
            violations[str(path.relative_to(ROOT))] = found
    # The protocol and what both engines share know no engine.
    shared = [ROOT / "search_api" / "engine.py", *_python_files(ROOT / "search_api" / "query")]
    for path in shared:
        if found := _imports_any(path, ENGINE_PACKAGES, edited):
            violations[str(path.relative_to(ROOT))] = found
    return violations


def test_layers_http_knows_no_engine_and_only_http_knows_the_web_framework() -> None:
    assert layer_violations() == {}


def test_layers_check_fails_on_a_route_importing_whoosh_and_an_engine_importing_fastapi() -> None:
    route = HTTP_LAYER / "routes.py"
    engine = ROOT / "search_api" / "whoosh_engine" / "engine.py"
    found = layer_violations(
        {
            route: route.read_text(encoding="utf-8") + "\nimport whoosh.searching\n",
            engine: engine.read_text(encoding="utf-8") + "\nfrom fastapi import Request\n",
        }
    )
    assert found == {
        "search_api/http/routes.py": ["whoosh.searching"],
        "search_api/whoosh_engine/engine.py": ["fastapi"],
    }


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
