"""The pages and the widget script are served by the API, from files shipped in the package."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

from fastapi.testclient import TestClient

from search_api.http.pages import STATIC_DIR

PYPROJECT = Path(__file__).parent.parent / "pyproject.toml"


def test_pages_search_page_is_html_with_a_strict_policy(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert '<input id="q" name="q" type="search"' in response.text


def test_pages_article_page_is_served_for_nested_ids(client: TestClient) -> None:
    response = client.get("/read/nested/deep/jaw-pain")
    assert response.status_code == 200
    assert '<script src="/static/article.js" defer></script>' in response.text


def test_pages_files_the_pages_load_are_served(client: TestClient) -> None:
    for page in ("/", "/read/migraine-basics"):
        html = client.get(page).text
        for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
            assert client.get(path).status_code == 200, path


def test_pages_widget_script_is_core_then_widget(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    core = (STATIC_DIR / "core.js").read_text(encoding="utf-8")
    widget = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    assert response.text == core + "\n" + widget
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_pages_are_left_out_of_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert [p for p in paths if p == "/" or p.startswith(("/read", "/widget", "/static"))] == []


def test_pages_every_static_file_is_package_data() -> None:
    config = tomllib.loads(PYPROJECT.read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["search_api.http"]
    files = [p.relative_to(STATIC_DIR.parent).as_posix() for p in STATIC_DIR.rglob("*")]
    assert [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)] == []
