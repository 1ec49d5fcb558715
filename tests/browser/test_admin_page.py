"""The admin page in headless Chromium: sign in (a wrong token first), the index, an update."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from indexer.build import update_index
from tests.browser.conftest import PageLog, Sites, screenshot
from tests.conftest import ADMIN_TOKEN, start_paused_index, wait_for_no_update, write_article

pytestmark = pytest.mark.browser


def test_admin_page_signs_in_shows_the_index_and_runs_an_update(
    page: Page, sites: Sites, page_log: PageLog
) -> None:
    # The wrong token's 401 is logged by the browser as a failed resource.
    page_log.console_errors_expected = True
    page.goto(sites.api + "/admin/")
    token = page.get_by_label("Admin token")
    expect(token).to_be_visible()
    token.fill("not-the-admin-token-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_have_text("The admin token is not valid.")
    expect(page.locator("#dashboard")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0

    token.fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#generation")).to_have_text("gen-000001")
    expect(page.locator("#documents")).to_have_text("7")
    expect(page.locator("#corpus-dir")).to_have_text(str(sites.corpus_dir.resolve()))
    # The token stays in this tab, never in the address.
    assert ADMIN_TOKEN not in page.url
    assert page.evaluate("sessionStorage.getItem('medsearch-admin-token')") == ADMIN_TOKEN
    page.reload()
    expect(page.locator("#generation")).to_have_text("gen-000001")
    expect(page.locator("#sign-in")).to_be_hidden()

    # An editor adds an article and a broken one, then updates from the page.
    write_article(sites.corpus_dir, "zinc.md", "---\ntitle: Zinc\n---\nZinc lozenges.\n")
    write_article(sites.corpus_dir, "draft.md", "---\ntitle: Draft\ndate: next week\n---\nDraft.\n")
    try:
        page.get_by_role("button", name="Update the index").click()
        expect(page.locator("#last-result")).to_have_text(
            "succeeded (incremental, from this page or the admin API)", timeout=60_000
        )
    finally:
        wait_for_no_update(sites.index_dir)
    expect(page.locator("#generation")).to_have_text("gen-000002")
    expect(page.locator("#documents")).to_have_text("8")
    expect(page.locator("#last-counts")).to_have_text(
        "1 added, 0 updated, 0 deleted, 7 unchanged, 1 skipped"
    )
    skipped = page.locator("#skipped li")
    expect(skipped).to_have_count(1)
    expect(skipped).to_contain_text(f"{sites.corpus_dir.resolve() / 'draft.md'}: date:")
    expect(page.locator('[data-metric="Requests answered"]')).not_to_have_text("0")
    screenshot(page, "admin-page", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Admin token")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


@pytest.fixture(autouse=True)
def _corpus_as_it_was(sites: Sites) -> Iterator[None]:
    """The other browser tests share this server: put its corpus and index back afterwards."""
    yield
    wait_for_no_update(sites.index_dir)
    for name in ("zinc.md", "draft.md"):
        (sites.corpus_dir / name).unlink(missing_ok=True)
    update_index(sites.corpus_dir, sites.index_dir)


def test_admin_page_follows_an_update_while_it_runs(
    page: Page, sites: Sites, tmp_path: Path
) -> None:
    page.goto(sites.api + "/admin/")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#running")).to_be_hidden()
    write_article(sites.corpus_dir, "zinc.md", "---\ntitle: Zinc\n---\nZinc lozenges.\n")
    # An update from the command line, held just before it publishes.
    ready = tmp_path / "ready"
    process = start_paused_index(
        "publish", ready, "--corpus", str(sites.corpus_dir), "--index", str(sites.index_dir)
    )
    try:
        # Idle, the page looks again every few seconds; a reload shows it at once.
        page.reload()
        expect(page.locator("#running-text")).to_have_text(
            "Command-line update running · phase: publish · 8 of 8 articles"
        )
        expect(page.get_by_role("button", name="Update the index")).to_be_disabled()
        expect(page.locator("#running-bar")).to_have_attribute("value", "8")
        screenshot(page, "admin-page-running")
    finally:
        ready.unlink()
        process.communicate(timeout=120)
    expect(page.locator("#running")).to_be_hidden()
    expect(page.locator("#last-result")).to_have_text(
        "succeeded (incremental, from the command line)"
    )
    expect(page.get_by_role("button", name="Update the index")).to_be_enabled()
