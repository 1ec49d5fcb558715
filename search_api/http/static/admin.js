/* The admin page: sign in with the admin token (kept in this tab's sessionStorage, sent only
 * in the Authorization header), then show the index, the running and last update, skipped
 * files and a few metrics, and start updates. Everything from the API is shown as text. */
(function () {
  "use strict";
  const KEY = "medsearch-admin-token";
  const POLL_RUNNING_MS = 1000;
  const POLL_IDLE_MS = 5000;
  const $ = (id) => document.getElementById(id);
  let timer = null;

  function token() {
    return sessionStorage.getItem(KEY);
  }

  async function api(path, options) {
    const response = await fetch(path, {
      ...(options || {}),
      headers: { Authorization: "Bearer " + token() },
      cache: "no-store",
    });
    return response;
  }

  async function detail(response) {
    try {
      const body = await response.json();
      return body.detail || response.statusText;
    } catch (error) {
      return response.statusText || "HTTP " + response.status;
    }
  }

  function show(signedIn) {
    $("sign-in").hidden = signedIn;
    $("dashboard").hidden = !signedIn;
    $("sign-out").hidden = !signedIn;
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    clearTimeout(timer);
    show(false);
    const error = $("sign-in-error");
    error.textContent = message || "";
    error.hidden = !message;
    $("token").value = "";
    $("token").focus();
  }

  function seconds(value) {
    if (value == null) return "";
    return value < 1 ? Math.round(value * 1000) + " ms" : value.toFixed(1) + " s";
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "";
  }

  function renderRunning(running) {
    $("running").hidden = !running;
    $("reindex").disabled = Boolean(running);
    if (!running) return;
    const parts = [(running.kind === "reindex" ? "Update" : "Command-line update") + " running"];
    if (running.phase) parts.push("phase: " + running.phase);
    if (running.total) parts.push(running.done + " of " + running.total + " articles");
    if (running.rate) parts.push(Math.round(running.rate) + " a second");
    if (running.eta_seconds != null && running.phase === "index") {
      parts.push("about " + Math.ceil(running.eta_seconds) + " s left");
    }
    $("running-text").textContent = parts.join(" · ");
    const bar = $("running-bar");
    bar.max = running.total || 1;
    bar.value = running.total ? running.done : 0;
  }

  function renderLast(last) {
    $("last-none").hidden = Boolean(last);
    $("last").hidden = !last;
    const list = $("skipped");
    list.replaceChildren();
    $("skipped-heading").hidden = true;
    if (!last) return;
    const result = $("last-result");
    result.textContent = last.result + " (" + last.mode + (last.kind === "reindex" ? ", from this page or the admin API" : ", from the command line") + ")";
    result.className = "result-" + last.result;
    $("last-started").textContent = when(last.started_at);
    $("last-seconds").textContent = seconds(last.seconds);
    $("last-counts").textContent = ["added", "updated", "deleted", "unchanged", "skipped"]
      .map((name) => last[name] + " " + name)
      .join(", ");
    $("last-summary").textContent = last.summary;
    for (const line of last.errors || []) {
      const item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    }
    $("skipped-heading").hidden = !(last.errors && last.errors.length);
  }

  function parseMetrics(text) {
    const sums = {};
    for (const line of text.split("\n")) {
      if (!line || line.charAt(0) === "#") continue;
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!match) continue;
      const value = Number(match[3]);
      if (!Number.isFinite(value)) continue;
      const labels = match[2] || "";
      const key = match[1];
      sums[key] = (sums[key] || 0) + value;
      if (key === "medsearch_http_requests_total" && /status="5/.test(labels)) {
        sums.errors = (sums.errors || 0) + value;
      }
    }
    return sums;
  }

  function renderMetrics(sums) {
    const list = $("metrics");
    list.replaceChildren();
    const hits = sums.medsearch_result_cache_hits_total || 0;
    const lookups = hits + (sums.medsearch_result_cache_misses_total || 0);
    const rows = [
      ["Requests answered", sums.medsearch_http_requests_total],
      ["Server errors (5xx)", sums.errors || 0],
      ["Searches", sums.medsearch_searches_total],
      ["Searches that found nothing", sums.medsearch_zero_result_searches_total],
      ["Searches cut short by a limit", sums.medsearch_partial_searches_total],
      ["Refused by the rate limit", sums.medsearch_rate_limited_requests_total],
      ["Answered from the result cache", lookups ? Math.round((100 * hits) / lookups) + "%" : "–"],
    ];
    for (const [label, value] of rows) {
      const term = document.createElement("dt");
      term.textContent = label;
      const data = document.createElement("dd");
      data.textContent = value == null ? "0" : String(value);
      data.dataset.metric = label;
      list.append(term, data);
    }
  }

  function renderQueries(id, rows) {
    const list = $(id);
    list.replaceChildren();
    for (const row of rows) {
      const item = document.createElement("li");
      item.textContent = row.query + " (" + row.searches + ")";
      list.appendChild(item);
    }
    if (!rows.length) {
      const item = document.createElement("li");
      item.textContent = "none yet";
      list.appendChild(item);
    }
  }

  async function loadInsights() {
    const response = await api("/admin/insights");
    // 404: insights are off on this server.
    $("insights").hidden = !response.ok;
    if (!response.ok) return;
    const body = await response.json();
    $("insights-note").textContent =
      "A query shows once " + body.min_clients + " different readers typed it on one day.";
    renderQueries("top-queries", body.top_queries);
    renderQueries("zero-queries", body.zero_result_queries);
  }

  async function load() {
    clearTimeout(timer);
    let status;
    try {
      const response = await api("/admin/status");
      if (response.status === 401) {
        signOut(await detail(response));
        return;
      }
      if (!response.ok) throw new Error(await detail(response));
      status = await response.json();
      $("load-error").hidden = true;
    } catch (error) {
      $("load-error").textContent = "Could not read the status: " + error.message;
      $("load-error").hidden = false;
      timer = setTimeout(load, POLL_IDLE_MS);
      return;
    }
    show(true);
    $("generation").textContent = status.generation || "none";
    $("documents").textContent = String(status.documents);
    $("corpus-dir").textContent = status.corpus_dir;
    renderRunning(status.running);
    renderLast(status.last_build);
    try {
      await loadInsights();
      const metrics = await api("/metrics");
      if (metrics.ok) renderMetrics(parseMetrics(await metrics.text()));
    } catch (error) {
      // Metrics are a convenience here; the status above is what matters.
    }
    timer = setTimeout(load, status.running ? POLL_RUNNING_MS : POLL_IDLE_MS);
  }

  async function signIn(event) {
    event.preventDefault();
    const typed = $("token").value.trim();
    if (!typed) return;
    sessionStorage.setItem(KEY, typed);
    const response = await api("/admin/status");
    if (response.status === 401) {
      signOut(await detail(response));
      return;
    }
    $("sign-in-error").hidden = true;
    $("token").value = "";
    await load();
  }

  async function reindex() {
    const error = $("reindex-error");
    error.hidden = true;
    $("reindex").disabled = true;
    const full = $("full").checked;
    const response = await api("/admin/reindex?full=" + full, { method: "POST" });
    if (response.status === 401) {
      signOut(await detail(response));
      return;
    }
    if (response.status !== 202) {
      error.textContent = await detail(response);
      error.hidden = false;
      $("reindex").disabled = false;
    }
    await load();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", () => signOut(""));
    $("reindex").addEventListener("click", reindex);
    if (token()) {
      load();
    } else {
      signOut("");
    }
  });
})();
