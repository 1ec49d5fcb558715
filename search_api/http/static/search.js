/* The search page: reads its state from the URL, asks /search, and renders the results.
 *
 * The URL is the only state (`/?q=botox&tag=treatment&page=2`): every change pushes a history
 * entry and re-renders from it, so the back button, bookmarks and shared links all work.
 * API strings are only ever added as text (or through core.appendHighlighted for <mark>).
 */
(function () {
  "use strict";
  const core = window.medsearchCore;
  const doc = document;
  const el = core.el.bind(null, doc);
  const byId = (id) => doc.getElementById(id);

  const FACETS = [
    { name: "author", label: "Author" },
    { name: "tag", label: "Topic" },
    { name: "year", label: "Year" },
  ];
  const FACET_SHOWN = 8;
  const SUGGESTION_LIMIT = 8;
  const SUGGEST_DELAY_MS = 150;

  const form = byId("search-form");
  const input = byId("q");
  const listbox = byId("suggestions");
  const suggestionStatus = byId("suggestion-status");
  const summary = byId("summary");
  const message = byId("message");
  const resultsList = byId("results");
  const resultsHeading = byId("results-heading");
  const resultsColumn = resultsList.parentElement;
  const pagination = byId("pagination");
  const didYouMean = byId("did-you-mean");
  const filters = byId("filters");
  const filtersToggle = byId("filters-toggle");
  const facetsBox = byId("facets");
  const activeFilters = byId("active-filters");
  const sortControl = byId("sort-control");
  const sortSelect = byId("sort");

  // What the API offers; everything that depends on it waits for this one probe.
  const featuresReady = core.features("");
  let features = {};
  let current = readState("");
  let searchController = null;
  let focusAfterRender = null;
  let documentCount = null;
  let lastFacets = null;
  const expandedFacets = new Set();

  // ---- state <-> URL -------------------------------------------------------------------

  function readState(search) {
    const params = new URLSearchParams(search);
    const page = parseInt(params.get("page") || "1", 10);
    return {
      q: params.get("q") || "",
      author: params.get("author") || "",
      tag: params.get("tag") || "",
      from: params.get("from") || "",
      to: params.get("to") || "",
      sort: params.get("sort") === "date" ? "date" : "",
      page: Number.isFinite(page) && page > 1 ? page : 1,
    };
  }

  function stateURL(state) {
    return (
      "/" +
      core.queryString({
        q: state.q,
        author: state.author,
        tag: state.tag,
        from: state.from,
        to: state.to,
        sort: state.sort,
        page: state.page > 1 ? state.page : "",
      })
    );
  }

  /** Show `changes` applied to the current state; a new history entry unless nothing changed. */
  function navigate(changes) {
    const next = Object.assign({}, current, { page: 1 }, changes);
    const url = stateURL(next);
    if (url === location.pathname + location.search) {
      history.replaceState(null, "", url);
    } else {
      history.pushState(null, "", url);
    }
    show(next);
  }

  function hasFilters(state) {
    return !!(state.author || state.tag || state.from || state.to);
  }

  function yearOf(state) {
    const match = /^(\d{4})-01-01$/.exec(state.from);
    return match && state.to === match[1] + "-12-31" ? match[1] : "";
  }

  // ---- searching -----------------------------------------------------------------------

  async function show(state, initial) {
    current = state;
    features = await featuresReady;
    if (current !== state) {
      return; // a newer state arrived while waiting
    }
    // A reader who started typing before the page finished loading keeps what they typed.
    const typedFirst = initial && doc.activeElement === input && input.value !== "";
    if (!typedFirst) {
      if (doc.activeElement !== input || input.value.trim() !== state.q.trim()) {
        input.value = state.q;
      }
      closeSuggestions();
    }
    sortSelect.value = state.sort === "date" ? "date" : "relevance";
    const query = state.q.trim();
    doc.title = (query ? query + " – " : "") + "Search articles – medsearch";
    if (searchController) {
      searchController.abort();
      searchController = null;
      resultsColumn.removeAttribute("aria-busy");
    }
    if (!query && !hasFilters(state)) {
      renderIntro();
      return;
    }
    const params = {
      q: query,
      page: state.page,
      sort: features.sort ? state.sort : "",
      author: features.author ? state.author : "",
      tag: features.tag ? state.tag : "",
      from: features.dates ? state.from : "",
      to: features.dates ? state.to : "",
      facets: features.facets ? FACETS.map((f) => f.name).join(",") : "",
    };
    const controller = new AbortController();
    searchController = controller;
    resultsColumn.setAttribute("aria-busy", "true");
    try {
      const data = await core.getJSON("/search" + core.queryString(params), controller.signal);
      if (controller === searchController) {
        renderResults(state, data);
      }
    } catch (error) {
      if (error.name !== "AbortError" && controller === searchController) {
        renderError(error);
      }
    } finally {
      if (controller === searchController) {
        resultsColumn.removeAttribute("aria-busy");
        searchController = null;
      }
    }
  }

  // ---- rendering -----------------------------------------------------------------------

  function clearResults() {
    message.replaceChildren();
    resultsList.replaceChildren();
    pagination.replaceChildren();
    pagination.hidden = true;
    didYouMean.replaceChildren();
    didYouMean.hidden = true;
  }

  function renderIntro() {
    clearResults();
    renderFacets(null);
    renderActiveFilters();
    summary.textContent = "";
    sortControl.hidden = true;
    const count =
      documentCount === null ? "all articles" : documentCount.toLocaleString() + " articles";
    message.append(
      el("div", { class: "intro" }, [
        el("p", {}, ["Search " + count + " by word, by “phrase in quotes” or with a whole question."]),
        el("p", { class: "intro-examples" }, [
          "Query syntax: ",
          el("code", {}, ["migraine AND sleep"]),
          ", ",
          el("code", {}, ["triptan NOT pregnancy"]),
          ", ",
          el("code", {}, ["title:botox"]),
          ", ",
          el("code", {}, ["migr*"]),
          ".",
        ]),
      ]),
    );
  }

  function quoted(text) {
    return "“" + text + "”";
  }

  function renderResults(state, data) {
    clearResults();
    const query = state.q.trim();
    // When the query found nothing the API may answer for its spelling correction instead.
    const answered =
      data.corrected === true && typeof data.did_you_mean === "string" ? data.did_you_mean : query;
    const total = data.total || 0;
    const perPage = data.per_page || 10;
    const pages = Math.max(1, Math.ceil(total / perPage));
    const noun = total === 1 ? "result" : "results";
    let text = query
      ? (total ? total.toLocaleString() + " " + noun + " for " : "No results for ") + quoted(answered)
      : total.toLocaleString() + (total === 1 ? " article" : " articles");
    if (pages > 1 && data.results.length) {
      text += ", page " + data.page + " of " + pages;
    }
    summary.textContent = text;
    // Without words to rank by, the API lists newest first whatever `sort` says.
    sortControl.hidden = !features.sort || total === 0 || !query;
    renderDidYouMean(data, query);
    renderFacets(data.facets || null);
    renderActiveFilters();

    if (total === 0) {
      renderEmpty(state);
    } else if (!data.results.length) {
      message.append(
        el("div", { class: "notice" }, [
          el("p", {}, ["Page " + data.page + " is past the last page of results. "]),
          navLink({ page: pages }, "Go to the last page", "results"),
        ]),
      );
    }
    const first = (data.page - 1) * perPage + 1;
    resultsList.setAttribute("start", String(first));
    for (const hit of data.results) {
      resultsList.append(renderHit(hit));
    }
    renderPagination(data.page, pages);
    applyFocus();
  }

  function renderHit(hit) {
    const titleLink = el("a", { href: core.articlePath(hit.id), class: "result-link" });
    if (typeof hit.title_html === "string" && hit.title_html) {
      core.appendHighlighted(titleLink, hit.title_html);
    } else {
      titleLink.textContent = hit.title || hit.id;
    }
    const meta = el("p", { class: "meta" }, [
      hit.author ? el("span", { class: "author" }, [hit.author]) : null,
      hit.date
        ? el("time", { datetime: hit.date }, [core.formatDate(hit.date, "short")])
        : null,
    ]);
    const snippet = core.appendHighlighted(el("p", { class: "snippet" }), hit.snippet);
    const tags = (hit.tags || []).length
      ? el(
          "ul",
          { class: "tags", "aria-label": "Topics" },
          hit.tags.map((tag) =>
            el("li", {}, [
              features.tag
                ? navLink({ tag: tag }, tag, "results", "tag")
                : el("span", { class: "tag" }, [tag]),
            ]),
          ),
        )
      : null;
    return el("li", { class: "result" }, [
      el("article", {}, [el("h3", { class: "result-title" }, [titleLink]), meta, snippet, tags]),
    ]);
  }

  function renderDidYouMean(data, query) {
    const suggestion = typeof data.did_you_mean === "string" ? data.did_you_mean.trim() : "";
    if (!suggestion || suggestion === query) {
      return;
    }
    if (data.corrected === true) {
      didYouMean.append(
        el("p", {}, [
          "No results for " + quoted(query) + ". Showing results for ",
          el("strong", {}, [suggestion]),
          ".",
        ]),
      );
    } else {
      didYouMean.append(
        el("p", {}, ["Did you mean ", navLink({ q: suggestion }, suggestion, null, "suggestion"), "?"]),
      );
    }
    didYouMean.hidden = false;
  }

  function renderEmpty(state) {
    const tips = [
      el("li", {}, ["Check the spelling, or try a related word (“headache” instead of “cephalalgia”)."]),
      el("li", {}, ["Use fewer words, or remove quotes around a phrase."]),
    ];
    const box = el("div", { class: "empty" }, [
      el("h3", {}, ["Nothing found"]),
      el("ul", {}, tips),
    ]);
    if (hasFilters(state)) {
      box.append(
        el("p", {}, [
          navLink({ author: "", tag: "", from: "", to: "" }, "Search again without filters", null),
        ]),
      );
    }
    message.append(box);
  }

  function renderError(error) {
    focusAfterRender = null;
    clearResults();
    renderFacets(null);
    // The alert below is announced; a status line too would say the same thing twice.
    summary.textContent = "";
    sortControl.hidden = true;
    const retryable = !error.status || error.status >= 500;
    const box = el("div", { class: "error", role: "alert" }, [
      el("h3", {}, [error.status === 400 ? "Please change the search" : "Search failed"]),
      el("p", { class: "error-detail" }, [error.detail || String(error.message || error)]),
    ]);
    if (retryable) {
      const retry = el("button", { type: "button", class: "button" }, ["Try again"]);
      retry.addEventListener("click", () => show(current));
      box.append(retry);
    }
    message.append(box);
  }

  /** A link to another search state; followed in place (with history) on a plain click. */
  function navLink(changes, text, focusTarget, className) {
    const next = Object.assign({}, current, { page: 1 }, changes);
    const link = el("a", { href: stateURL(next), class: className || null }, [text]);
    link.dataset.nav = "1";
    if (focusTarget) {
      link.dataset.focus = focusTarget;
    }
    return link;
  }

  function renderPagination(page, pages) {
    if (pages <= 1) {
      return;
    }
    const items = [];
    const add = (n, label, rel) => {
      const link = navLink({ page: n }, label, "results", "page-link");
      if (rel) {
        // On a phone the arrow alone is shown; the word stays for screen readers.
        link.replaceChildren(
          rel === "prev" ? "‹" : "",
          el("span", { class: "page-word" }, [rel === "prev" ? " Previous" : "Next "]),
          rel === "next" ? "›" : "",
        );
        link.setAttribute("rel", rel);
      }
      if (n === page && !rel) {
        link.setAttribute("aria-current", "page");
      }
      if (!rel) {
        link.setAttribute("aria-label", "Page " + n);
      }
      items.push(el("li", {}, [link]));
    };
    if (page > 1) {
      add(page - 1, "Previous", "prev");
    }
    let last = 0;
    for (let n = 1; n <= pages; n += 1) {
      if (n === 1 || n === pages || Math.abs(n - page) <= 1) {
        if (n - last > 1) {
          items.push(el("li", { class: "gap", "aria-hidden": "true" }, ["…"]));
        }
        add(n, String(n), null);
        last = n;
      }
    }
    if (page < pages) {
      add(page + 1, "Next", "next");
    }
    pagination.append(el("ul", {}, items));
    pagination.hidden = false;
  }

  function renderFacets(facets) {
    lastFacets = facets;
    facetsBox.replaceChildren();
    const groups = FACETS.filter((f) => facets && Array.isArray(facets[f.name]) && facets[f.name].length);
    if (!groups.length) {
      filters.hidden = true;
      filtersToggle.hidden = true;
      return;
    }
    for (const facet of groups) {
      facetsBox.append(renderFacetGroup(facet, facets[facet.name]));
    }
    filters.hidden = false;
    filtersToggle.hidden = false;
  }

  function renderFacetGroup(facet, values) {
    const headingId = "facet-" + facet.name;
    let shown = values.slice();
    if (facet.name === "year") {
      shown.sort((a, b) => String(b.value).localeCompare(String(a.value)));
    }
    const active = facet.name === "year" ? yearOf(current) : current[facet.name];
    const expanded = expandedFacets.has(facet.name);
    const hidden = expanded ? 0 : Math.max(0, shown.length - FACET_SHOWN);
    if (hidden) {
      shown = shown.slice(0, FACET_SHOWN);
    }
    const list = el(
      "ul",
      { class: "facet-values", "aria-labelledby": headingId },
      shown.map((entry) => {
        const value = String(entry.value);
        const pressed = value === active;
        const button = el(
          "button",
          {
            type: "button",
            class: "facet-value",
            "aria-pressed": pressed ? "true" : "false",
            "data-facet": facet.name,
          },
          [
            el("span", { class: "facet-label" }, [value]),
            el("span", { class: "facet-count" }, [
              el("span", { class: "visually-hidden" }, ["("]),
              String(entry.count),
              el("span", { class: "visually-hidden" }, [entry.count === 1 ? " article)" : " articles)"]),
            ]),
          ],
        );
        button.dataset.value = value;
        return el("li", {}, [button]);
      }),
    );
    const group = el("section", { class: "facet" }, [
      el("h3", { id: headingId, class: "facet-title" }, [facet.label]),
      list,
    ]);
    if (hidden) {
      const more = el("button", { type: "button", class: "facet-more" }, [
        "Show " + hidden + " more",
      ]);
      more.dataset.expand = facet.name;
      group.append(more);
    }
    return group;
  }

  function filterChanges(name, value) {
    if (name === "year") {
      return value ? { from: value + "-01-01", to: value + "-12-31" } : { from: "", to: "" };
    }
    return { [name]: value };
  }

  function renderActiveFilters() {
    activeFilters.replaceChildren();
    const chips = [];
    const year = yearOf(current);
    const chip = (label, changes) =>
      chips.push(
        el("li", {}, [
          (() => {
            const link = navLink(changes, label, "results", "chip");
            link.setAttribute("aria-label", "Remove filter " + label);
            link.append(el("span", { "aria-hidden": "true", class: "chip-x" }, ["×"]));
            return link;
          })(),
        ]),
      );
    if (features.author && current.author) {
      chip("Author: " + current.author, { author: "" });
    }
    if (features.tag && current.tag) {
      chip("Topic: " + current.tag, { tag: "" });
    }
    if (features.dates && year) {
      chip("Year: " + year, { from: "", to: "" });
    } else if (features.dates) {
      if (current.from) {
        chip("From " + current.from, { from: "" });
      }
      if (current.to) {
        chip("Until " + current.to, { to: "" });
      }
    }
    if (chips.length > 1) {
      chips.push(
        el("li", {}, [navLink({ author: "", tag: "", from: "", to: "" }, "Clear all", "results", "clear-all")]),
      );
    }
    activeFilters.append(...chips);
    activeFilters.hidden = chips.length === 0;
  }

  function applyFocus() {
    const target = focusAfterRender;
    focusAfterRender = null;
    if (target === "results") {
      resultsHeading.focus({ preventScroll: true });
      resultsColumn.scrollIntoView({ block: "start" });
    } else if (target && target.facet) {
      const selector = '.facet-value[data-facet="' + target.facet + '"]';
      const match = Array.from(facetsBox.querySelectorAll(selector)).find(
        (b) => b.dataset.value === target.value,
      );
      (match || resultsHeading).focus({ preventScroll: !!match });
    }
  }

  // ---- suggestions (ARIA combobox with a listbox popup) --------------------------------

  let suggestController = null;
  let activeOption = -1;

  const requestSuggestions = core.debounce(async function (text) {
    if (suggestController) {
      suggestController.abort();
    }
    const controller = new AbortController();
    suggestController = controller;
    try {
      const data = await core.getJSON(
        "/suggest" + core.queryString({ q: text, limit: SUGGESTION_LIMIT }),
        controller.signal,
      );
      if (controller === suggestController && input.value === text && doc.activeElement === input) {
        openSuggestions(text, Array.isArray(data.suggestions) ? data.suggestions : []);
      }
    } catch (error) {
      // Suggestions are a convenience: when they fail, the search box still works.
      if (controller === suggestController) {
        closeSuggestions();
      }
    }
  }, SUGGEST_DELAY_MS);

  /** What a suggestion searches for: a completed last word keeps the words typed before it. */
  function completedQuery(typed, suggestion) {
    const words = typed.trim().split(/\s+/);
    const last = words[words.length - 1].toLowerCase();
    const lower = suggestion.toLowerCase();
    if (lower.startsWith(typed.trim().toLowerCase()) || words.length < 2 || /\s/.test(suggestion)) {
      return suggestion;
    }
    return lower.startsWith(last) ? words.slice(0, -1).concat(suggestion).join(" ") : suggestion;
  }

  function openSuggestions(typed, suggestions) {
    listbox.replaceChildren();
    activeOption = -1;
    input.removeAttribute("aria-activedescendant");
    const seen = new Set();
    const lowerTyped = typed.trim().toLowerCase();
    for (const suggestion of suggestions) {
      const text = completedQuery(typed, String(suggestion));
      if (!text || seen.has(text.toLowerCase())) {
        continue;
      }
      seen.add(text.toLowerCase());
      const option = el("li", {
        id: "suggestion-" + listbox.children.length,
        role: "option",
        class: "suggestion",
        "aria-selected": "false",
      });
      option.dataset.value = text;
      if (lowerTyped && text.toLowerCase().startsWith(lowerTyped)) {
        option.append(text.slice(0, lowerTyped.length), el("b", {}, [text.slice(lowerTyped.length)]));
      } else {
        option.textContent = text;
      }
      listbox.append(option);
    }
    const count = listbox.children.length;
    if (!count) {
      closeSuggestions();
      return;
    }
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    suggestionStatus.textContent =
      count + (count === 1 ? " suggestion" : " suggestions") + "; use the up and down arrows to choose.";
  }

  function closeSuggestions() {
    requestSuggestions.cancel();
    if (suggestController) {
      suggestController.abort();
      suggestController = null;
    }
    activeOption = -1;
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    suggestionStatus.textContent = "";
  }

  function highlightOption(index) {
    const options = listbox.children;
    if (!options.length) {
      return;
    }
    activeOption = (index + options.length) % options.length;
    for (let i = 0; i < options.length; i += 1) {
      options[i].setAttribute("aria-selected", i === activeOption ? "true" : "false");
    }
    const option = options[activeOption];
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function chooseSuggestion(option) {
    input.value = option.dataset.value;
    closeSuggestions();
    navigate({ q: input.value });
  }

  input.addEventListener("input", async function () {
    const text = input.value;
    const offered = (await featuresReady).suggest;
    if (!offered || text.trim().length < 2 || input.value !== text) {
      closeSuggestions();
      return;
    }
    requestSuggestions(text);
  });

  input.addEventListener("keydown", function (event) {
    const open = !listbox.hidden;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      highlightOption(activeOption + 1);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlightOption(activeOption < 0 ? -1 : activeOption - 1);
    } else if (event.key === "Enter" && open && activeOption >= 0) {
      event.preventDefault();
      chooseSuggestion(listbox.children[activeOption]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      closeSuggestions();
    }
  });

  input.addEventListener("blur", closeSuggestions);
  // Keep focus in the box while a suggestion is clicked, so `blur` does not close the list first.
  listbox.addEventListener("mousedown", (event) => event.preventDefault());
  listbox.addEventListener("click", function (event) {
    const option = event.target.closest('[role="option"]');
    if (option) {
      chooseSuggestion(option);
    }
  });

  // ---- page events ---------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    closeSuggestions();
    navigate({ q: input.value });
  });

  sortSelect.addEventListener("change", function () {
    navigate({ sort: sortSelect.value === "date" ? "date" : "" });
  });

  doc.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-nav]");
    if (!link || event.defaultPrevented || event.button !== 0) {
      return;
    }
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return; // a new tab or window: let the browser open the link
    }
    event.preventDefault();
    focusAfterRender = link.dataset.focus || null;
    const url = new URL(link.href);
    const next = readState(url.search);
    history.pushState(null, "", stateURL(next));
    show(next);
  });

  facetsBox.addEventListener("click", function (event) {
    const more = event.target.closest("[data-expand]");
    if (more) {
      expandedFacets.add(more.dataset.expand);
      const name = more.dataset.expand;
      renderFacetsAgainAndFocus(name);
      return;
    }
    const button = event.target.closest(".facet-value");
    if (!button) {
      return;
    }
    const name = button.dataset.facet;
    const pressed = button.getAttribute("aria-pressed") === "true";
    focusAfterRender = { facet: name, value: button.dataset.value };
    navigate(filterChanges(name, pressed ? "" : button.dataset.value));
  });

  function renderFacetsAgainAndFocus(name) {
    renderFacets(lastFacets);
    const values = facetsBox.querySelectorAll('.facet-value[data-facet="' + name + '"]');
    if (values.length > FACET_SHOWN) {
      values[FACET_SHOWN].focus();
    }
  }

  filtersToggle.addEventListener("click", function () {
    const open = filtersToggle.getAttribute("aria-expanded") !== "true";
    filtersToggle.setAttribute("aria-expanded", open ? "true" : "false");
    filters.classList.toggle("is-open", open);
  });

  window.addEventListener("popstate", function () {
    focusAfterRender = null;
    show(readState(location.search));
  });

  async function start() {
    const health = await core.getJSON("/health").catch(() => null);
    if (health && typeof health.documents === "number") {
      documentCount = health.documents;
    }
    await show(readState(location.search), true);
    doc.documentElement.dataset.ready = "true";
  }

  start();
})();
