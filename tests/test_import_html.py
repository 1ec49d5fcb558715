"""Importing saved web pages: metadata, main text without site boilerplate, contents pages skipped.

The pages are written here in the shapes of real ones (a public-health journal's Spanish pages
with metadata only in the visible text, a clinic blog with citation_* and Open Graph tags); the
prose, names and sites are made up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import html as lxml_html

from indexer.importers.html import clean_name, import_html, page_url, read_metadata
from indexer.importers.items import ImportedArticle, Skipped
from indexer.importers.writer import write_articles
from indexer.markdown import render_markdown

SITE_HEADER = """
<div id="skip"><a href="#content">Saltar al contenido</a></div>
<header><div class="logo">Revista de Salud Ficticia</div>
<form action="/buscar"><input name="q"/><button>Buscar</button></form>
<nav><ul><li><a href="/">Inicio</a></li><li><a href="/numeros">Números</a></li>
<li><a href="/autores">Para autores</a></li><li><a href="/contacto">Contacto</a></li></ul></nav>
</header>
"""
SITE_FOOTER = """
<div class="tools"><h3>Herramientas</h3><ul><li><a href="mailto:x@example.org">Enviar</a></li>
<li><a href="#print">Imprimir</a></li></ul></div>
<p>Las opiniones expresadas por los autores que colaboran en esta revista ficticia no son
necesariamente compartidas por la editorial ni por las instituciones a las que pertenecen.</p>
<footer><p>Esta página fue revisada el 2 de mayo de 2013. Editorial Ficticia, Calle Falsa 123,
Villarriba. Teléfono 555-0100.</p><div class="az"><a href="/a">A</a> <a href="/b">B</a>
<a href="/c">C</a></div></footer>
<script>var tracker = "analytics"; sendBeacon(tracker);</script>
"""


def journal_page(number: int, date: str, title: str, authors: str, topic: str) -> str:
    """A page shaped like the journal's: an empty <h1>, a dateline, a nav box, references."""
    paragraphs = "".join(
        f"<p>El estudio {number} analizó {topic} en adultos de la región durante varios años. "
        f"Los resultados sobre {topic} muestran diferencias claras entre los grupos de edad, "
        f"y la sección {section} resume lo que encontramos con detalle suficiente.</p>"
        for section in ("uno", "dos", "tres")
    )
    return f"""<!DOCTYPE html><html lang="es"><head>
<meta charset="utf-8"/><title>Revista Ficticia: Volumen 10, 2013: {number}</title>
<meta content="spa" name="DC.Language"/><meta content="" name="Description"/>
</head><body>{SITE_HEADER}<h1></h1>
<div id="content-main"><div class="dateline"><p>Volumen 10 — {date}</p></div>
<div class="syndicate"><h3 class="h3"><span class="featuretext">INVESTIGACIÓN ORIGINAL</span></h3>
<h1>{title}</h1>
<div class="nav-box"><h4>Navegar por este artículo</h4></div>
<h4>{authors}</h4>
<p class="smallgrey"><i>Citación sugerida para este artículo:</i> Autor A. {title}. Rev Fict
2013;10:{number}.</p>
<p>REVISADO POR EXPERTOS</p>
<h2>Introducción</h2>{paragraphs}
<h2>Métodos</h2><ul><li>Encuesta sobre {topic}<ul><li>telefónica</li><li>en persona</li></ul>
</li><li>Registros clínicos</li></ul>
<p>Los casos de {topic} por edad están en la <a href="#tabla1">tabla 1</a> de este estudio.
</p><p><a href="#top">Inicio de la página</a></p>
<h5><a href="#tabla1-arriba"><img src="/imagenes/flecha.gif" alt="Volver al texto"/></a>Tabla 1.
Casos de {topic} por grupo</h5>
<table><tr><th>Grupo</th><th>Casos</th></tr><tr><td>18-44</td><td>{number}</td></tr></table>
<h2>Datos sobre los autores</h2><p>Autor responsable de la correspondencia: Nadie Ficticio,
Universidad Inventada, Villarriba.</p>
<h2>Referencias</h2><ol><li>Fulano F. Un libro inventado sobre {topic}. Villarriba; 2001.</li>
<li>Mengano M. Otro artículo inventado. Rev Fict 2005;1:1–9.</li></ol>
</div></div>{SITE_FOOTER}</body></html>"""


