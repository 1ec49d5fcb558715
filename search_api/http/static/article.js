/* The article page (/read/{id}): the article as text, and the related articles under it. */
(function () {
  "use strict";
  const core = window.medsearchCore;
  const doc = document;
  const el = core.el.bind(null, doc);
  const byId = (id) => doc.getElementById(id);

  const RELATED_LIMIT = 3;
  // The API's body keeps paragraphs but not heading marks; a short line standing alone with no
  // closing punctuation was a heading in the Markdown, so it is shown like one.
  const SUBHEAD = /^[^\n]{1,80}$/;
  const CLOSING_PUNCTUATION = /[.,;:!…"”)]$/;
  // Paragraph lines all shorter than this were list items, not prose wrapped in the editor.
  const LIST_LINE = 60;

  const status = byId("status");
  const message = byId("message");

  function articleId() {
    const path = location.pathname.replace(/^\/read\/?/, "");
    try {
      return path.split("/").map(decodeURIComponent).join("/");
    } catch (error) {
      return "";
    }
  }

  function setUpBackLink() {
    const back = byId("back-link");
    let from = null;
    try {
      from = doc.referrer ? new URL(doc.referrer) : null;
    } catch (error) {
      from = null;
    }
    if (!from || from.origin !== location.origin || from.pathname !== "/") {
      return;
    }
    back.href = from.pathname + from.search;
    back.textContent = from.search ? "‹ Back to results" : "‹ Back to search";
    back.addEventListener("click", function (event) {
      if (event.button === 0 && !(event.metaKey || event.ctrlKey || event.shiftKey) && history.length > 1) {
        event.preventDefault();
        history.back();
      }
    });
  }

  function tagLink(tag, features) {
    const href = "/" + core.queryString(features.tag ? { tag: tag } : { q: tag });
    return el("li", {}, [el("a", { href: href, class: "tag" }, [tag])]);
  }

  function renderBody(container, body) {
    let previous = "";
    for (const block of String(body || "").split(/\n\s*\n/)) {
      const text = block.trim();
      if (!text) {
        continue;
      }
      const lines = text.split("\n");
      const short = lines.every((line) => line.length < LIST_LINE);
      if (lines.length > 1 && (previous.endsWith(":") || short)) {
        // A Markdown list: the API keeps one item a line.
        container.append(el("ul", { class: "body-list" }, lines.map((line) => el("li", {}, [line]))));
      } else {
        // Other line breaks inside a paragraph are Markdown soft breaks: spaces when shown.
        const joined = lines.join(" ");
        const subhead = SUBHEAD.test(joined) && !CLOSING_PUNCTUATION.test(joined);
        container.append(el("p", { class: subhead ? "subhead" : null }, [joined]));
      }
      previous = text;
    }
  }

  function renderArticle(article, features) {
    doc.title = article.title + " – medsearch";
    byId("article-title").textContent = article.title;
    const meta = byId("article-meta");
    if (article.author) {
      meta.append("By ", el("span", { class: "author" }, [article.author]));
    }
    if (article.date) {
      meta.append(el("time", { datetime: article.date }, [core.formatDate(article.date)]));
    }
    const tags = byId("article-tags");
    for (const tag of article.tags || []) {
      tags.append(tagLink(tag, features));
    }
    tags.hidden = !(article.tags || []).length;
    const lead = byId("article-summary");
    lead.textContent = article.summary || "";
    lead.hidden = !article.summary;
    renderBody(byId("article-body"), article.body);
    byId("article").hidden = false;
    status.textContent = "";
    status.hidden = true;
  }

  function renderRelated(data) {
    const list = byId("related-list");
    const results = (data && Array.isArray(data.results) ? data.results : []).slice(0, RELATED_LIMIT);
    for (const item of results) {
      const meta = el("p", { class: "meta" }, [
        item.author ? el("span", { class: "author" }, [item.author]) : null,
        item.date ? el("time", { datetime: item.date }, [core.formatDate(item.date, "short")]) : null,
      ]);
      // The API sends the excerpt as plain text (the summary or the opening words).
      const excerpt = el("p", { class: "snippet" }, [item.excerpt || ""]);
      list.append(
        el("li", { class: "related-item" }, [
          el("h3", { class: "result-title" }, [
            el("a", { href: core.articlePath(item.id) }, [item.title || item.id]),
          ]),
          meta,
          excerpt,
        ]),
      );
    }
    byId("related").hidden = results.length === 0;
  }

  function renderError(error) {
    doc.title = "Article not available – medsearch";
    status.textContent = error.status === 404 ? "This article was not found." : "The article could not be loaded.";
    message.append(
      el("div", { class: "error", role: "alert" }, [
        el("p", { class: "error-detail" }, [error.detail || String(error.message || error)]),
        el("p", {}, [el("a", { href: "/" }, ["Search the articles"])]),
      ]),
    );
  }

  async function loadRelated(path) {
    try {
      renderRelated(await core.getJSON(path + "/related" + core.queryString({ limit: RELATED_LIMIT })));
    } catch (error) {
      // Related articles are extra reading; the article itself is already on the page.
      byId("related").hidden = true;
    }
  }

  async function start() {
    setUpBackLink();
    const id = articleId();
    const features = await core.features("");
    try {
      if (!id) {
        throw new core.ApiError(404, "No article was named in the address.");
      }
      const path = "/articles/" + core.encodeId(id);
      renderArticle(await core.getJSON(path), features);
      if (features.related) {
        await loadRelated(path);
      }
    } catch (error) {
      renderError(error);
    } finally {
      doc.documentElement.dataset.ready = "true";
    }
  }

  start();
})();
