"""One Markdown parse: the reading HTML keeps the structure and is inert; the text has no markup."""

from __future__ import annotations

import re

from indexer.markdown import latex_to_text, render_markdown

# Written in the shapes of a clinician's MkDocs site: nested outlines, kramdown attributes,
# LaTeX symbols, <small>, images, tables, footnotes. The prose is our own.
DOCSREF_SHAPED = """\
## Workup { id="workup" }

- Risk factors
    - Smoking, [cessation advice](https://guidelines.example.org/smoking){:target="_blank"}
    - LDL ($\\geq$ 190 mg/dL) <small>(fasting)</small>
        1. recheck in 6 weeks
- Imaging {target="_blank"}

![Flow chart of the workup](https://img.example.org/flow.png)

| Drug | Dose |
| --- | --- |
| Atorvastatin | 40 mg |

> Treat the patient, not the number.[^1]

```
score = age + 2
```

[^1]: A saying of our fictional attending.
"""

RESIDUE = re.compile(r"\{:|\{\s*[#.]|\$\\|\\leq|\\geq|</?small|</?[a-z]+[ >]|\]\(|!\[|\|\s*---")


def test_render_markdown_keeps_nested_lists_tables_links_and_images() -> None:
    html = render_markdown(DOCSREF_SHAPED).html
    assert "<ul>\n<li>Risk factors\n<ul>\n<li>Smoking" in html
    assert "<ol>\n<li>recheck in 6 weeks</li>" in html
    assert (
        '<a href="https://guidelines.example.org/smoking" rel="noopener nofollow">'
        "cessation advice</a>" in html
    )
    assert '<img src="https://img.example.org/flow.png" alt="Flow chart of the workup">' in html
    assert "<td>Atorvastatin</td>" in html
    assert "<blockquote>" in html
    assert "<pre><code>score = age + 2\n</code></pre>" in html
    assert "<small>(fasting)</small>" in html
    assert '<span class="math">≥</span>' in html
    assert "{" not in html


def test_render_markdown_text_has_no_markup_residue() -> None:
    text = render_markdown(DOCSREF_SHAPED).text
    assert not RESIDUE.search(text), text
    assert "Workup\n\nRisk factors\nSmoking, cessation advice\nLDL (≥ 190 mg/dL) (fasting)" in text
    assert "Flow chart of the workup" in text
    assert "Atorvastatin 40 mg" in text
    assert "A saying of our fictional attending." in text


def test_render_markdown_money_is_not_math() -> None:
    rendered = render_markdown("It costs $5 and $10 a month.")
    assert rendered.text == "It costs $5 and $10 a month."


def test_render_markdown_relative_urls_resolve_against_base_url() -> None:
    source = "[next](../next/) ![chart](img/c.png) <img src='raw.png' alt='raw'>"
    with_base = render_markdown(source, "https://clinic.example.org/blog/post/").html
    assert 'href="https://clinic.example.org/blog/next/"' in with_base
    assert 'src="https://clinic.example.org/blog/post/img/c.png"' in with_base
    assert 'src="https://clinic.example.org/blog/post/raw.png"' in with_base
    without = render_markdown(source).html
    assert "<a rel=" in without
    assert "href" not in without
    assert '<span class="image-alt">chart</span>' in without
    assert "raw.png" not in without


def test_render_markdown_makes_hostile_markup_inert() -> None:
    source = (
        "<script>alert(1)</script>\n\n"
        '<p onclick="steal()">Hello <img src="https://x.example/a.png" onerror="alert(2)"></p>\n\n'
        '[click](javascript:alert(3)) <a href="javascript:alert(4)">here</a> '
        '<a href="JaVaScRiPt:alert(5)">x</a>\n\n'
        '<svg onload="alert(6)"><circle r="3"/></svg> <iframe src="https://evil.example"></iframe>\n\n'
        '<style>body{display:none}</style><form action="/x"><input name="q"></form>\n'
    )
    rendered = render_markdown(source)
    html = rendered.html.lower()
    for needle in ("<script", "onclick", "onerror", "onload", "<svg", "<iframe", "<style",
                   "<form", "<input", "alert(1)", "alert(6)"):  # fmt: skip
        assert needle not in html, needle
    # `[click](javascript:...)` is no link in CommonMark: it stays as inert text.
    assert not re.search(r"=\s*\"?\s*javascript:", html)
    assert "hello" in html
    assert "alert(1)" not in rendered.text
    assert "display:none" not in rendered.text


def test_latex_to_text_reads_common_symbols() -> None:
    assert latex_to_text(r"\leq") == "≤"
    assert latex_to_text(r"x \times 10^{3}") == "x × 103"