BLOG_PAGE = """<!DOCTYPE html><html><head><title>Living with cluster headache | Quill Clinic</title>
<meta name="citation_title" content="Living with cluster headache"/>
<meta name="citation_author" content="Mara Quill, MD"/>
<meta name="citation_author" content="Tobias Fenn"/>
<meta name="citation_publication_date" content="2021/05/04"/>
<meta name="keywords" content="cluster headache, oxygen"/>
<meta name="description" content="What helps during an attack, and what to bring to a visit."/>
<link rel="canonical" href="https://quill-clinic.example.org/blog/living-with-cluster-headache/"/>
</head><body><nav><a href="/">Home</a> <a href="/blog">Blog</a></nav>
<article><h1>Living with cluster headache</h1>
<p>Cluster headache attacks are short and severe, and they come in bouts that last weeks. Our
patients tell us that planning ahead is what makes a bout bearable, so this post lists what we
suggest, why it helps, and what to bring to your next appointment.</p>
<h2>What helps during an attack</h2>
<p>High-flow oxygen through a non-rebreather mask stops many attacks within fifteen minutes.
See the <a href="/guides/oxygen">oxygen guide</a> for the flow rates we prescribe.</p>
<p><img src="/img/mask.png" alt="A non-rebreather oxygen mask"/></p>
<blockquote><p>The first bout was the worst because I did not know what it was.</p></blockquote>
<h2>What to bring</h2><ol><li>Your attack diary</li><li>A list of medicines</li></ol>
</article>
<div class="share">Share on Facebook · Share on X</div>
<section id="comments"><h3>Comments</h3><p>Great post! Thanks, from a reader.</p></section>
<footer>© Quill Clinic. All rights reserved.</footer></body></html>"""

CONTENTS_PAGE = (
    """<!DOCTYPE html><html><head><title>Current Volume | Revista</title>
<meta content="2023-12-22T01:36:38Z" name="DC.date"/></head><body>
<h1 class="page-title">Volume 20 2023</h1><h1>Table of Contents</h1>
<h3>December</h3>"""
    + "".join(
        f'<p class="toc"><span>E{n}:</span> <a href="23_{n:04d}.htm">Made-up article number {n} '
        f"about health</a></p><p>Author A. Made-up article number {n}. Rev Fict 2023;20:{n}.</p>"
        for n in range(1, 40)
    )
    + "</body></html>"
)

HOSTILE_PAGE = """<!DOCTYPE html><html><head><title>Hostile page</title>
<meta name="citation_title" content="Migraine diary tips"/>
<meta name="citation_author" content="Ana Ortiz"/></head><body><article>
<h1>Migraine diary tips</h1>
<p>Keep a diary of every attack for three months: the day, the time it started, what you ate,
how you slept, and which medicine you took. Patterns show up after a few weeks of notes.</p>
<script>alert('script')</script>
<p>Read the <a href="javascript:alert('link')">printable diary</a> or
<a href="https://clinic.example.org/diary.pdf" onclick="alert('click')">download it</a>.</p>
<p><img src="https://clinic.example.org/d.png" alt="A diary page" onerror="alert('img')"/></p>
<svg onload="alert('svg')"><circle r="4"></circle></svg>
<p>Bring the diary to your appointment so that we can look at the patterns together and decide
what to change first: sleep, meals, or the medicine you take when an attack starts.</p>
</article></body></html>"""

TOPICS = ["la diabetes", "la obesidad", "la hipertensión", "el tabaquismo", "la salud bucal"]


def write_site(folder: Path) -> Path:
    site = folder / "site"
    issues = site / "pcd" / "issues" / "2013"
    issues.mkdir(parents=True)
    for number, topic in enumerate(TOPICS, start=1):
        page = journal_page(
            number,
            f"el {number + 10} de marzo de 2013",
            f"Un estudio inventado sobre {topic}",
            f"Ana María Ortiz, PhD; Bruno K. Lemos, MD, MPH; Carla Nunes, MS {number}".replace(
                f" {number}", ""
            ),
            topic,
        )
        (issues / f"12_{number:04d}_es.htm").write_text(page, encoding="utf-8")
    (site / "pcd" / "issues" / "2023").mkdir(parents=True)
    (site / "pcd" / "issues" / "2023" / "2023_TOC.htm").write_text(CONTENTS_PAGE)
    (site / "blog.html").write_text(BLOG_PAGE)
    (site / "hostile.html").write_text(HOSTILE_PAGE)
    return site


def _by_title(items: list[ImportedArticle | Skipped]) -> dict[str, ImportedArticle]:
    return {item.title: item for item in items if isinstance(item, ImportedArticle)}


def test_import_html_reads_visible_dateline_title_and_authors(tmp_path: Path) -> None:
    items = list(import_html(write_site(tmp_path), "https://revista.example.org/"))
    article = _by_title(items)["Un estudio inventado sobre la obesidad"]
    assert article.date == dt.date(2013, 3, 12)
    assert article.authors == ("Ana María Ortiz", "Bruno K. Lemos", "Carla Nunes")
    assert article.url == "https://revista.example.org/pcd/issues/2013/12_0002_es.htm"


