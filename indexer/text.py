"""Turning Markdown into the plain text that is indexed, stored and shown in snippets."""

from __future__ import annotations

import re

# Order matters: fenced code keeps its content, images go before links, links keep their text.
# Line-start rules match `[ \t]`, not `\s`: `\s` also matches the newline of a blank line before
# a heading or list and so glued it to the paragraph above.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(```|~~~).*$", re.MULTILINE), ""),
    (re.compile(r"<!--.*?-->", re.DOTALL), " "),
    # CSS is never prose; other raw HTML stays as text and is escaped wherever it is shown.
    (re.compile(r"<style\b[^>]*>.*?</style\s*>", re.DOTALL | re.IGNORECASE), " "),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE), ""),
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*", re.MULTILINE), ""),
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE), ""),
    (re.compile(r"^[ \t]*([-*+]|\d+[.)])[ \t]+", re.MULTILINE), ""),
    (re.compile(r"^\s*([-*_]\s*){3,}$", re.MULTILINE), ""),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE), ""),
    (re.compile(r"[ \t]*\|[ \t]*"), " "),
)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def markdown_to_text(markdown: str) -> str:
    """Strip Markdown markup, keeping words and paragraph breaks; raw HTML is kept as text."""
    text = markdown
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()
