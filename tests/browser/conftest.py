"""Browser fixtures: a real `medsearch serve` on loopback, a second-origin host page, Chromium.

Chromium comes from Debian (`/usr/bin/chromium`); Playwright cannot download browsers here.
`bash scripts/check` installs it when it is missing and it runs as root.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright

from bench.server import free_port
from indexer.build import build_index
from tests.conftest import ADMIN_TOKEN, TEST_CORPUS

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Small pages so the seven-article test corpus has more than one page of results.
PER_PAGE = 3
TIMEOUT_MS = 5_000


def chromium_path() -> str:
    """Debian's Chromium, or the one named by MEDSEARCH_TEST_CHROMIUM."""
    return os.environ.get("MEDSEARCH_TEST_CHROMIUM") or shutil.which("chromium") or ""


@dataclass(frozen=True)
class Sites:
    """The API's base URL and the host page's URLs on an allowed and a refused origin."""

    api: str
    host_allowed: str
    host_refused: str
    # The server's corpus (a copy of the tiny test corpus) and index folders.
    corpus_dir: Path
    index_dir: Path


class _HostPages(http.server.BaseHTTPRequestHandler):
    """A stranger's site that embeds the widget: serves `pages[path]` as HTML."""

    pages: ClassVar[dict[str, str]] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


def embed_page(api: str, attributes: str = "") -> str:
    """A host page styled unlike the widget, with the README's snippet pasted in."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Riverside Clinic</title>
<link rel="icon" href="data:,">
<style>
  body {{ font: 17px/1.5 Georgia, serif; margin: 0; background: #fbf8f3; color: #2b2118; }}
  header {{ background: #fff; border-bottom: 4px solid #6b2d5c; padding: 14px 28px;
           display: flex; align-items: center; justify-content: space-between; gap: 24px; }}
  header h1 {{ font-size: 22px; margin: 0; color: #6b2d5c; }}
  #medsearch-widget {{ width: 360px; --medsearch-accent: rgb(107, 45, 92);
                       --medsearch-radius: 4px; }}
  main {{ padding: 28px; max-width: 640px; }}
  /* A site's global rules that must not reach into the widget. */
  button {{ background: lime !important; }}
  li {{ color: red; }}
  mark {{ background: black; color: white; }}
</style></head>
<body>
<header><h1>Riverside Clinic</h1><div id="medsearch-widget" {attributes}></div></header>
<main><p>Welcome to our clinic. Search our patient articles with the box above.</p></main>
<script src="{api}/widget.js" data-endpoint="{api}"></script>
</body></html>"""


@dataclass(frozen=True)
class _Servers:
    sites: Sites
    api: subprocess.Popen[bytes]
    api_log: Path


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of the Chromium binary; fails (never skips) the browser tests when there is none."""
    executable = chromium_path()
    if not executable or not Path(executable).is_file():
        pytest.fail(
            "Chromium is not installed, so the browser tests cannot run. Install it with "
            "`apt-get install chromium` (bash scripts/check does this when run as root), or "
            "set MEDSEARCH_TEST_CHROMIUM to a Chromium binary."
        )
    return executable


@pytest.fixture(scope="session")
def _servers(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Servers]:
    """Start the API (`medsearch serve` on loopback) and the host page's HTTP server."""
    root = tmp_path_factory.mktemp("browser")
    corpus_dir = root / "corpus"
    shutil.copytree(TEST_CORPUS, corpus_dir)
    index_dir = root / "index"
    build_index(corpus_dir, index_dir)

    host_port = free_port()
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    # Same server, two origins: 127.0.0.1 is on the allow-list, localhost is not.
    host_allowed = f"http://127.0.0.1:{host_port}"
    host_refused = f"http://localhost:{host_port}"

    class ClinicSite(_HostPages):
        pages: ClassVar[dict[str, str]] = {
            "/clinic.html": embed_page(api),
            "/short.html": embed_page(api, 'data-results="2"'),
        }

    host = http.server.ThreadingHTTPServer(("127.0.0.1", host_port), ClinicSite)
    threading.Thread(target=host.serve_forever, daemon=True).start()

    env = {
        **os.environ,
        "MEDSEARCH_INDEX_DIR": str(index_dir),
        "MEDSEARCH_CORPUS_DIR": str(corpus_dir),
        "MEDSEARCH_ADMIN_TOKEN": ADMIN_TOKEN,
        "MEDSEARCH_INSIGHTS": str(root / "insights.sqlite"),
        "MEDSEARCH_CORS_ORIGINS": host_allowed,
        "MEDSEARCH_DEFAULT_PER_PAGE": str(PER_PAGE),
        "MEDSEARCH_LOG_LEVEL": "warning",
    }
    log_path = root / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "search_api.cli", "serve", "--port", str(api_port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        sites = Sites(api, host_allowed, host_refused, corpus_dir, index_dir)
        yield _Servers(sites, server, log_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        host.shutdown()
        host.server_close()


@pytest.fixture(scope="session")
def browser(chromium: str, _servers: _Servers) -> Iterator[Browser]:
    """Headless Chromium from Debian, driven by Playwright (launched while the API starts)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def sites(_servers: _Servers, browser: Browser) -> Sites:
    """The API's and the host page's URLs, once the API answers /health."""
    api, server, log_path = _servers.sites.api, _servers.api, _servers.api_log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"medsearch serve exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(api + "/health", timeout=2) as response:
                if response.status == 200:
                    return _servers.sites
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    pytest.fail(f"medsearch serve did not answer /health in 30 s:\n{log_path.read_text()}")


@dataclass
class PageLog:
    """What a page reported: errors in its scripts, console errors and alert() dialogs."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    # Set by a test that expects the browser to log errors (an HTTP 400, a refused origin).
    console_errors_expected: bool = False


@pytest.fixture
def page_log() -> PageLog:
    """The log of the test's page; checked when the test ends."""
    return PageLog()


@contextmanager
def _open_tab(browser: Browser, log: PageLog, width: int, height: int) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            log.console_errors.append(message.text)

    def on_dialog(dialog: Dialog) -> None:
        log.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("pageerror", lambda error: log.page_errors.append(str(error)))
    tab.on("console", on_console)
    tab.on("dialog", on_dialog)
    yield tab
    context.close()
    assert log.page_errors == []
    assert log.dialogs == []
    if not log.console_errors_expected:
        assert log.console_errors == []


@pytest.fixture
def page(browser: Browser, page_log: PageLog) -> Iterator[Page]:
    """A fresh desktop-sized tab; fails the test on script errors or any alert dialog."""
    with _open_tab(browser, page_log, 1200, 860) as tab:
        yield tab


@pytest.fixture
def phone_page(browser: Browser, page_log: PageLog) -> Iterator[Page]:
    """A fresh tab the size of a phone screen, checked like `page`."""
    with _open_tab(browser, page_log, 390, 844) as tab:
        yield tab


def screenshot(page: Page, name: str, full_page: bool = False) -> Path:
    """Save a screenshot to test-artifacts/screenshots/NAME.png for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path
