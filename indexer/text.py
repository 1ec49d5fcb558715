"""Turning Markdown into the plain text that is indexed, stored and shown in snippets."""

from __future__ import annotations

import re

# Order matters: fenced code keeps its content, images go before links, links keep their text.
# Line-start rules match `[ \t]`, not `\s`: `\s` also matches the newline of a blank line before
# a heading or list and so glued it to the paragraph above.
# Each rule comes with the strings one of which any text it matches must contain: a rule whose
# strings are all absent is skipped (most articles have no code, links, tables or HTML).
_ALWAYS: tuple[str, ...] = ("",)
_RULES: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (re.compile(r"^\s*(```|~~~).*$", re.MULTILINE), "", ("```", "~~~")),
    (re.compile(r"<!--.*?-->", re.DOTALL), " ", ("<!--",)),
    # CSS is never prose; other raw HTML stays as text and is escaped wherever it is shown.
    (re.compile(r"<style\b[^>]*>.*?</style\s*>", re.DOTALL | re.IGNORECASE), " ", ("<",)),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1", ("![",)),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1", ("](",)),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1", ("][",)),
    (re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE), "", ("]:",)),
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*", re.MULTILINE), "", ("#",)),
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE), "", (">",)),
    (re.compile(r"^[ \t]*([-*+]|\d+[.)])[ \t]+", re.MULTILINE), "", _ALWAYS),
    (re.compile(r"^\s*([-*_]\s*){3,}$", re.MULTILINE), "", ("-", "*", "_")),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2", ("**", "__")),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1", ("*",)),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1", ("_",)),
    (re.compile(r"`([^`]*)`"), r"\1", ("`",)),
    (re.compile(r"^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE), "", ("|",)),
    (re.compile(r"[ \t]*\|[ \t]*"), " ", ("|",)),
)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def markdown_to_text(markdown: str) -> str:
    """Strip Markdown markup, keeping words and paragraph breaks; raw HTML is kept as text."""
    text = markdown
    for pattern, replacement, needs in _RULES:
        if any(needed in text for needed in needs):
            text = pattern.sub(replacement, text)
    # Runs of spaces never cross a newline: one pass over the text, then each line stripped.
    text = "\n".join(line.strip() for line in _SPACES.sub(" ", text).split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()
