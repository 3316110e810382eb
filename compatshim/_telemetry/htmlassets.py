"""The style sheet and the script of the HTML report, inline in its one page.

The page works without the script (every table and chart is in the markup); the script adds
sorting (a button in each column head) and a filter box above each table. It reads only the
page's own cells, never evaluates or inserts markup: data stays text. The Content Security
Policy of the page admits exactly these two blocks, by their hash, and nothing remote.
"""

from __future__ import annotations

import base64
import hashlib


__all__ = ["SCRIPT", "STYLE", "csp"]

STYLE = """
:root { color-scheme: light dark; --line: #8884; --muted: #777; --accent: #2a6fd6; --bad: #c62828; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 2em; } h3 { margin: 1.2em 0 0.4em; }
.muted, .count { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em; }
th, td { border-bottom: 1px solid var(--line); padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; }
th { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
th button { all: inherit; cursor: pointer; padding: 0; }
th button::after { content: " \\2195"; color: var(--muted); }
th[aria-sort=ascending] button::after { content: " \\25B2"; color: inherit; }
th[aria-sort=descending] button::after { content: " \\25BC"; color: inherit; }
code, .src { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.92em;
             white-space: pre-wrap; word-break: break-all; }
.overdue { color: var(--bad); font-weight: 600; }
.outside { color: var(--muted); }
a { color: var(--accent); }
input.filter { font: inherit; padding: 0.2em 0.5em; min-width: 20em; margin-right: 1em; }
svg.chart { width: 100%; max-width: 720px; height: auto; display: block; margin: 0.5em 0; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart .line { fill: none; stroke: var(--accent); stroke-width: 2; }
svg.chart .pt { fill: var(--accent); }
svg.chart text { fill: currentColor; font-size: 11px; }
tbody tr { content-visibility: auto; contain-intrinsic-size: auto 1.6em; }
"""

SCRIPT = """
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-v");
    return v === null ? cell.textContent.toLowerCase() : Number(v);
  }
  function enhance(table) {
    var body = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    var rows = Array.prototype.slice.call(body.rows);
    var texts = null;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        // Numbers sort busiest first on the first click, text A to Z.
        var first = th.classList.contains("n") ? "descending" : "ascending";
        var now = th.getAttribute("aria-sort");
        var order = now ? (now === "ascending" ? "descending" : "ascending") : first;
        var dir = order === "ascending" ? 1 : -1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", order);
        var keyed = rows.map(function (r, i) { return [key(r.cells[col]), i, r]; });
        keyed.sort(function (a, b) {
          return a[0] < b[0] ? -dir : a[0] > b[0] ? dir : a[1] - b[1];
        });
        rows = keyed.map(function (k) { return k[2]; });
        var fragment = document.createDocumentFragment();
        rows.forEach(function (r) { fragment.appendChild(r); });
        body.appendChild(fragment);
      });
    });
    var input = document.createElement("input");
    input.type = "search";
    input.className = "filter";
    input.placeholder = "Filter rows";
    input.setAttribute("aria-label", "Filter rows");
    var count = document.createElement("span");
    count.className = "count";
    table.parentNode.insertBefore(input, table);
    table.parentNode.insertBefore(count, table);
    var timer = 0;
    function apply() {
      var query = input.value.trim().toLowerCase();
      if (texts === null) {
        texts = new Map();
        rows.forEach(function (r) { texts.set(r, r.textContent.toLowerCase()); });
      }
      var shown = 0;
      rows.forEach(function (r) {
        var hide = query !== "" && texts.get(r).indexOf(query) < 0;
        if (r.hidden !== hide) { r.hidden = hide; }
        if (!hide) { shown += 1; }
      });
      count.textContent = query ? shown + " of " + rows.length + " rows" : "";
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, rows.length > 5000 ? 150 : 0);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.data"), enhance);
  document.documentElement.setAttribute("data-enhanced", "");
})();
"""


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def csp() -> str:
    """The page's Content Security Policy: nothing loaded from anywhere, no script or style
    but the two above (by hash), no form, no base URL, no plugin."""
    return (
        f"default-src 'none'; script-src 'sha256-{_digest(SCRIPT)}'; "
        f"style-src 'sha256-{_digest(STYLE)}'; img-src 'none'; base-uri 'none'; "
        "form-action 'none'; object-src 'none'"
    )