def test_import_html_keeps_structure_and_drops_boilerplate(tmp_path: Path) -> None:
    items = list(import_html(write_site(tmp_path), "https://revista.example.org/"))
    markdown = _by_title(items)["Un estudio inventado sobre la diabetes"].markdown
    assert markdown.startswith("## Introducción\n\nEl estudio 1 analizó la diabetes")
    assert (
        "- Encuesta sobre la diabetes\n  - telefónica\n  - en persona\n- Registros clínicos"
        in markdown
    )
    assert "| Grupo | Casos |" in markdown
    assert "Los casos de la diabetes por edad están en la tabla 1 de este estudio.\n" in markdown
    assert "##### Tabla 1. Casos de la diabetes por grupo" in markdown
    for boilerplate in (
        "Las opiniones expresadas",  # repeated on every page of the import
        "REVISADO POR EXPERTOS",
        "Citación sugerida",  # citation block
        "Un libro inventado",  # reference list
        "Autor responsable",  # affiliations
        "Navegar por este artículo",  # a heading left empty
        "Volumen 10",  # the dateline the date came from
        "Ana María Ortiz",  # the author line
        "INVESTIGACIÓN ORIGINAL",  # the kicker above the title
        "Herramientas", "Inicio", "Buscar", "revisada el", "analytics",
        "Volver al texto", "flecha.gif",  # an icon on every page
        "](https://revista",  # in-page links lead nowhere in the article

    ):  # fmt: skip
        assert boilerplate not in markdown, boilerplate


def test_import_html_reads_citation_metadata(tmp_path: Path) -> None:
    items = list(import_html(write_site(tmp_path)))
    article = _by_title(items)["Living with cluster headache"]
    assert article.date == dt.date(2021, 5, 4)
    assert article.authors == ("Mara Quill", "Tobias Fenn")
    assert article.tags == ("cluster headache", "oxygen")
    assert article.summary == "What helps during an attack, and what to bring to a visit."
    assert article.url == "https://quill-clinic.example.org/blog/living-with-cluster-headache/"
    assert "[oxygen guide](https://quill-clinic.example.org/guides/oxygen)" in article.markdown
    assert (
        "![A non-rebreather oxygen mask](https://quill-clinic.example.org/img/mask.png)"
        in article.markdown
    )
    assert "> The first bout was the worst" in article.markdown
    assert "1. Your attack diary\n2. A list of medicines" in article.markdown
    for noise in ("Share on", "Great post", "All rights reserved", "Home"):
        assert noise not in article.markdown


def test_import_html_skips_a_contents_page_with_its_reason(tmp_path: Path) -> None:
    items = list(import_html(write_site(tmp_path)))
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [(Path(s.source).name, s.kind) for s in skipped] == [("2023_TOC.htm", "contents page")]
    assert skipped[0].reason == "a table of contents, not an article (heading 'Table of Contents')"
    assert len(items) == len(TOPICS) + 3


def test_import_html_page_with_scripts_and_handlers_renders_inert(tmp_path: Path) -> None:
    items = list(import_html(write_site(tmp_path)))
    article = _by_title(items)["Migraine diary tips"]
    html = render_markdown(article.markdown).html.lower()
    for needle in ("<script", "alert(", "onerror", "onclick", "onload", "javascript:", "<svg"):
        assert needle not in html, needle
    assert '<img src="https://clinic.example.org/d.png" alt="a diary page">' in html
    assert "printable diary" in html


def test_import_html_second_run_changes_nothing(tmp_path: Path) -> None:
    site = write_site(tmp_path)
    out = tmp_path / "corpus"
    first = write_articles(import_html(site, "https://revista.example.org/"), out)
    assert (len(first.added), len(first.skipped)) == (len(TOPICS) + 2, 1)
    stamps = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}
    second = write_articles(import_html(site, "https://revista.example.org/"), out)
    assert (second.added, second.updated, len(second.unchanged)) == ([], [], len(TOPICS) + 2)
    assert {path.name: path.stat().st_mtime_ns for path in out.iterdir()} == stamps
    assert sorted(stamps)[:2] == ["12-0001-es.md", "12-0002-es.md"]


def test_clean_name_drops_degrees_only() -> None:
    assert clean_name("Catherine A. Okoro, PhD, MS") == "Catherine A. Okoro"
    assert clean_name("Deborah L. Fuller, DMD, MS") == "Deborah L. Fuller"
    assert clean_name("Martin Luther King, Jr.") == "Martin Luther King, Jr"
    assert clean_name("John Doe, III") == "John Doe, III"
    assert clean_name("Ana Ortiz") == "Ana Ortiz"


def test_page_url_from_base_url_or_wget_host_folder(tmp_path: Path) -> None:
    page = tmp_path / "clinic.example.org" / "blog" / "post.html"
    assert page_url(page, tmp_path, "") == "https://clinic.example.org/blog/post.html"
    assert page_url(page, tmp_path / "clinic.example.org", "") == ""
    assert (
        page_url(page, tmp_path / "clinic.example.org", "https://clinic.example.org")
        == "https://clinic.example.org/blog/post.html"
    )


def test_read_metadata_visible_byline_and_time_without_meta_tags() -> None:
    page = (
        "<html><head><title>Sleep | Blog</title></head><body><main><h1>Sleep and migraine</h1>"
        '<p class="meta">By Ana Ortiz and Ben Cho · <time datetime="2021-05-04">4 May</time></p>'
        "<p>Text.</p></main></body></html>"
    )
    meta = read_metadata(lxml_html.fromstring(page), "https://blog.example.org/sleep")
    assert (meta.title, meta.date, meta.authors) == (
        "Sleep and migraine",
        dt.date(2021, 5, 4),
        ("Ana Ortiz", "Ben Cho"),
    )
    assert meta.url == "https://blog.example.org/sleep"
