/* medsearch core: helpers shared by the search page, the article page and the widget.
 *
 * A classic script, not a module, so that /widget.js can carry it in the same file for sites
 * that paste one <script> tag. It defines one global, `medsearchCore`, once.
 *
 * Safety rule for every page: text from the API or the reader is put into the page as text
 * nodes. The only markup ever built from API strings is <mark>, by `appendHighlighted`, which
 * never hands a string to the HTML parser.
 */
(function (root) {
  "use strict";
  if (root.medsearchCore) {
    return;
  }

  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
  const ENTITY = /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});/g;
  const MARK_TAG = /(<mark>|<\/mark>)/i;

  /** Decode the character references the API's HTML escaping produces; leave others as typed. */
  function decodeEntities(text) {
    return text.replace(ENTITY, function (whole, name) {
      if (name.charAt(0) === "#") {
        const hex = name.charAt(1) === "x" || name.charAt(1) === "X";
        const code = parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10);
        const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
        return valid ? String.fromCodePoint(code) : whole;
      }
      const value = ENTITIES[name.toLowerCase()];
      return value === undefined ? whole : value;
    });
  }

  /** Append the API's highlighted HTML (escaped text plus <mark>) to `parent`, safely.
   *
   * `<mark>` and `</mark>` become a <mark> element; everything else, including any other
   * tag, becomes text. Nothing is parsed as HTML, so nothing can run or load.
   */
  function appendHighlighted(parent, html) {
    const doc = parent.ownerDocument;
    let target = parent;
    for (const part of String(html == null ? "" : html).split(MARK_TAG)) {
      const lower = part.toLowerCase();
      if (lower === "<mark>") {
        if (target === parent) {
          target = parent.appendChild(doc.createElement("mark"));
        }
      } else if (lower === "</mark>") {
        target = parent;
      } else if (part) {
        target.appendChild(doc.createTextNode(decodeEntities(part)));
      }
    }
    return parent;
  }

  /** Build an element: `attrs` become attributes (null and false are left out), children text. */
  function el(doc, tag, attrs, children) {
    const node = doc.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children || []) {
      if (child === null || child === undefined || child === false) {
        continue;
      }
      node.appendChild(typeof child === "string" ? doc.createTextNode(child) : child);
    }
    return node;
  }

  /** An article id as a URL path, each segment percent-encoded. */
  function encodeId(id) {
    return String(id).split("/").map(encodeURIComponent).join("/");
  }

  /** The reader-facing page of an article, relative to the API's base URL. */
  function articlePath(id) {
    return "/read/" + encodeId(id);
  }

  /** A date from the API (YYYY-MM-DD) in the reader's language, or "" when there is none. */
  function formatDate(iso, style) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!match) {
      return "";
    }
    const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    return new Intl.DateTimeFormat(undefined, {
      year: "numeric",
      month: style || "long",
      day: "numeric",
      timeZone: "UTC",
    }).format(date);
  }

  /** An error from the API: `status` 0 means it could not be reached at all. */
  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.name = "ApiError";
      this.status = status;
      this.detail = detail;
    }
  }

  /** GET a JSON document; a failure becomes an ApiError carrying the API's `detail`. */
  async function getJSON(url, signal) {
    let response;
    try {
      response = await fetch(url, {
        signal: signal,
        credentials: "omit",
        headers: { Accept: "application/json" },
      });
    } catch (error) {
      if (error && error.name === "AbortError") {
        throw error;
      }
      throw new ApiError(0, "The search service could not be reached. Check your connection and try again.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      const detail =
        body && typeof body.detail === "string"
          ? body.detail
          : "The search service answered with an error (HTTP " + response.status + "). Try again in a moment.";
      throw new ApiError(response.status, detail);
    }
    return body;
  }

  /** A query string from `params`, leaving out empty values. */
  function queryString(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== "") {
        search.set(name, String(value));
      }
    }
    const text = search.toString();
    return text ? "?" + text : "";
  }

  const featureCache = new Map();

  /** What the API at `base` offers beyond plain search, read from its OpenAPI document.
   *
   * Parts of the page (facets, sorting, suggestions, related articles) appear only when the
   * API has them, so the page works against older and newer servers alike.
   */
  function features(base) {
    if (!featureCache.has(base)) {
      const probe = getJSON(base + "/openapi.json")
        .catch(function () {
          return null;
        })
        .then(describeFeatures);
      featureCache.set(base, probe);
    }
    return featureCache.get(base);
  }

  function describeFeatures(spec) {
    const paths = (spec && spec.paths) || {};
    const search = paths["/search"] && paths["/search"].get;
    const params = new Set(((search && search.parameters) || []).map((p) => p.name));
    return {
      suggest: Object.prototype.hasOwnProperty.call(paths, "/suggest"),
      related: Object.keys(paths).some((path) => /^\/articles\/\{[^}]+\}\/related$/.test(path)),
      facets: params.has("facets"),
      sort: params.has("sort"),
      author: params.has("author"),
      tag: params.has("tag"),
      dates: params.has("from") && params.has("to"),
      emptyQuery: !!search && !((search.parameters || []).find((p) => p.name === "q") || {}).required,
    };
  }

  /** Call `fn` once `wait` ms have passed without another call; `cancel()` drops a pending one. */
  function debounce(fn, wait) {
    let timer = null;
    function debounced() {
      const args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () {
        timer = null;
        fn.apply(null, args);
      }, wait);
    }
    debounced.cancel = function () {
      clearTimeout(timer);
      timer = null;
    };
    return debounced;
  }

  root.medsearchCore = Object.freeze({
    ApiError: ApiError,
    appendHighlighted: appendHighlighted,
    articlePath: articlePath,
    debounce: debounce,
    decodeEntities: decodeEntities,
    el: el,
    encodeId: encodeId,
    features: features,
    formatDate: formatDate,
    getJSON: getJSON,
    queryString: queryString,
  });
})(window);
