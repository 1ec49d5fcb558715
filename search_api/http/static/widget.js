/* medsearch widget: a search box with a results panel for any site.
 *
 * Served at /widget.js after core.js. Paste on a page:
 *
 *   <div id="medsearch-widget"></div>
 *   <script src="https://search.example.org/widget.js" data-endpoint="https://search.example.org"></script>
 *
 * Options, as data attributes on the placeholder (or on the script tag for every widget):
 *   data-endpoint     the API's base URL (default: where widget.js came from)
 *   data-results      how many results the panel shows (default 5, at most 20)
 *   data-placeholder  text in the empty search box
 *   data-label        the box's accessible name (default "Search articles")
 *   data-article-url  where a result links, with {id} (default: ENDPOINT/read/{id})
 *   data-search-url   the "see all" link, with {q} (default: ENDPOINT/?q={q})
 *
 * The widget lives in a shadow root, so the page's styles do not reach it and its styles do
 * not leak out. Theme it with CSS custom properties on the placeholder or any ancestor:
 * --medsearch-accent, --medsearch-accent-text, --medsearch-bg, --medsearch-text,
 * --medsearch-muted, --medsearch-border, --medsearch-mark, --medsearch-radius,
 * --medsearch-font, --medsearch-z.
 */
(function (root) {
  "use strict";
  const core = root.medsearchCore;
  const script = document.currentScript;
  if (root.MedsearchWidget || !core) {
    return;
  }

  const SELECTOR = "#medsearch-widget, [data-medsearch-widget]";
  const DEFAULT_RESULTS = 5;
  const MAX_RESULTS = 20;
  const TYPE_DELAY_MS = 250;
  const MIN_CHARS = 2;

  const CSS = `
:host {
  display: block;
  position: relative;
  font: var(--medsearch-font, inherit);
  color: var(--medsearch-text, inherit);
  --ms-accent: var(--medsearch-accent, #0b5f86);
  --ms-accent-text: var(--medsearch-accent-text, #ffffff);
  --ms-bg: var(--medsearch-bg, #ffffff);
  --ms-text: var(--medsearch-text, #1b2430);
  --ms-muted: var(--medsearch-muted, #5a6474);
  --ms-border: var(--medsearch-border, #cfd6de);
  --ms-mark: var(--medsearch-mark, #ffec99);
  --ms-radius: var(--medsearch-radius, 8px);
}
:host([hidden]), [hidden] { display: none !important; }
*, *::before, *::after { box-sizing: border-box; }
.ms-form { display: flex; gap: 0; margin: 0; }
.ms-input {
  flex: 1 1 auto; min-width: 0; font: inherit; color: var(--ms-text); background: var(--ms-bg);
  padding: 0.55em 0.75em; border: 1px solid var(--ms-border); border-right: 0;
  border-radius: var(--ms-radius) 0 0 var(--ms-radius); margin: 0;
}
.ms-input::-webkit-search-cancel-button { cursor: pointer; }
.ms-button {
  flex: 0 0 auto; display: inline-flex; align-items: center; justify-content: center;
  font: inherit; padding: 0 0.9em; margin: 0; cursor: pointer;
  background: var(--ms-accent); color: var(--ms-accent-text); border: 1px solid var(--ms-accent);
  border-radius: 0 var(--ms-radius) var(--ms-radius) 0;
}
.ms-button svg { width: 1.1em; height: 1.1em; }
.ms-input:focus-visible, .ms-button:focus-visible, .ms-result:focus-visible, .ms-more:focus-visible {
  outline: 3px solid var(--ms-accent); outline-offset: 2px;
}
.ms-panel {
  position: absolute; z-index: var(--medsearch-z, 1000); top: calc(100% + 6px); left: 0; right: 0;
  min-width: min(20rem, 100vw - 1rem); max-height: min(32rem, 75vh); overflow-y: auto;
  background: var(--ms-bg); color: var(--ms-text); border: 1px solid var(--ms-border);
  border-radius: var(--ms-radius); box-shadow: 0 10px 30px rgb(0 0 0 / 0.15); text-align: left;
}
.ms-status { margin: 0; padding: 0.6em 0.9em; color: var(--ms-muted); font-size: 0.875em; }
.ms-status.ms-error { color: #a11d1d; }
.ms-results { list-style: none; margin: 0; padding: 0; }
.ms-results li + li { border-top: 1px solid var(--ms-border); }
.ms-result { display: block; padding: 0.65em 0.9em; color: inherit; text-decoration: none; }
.ms-result:hover, .ms-result:focus { background: color-mix(in srgb, var(--ms-accent) 9%, var(--ms-bg)); }
.ms-title { display: block; font-weight: 600; color: var(--ms-accent); line-height: 1.3; }
.ms-meta { display: block; font-size: 0.8em; color: var(--ms-muted); margin: 0.15em 0 0.25em; }
.ms-snippet { display: block; font-size: 0.875em; line-height: 1.45; overflow-wrap: anywhere; }
mark { background: var(--ms-mark); color: inherit; padding: 0 0.1em; border-radius: 2px; }
.ms-more {
  display: block; padding: 0.6em 0.9em; font-size: 0.875em; font-weight: 600;
  color: var(--ms-accent); border-top: 1px solid var(--ms-border); text-decoration: none;
}
.ms-more:hover { text-decoration: underline; }
.ms-sr {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
`;

  let widgetCount = 0;

  function trimSlash(url) {
    return String(url || "").replace(/\/+$/, "");
  }

  function scriptOption(name) {
    return script && script.dataset ? script.dataset[name] || "" : "";
  }

  function scriptOrigin() {
    try {
      return script && script.src ? new URL(script.src).origin : "";
    } catch (error) {
      return "";
    }
  }

  function addStyles(shadow) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } catch (error) {
      const style = document.createElement("style");
      style.textContent = CSS;
      shadow.appendChild(style);
    }
  }

  function searchIcon(doc) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = doc.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const circle = doc.createElementNS(ns, "circle");
    circle.setAttribute("cx", "10.5");
    circle.setAttribute("cy", "10.5");
    circle.setAttribute("r", "6.5");
    const line = doc.createElementNS(ns, "path");
    line.setAttribute("d", "M15.5 15.5 21 21");
    for (const shape of [circle, line]) {
      shape.setAttribute("fill", "none");
      shape.setAttribute("stroke", "currentColor");
      shape.setAttribute("stroke-width", "2.5");
      shape.setAttribute("stroke-linecap", "round");
      svg.appendChild(shape);
    }
    return svg;
  }

  /** Put a search widget into `host` (an element); `options` override its data attributes. */
  function mount(host, options) {
    if (!host || host.shadowRoot || host.dataset.medsearchMounted) {
      return null;
    }
    host.dataset.medsearchMounted = "true";
    const opts = Object.assign({}, options || {});
    const data = host.dataset;
    const endpoint = trimSlash(opts.endpoint || data.endpoint || scriptOption("endpoint") || scriptOrigin());
    const wanted = parseInt(opts.results || data.results || scriptOption("results") || DEFAULT_RESULTS, 10);
    const limit = Math.min(MAX_RESULTS, Math.max(1, Number.isFinite(wanted) ? wanted : DEFAULT_RESULTS));
    const articleUrl = opts.articleUrl || data.articleUrl || scriptOption("articleUrl") || endpoint + "/read/{id}";
    const searchUrl = opts.searchUrl || data.searchUrl || scriptOption("searchUrl") || endpoint + "/?q={q}";
    const label = opts.label || data.label || scriptOption("label") || "Search articles";
    const placeholder = opts.placeholder || data.placeholder || scriptOption("placeholder") || label + "…";

    const doc = host.ownerDocument;
    const el = core.el.bind(null, doc);
    const shadow = host.attachShadow({ mode: "open" });
    addStyles(shadow);
    widgetCount += 1;
    const uid = "medsearch-" + widgetCount;

    const input = el("input", {
      id: uid + "-q",
      class: "ms-input",
      part: "input",
      type: "search",
      autocomplete: "off",
      spellcheck: "false",
      maxlength: "1000",
      placeholder: placeholder,
      "aria-controls": uid + "-panel",
      "aria-expanded": "false",
    });
    const button = el("button", { type: "submit", class: "ms-button", part: "button", "aria-label": "Search" }, [
      searchIcon(doc),
    ]);
    const form = el("form", { class: "ms-form", role: "search", part: "form" }, [
      el("label", { class: "ms-sr", for: uid + "-q" }, [label]),
      input,
      button,
    ]);
    const status = el("p", { class: "ms-status", part: "status" });
    const list = el("ol", { class: "ms-results", "aria-label": "Results" });
    const more = el("a", { class: "ms-more", part: "more", hidden: true });
    const panel = el("div", { id: uid + "-panel", class: "ms-panel", part: "panel", hidden: true }, [
      status,
      list,
      more,
    ]);
    const announcer = el("p", { class: "ms-sr", role: "status", "aria-live": "polite" });
    shadow.append(form, panel, announcer);

    let controller = null;
    let shownQuery = null;

    function linkFor(template, key, value) {
      return template.split(key).join(encodeURIComponent(value).replace(/%2F/g, "/"));
    }

    function open() {
      panel.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      panel.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("ms-error", !!isError);
      announcer.textContent = text;
    }

    function render(query, body) {
      list.replaceChildren();
      const total = body.total || 0;
      const results = Array.isArray(body.results) ? body.results : [];
      say(
        total
          ? total + (total === 1 ? " result" : " results") + " for “" + query + "”"
          : "No results for “" + query + "”",
      );
      for (const hit of results) {
        const title = el("span", { class: "ms-title" });
        if (typeof hit.title_html === "string" && hit.title_html) {
          core.appendHighlighted(title, hit.title_html);
        } else {
          title.textContent = hit.title || hit.id;
        }
        const meta = [hit.author, core.formatDate(hit.date, "short")].filter(Boolean).join(" · ");
        list.append(
          el("li", {}, [
            el("a", { class: "ms-result", part: "result", href: linkFor(articleUrl, "{id}", hit.id) }, [
              title,
              meta ? el("span", { class: "ms-meta" }, [meta]) : null,
              core.appendHighlighted(el("span", { class: "ms-snippet" }), hit.snippet),
            ]),
          ]),
        );
      }
      more.hidden = total <= results.length;
      if (!more.hidden) {
        more.href = linkFor(searchUrl, "{q}", query);
        more.textContent = "See all " + total + " results";
      }
      open();
    }

    async function search(text) {
      const query = text.trim();
      if (query.length < MIN_CHARS) {
        if (controller) {
          controller.abort();
        }
        shownQuery = null;
        close();
        return;
      }
      if (query === shownQuery) {
        open();
        return;
      }
      if (controller) {
        controller.abort();
      }
      const mine = new AbortController();
      controller = mine;
      try {
        const body = await core.getJSON(
          endpoint + "/search" + core.queryString({ q: query, per_page: limit }),
          mine.signal,
        );
        if (mine === controller) {
          shownQuery = query;
          render(query, body);
        }
      } catch (error) {
        if (error.name === "AbortError" || mine !== controller) {
          return;
        }
        shownQuery = null;
        list.replaceChildren();
        more.hidden = true;
        if (error.status === 0) {
          say("Search is not available right now.", true);
          // A refused cross-origin request looks like a network failure to scripts; tell the
          // site's developer the likely cause.
          console.warn(
            "medsearch widget: could not reach " + endpoint + ". If the service is up, add " +
              location.origin + " to its MEDSEARCH_CORS_ORIGINS setting.",
          );
        } else {
          say(error.detail, true);
        }
        open();
      }
    }

    const searchSoon = core.debounce(search, TYPE_DELAY_MS);

    function resultLinks() {
      return Array.from(list.querySelectorAll("a.ms-result")).concat(more.hidden ? [] : [more]);
    }

    input.addEventListener("input", () => searchSoon(input.value));
    function reopen() {
      if (panel.hidden && shownQuery !== null && shownQuery === input.value.trim()) {
        open();
        return true;
      }
      return false;
    }

    input.addEventListener("click", reopen);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      searchSoon.cancel();
      shownQuery = null;
      search(input.value);
    });
    shadow.addEventListener("keydown", (event) => {
      const links = resultLinks();
      const index = links.indexOf(shadow.activeElement);
      if (event.key === "Escape" && !panel.hidden) {
        event.preventDefault();
        close();
        input.focus();
      } else if (event.key === "ArrowDown" && panel.hidden && shadow.activeElement === input) {
        if (reopen()) {
          event.preventDefault();
        }
      } else if (event.key === "ArrowDown" && !panel.hidden && links.length) {
        event.preventDefault();
        links[Math.min(index + 1, links.length - 1)].focus();
      } else if (event.key === "ArrowUp" && index >= 0) {
        event.preventDefault();
        (index === 0 ? input : links[index - 1]).focus();
      }
    });
    // Close when focus or a click goes elsewhere on the page.
    shadow.addEventListener("focusout", (event) => {
      if (!event.relatedTarget || !shadow.contains(event.relatedTarget)) {
        close();
      }
    });
    doc.addEventListener("click", (event) => {
      if (!event.composedPath().includes(host)) {
        close();
      }
    });

    return { host: host, search: search, close: close };
  }

  function mountAll() {
    for (const host of document.querySelectorAll(SELECTOR)) {
      mount(host, {});
    }
  }

  root.MedsearchWidget = Object.freeze({ mount: mount, mountAll: mountAll });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})(window);
