"""Markdown to plain text: skipping rules that cannot match changes nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.text import _BLANK_LINES, _RULES, _SPACES, markdown_to_text

PIECES = st.sampled_from(
    [
        "word",
        "Migraine",
        " ",
        "  ",
        "\t",
        "\n",
        "\n\n",
        "\r\n",
        "# ",
        "## ",
        "> ",
        "- ",
        "* ",
        "1. ",
        "**",
        "__",
        "*",
        "_",
        "`",
        "```",
        "~~~",
        "[",
        "]",
        "(",
        ")",
        "![",
        "](",
        "][",
        "]:",
        "|",
        "---",
        "<!--",
        "-->",
        "<style>",
        "</style>",
        "<b>",
        ":",
        "http://x.org",
    ]
)


def _every_rule(markdown: str) -> str:
    # markdown_to_text as it was before rules were skipped: every rule, each line on its own.
    text = markdown
    for pattern, replacement, _ in _RULES:
        text = pattern.sub(replacement, text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(PIECES, max_size=40))
def test_markdown_to_text_matches_every_rule_applied(pieces: list[str]) -> None:
    markdown = "".join(pieces)
    assert markdown_to_text(markdown) == _every_rule(markdown)


def test_markdown_to_text_matches_every_rule_applied_on_articles() -> None:
    articles = sorted((Path(__file__).parent / "corpus").rglob("*.md"))
    assert articles
    for path in articles:
        markdown = path.read_text(encoding="utf-8")
        assert markdown_to_text(markdown) == _every_rule(markdown), path
