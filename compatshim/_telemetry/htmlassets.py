"""The style sheet and the script of the HTML report, inline in its one page.

The page works without the script (every table and chart is in the markup); the script adds
sorting (a button in each column head) and a filter box above each table. It reads only the
page's own cells, never evaluates or inserts markup: data stays text. A table shows 500 rows
at a time (the rest wait in a ``<template>``, parsed but never laid out), so that a report of
100,000 sites loads, sorts and filters in a fraction of a second. The Content Security
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
button.more { font: inherit; margin: 0 0 1em; }
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
    var all = Array.prototype.slice.call(body.rows);
    var next = table.nextElementSibling;
    if (next && next.classList.contains("more-note")) {
      next.hidden = true;
      next = next.nextElementSibling;
    }
    if (next && next.tagName === "TEMPLATE") {
      all = all.concat(Array.prototype.slice.call(next.content.children));
    }
    var order = all;  // sorted
    var shown = all;  // sorted and filtered
    var PAGE = Number(table.getAttribute("data-page")) || 500;
    var limit = PAGE;
    var texts = null;
    var status = document.createElement("p");
    status.className = "count";
    var more = document.createElement("button");
    more.type = "button";
    more.className = "more";
    more.addEventListener("click", function () { limit += PAGE; draw(); });
    table.parentNode.insertBefore(more, table.nextSibling);
    table.parentNode.insertBefore(status, table.nextSibling);
    function draw() {
      var fragment = document.createDocumentFragment();
      var end = Math.min(limit, shown.length);
      for (var i = 0; i < end; i += 1) { fragment.appendChild(shown[i]); }
      body.textContent = "";
      body.appendChild(fragment);
      var left = shown.length - end;
      more.hidden = left <= 0;
      more.textContent = "Show " + Math.min(left, PAGE) + " more";
      var filtered = shown.length < all.length;
      status.textContent = (filtered ? shown.length + " of " + all.length + " rows" : "") +
        (left > 0 ? (filtered ? ", " : "") + "the first " + end + " shown" : "");
    }
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
        var sort = now ? (now === "ascending" ? "descending" : "ascending") : first;
        var dir = sort === "ascending" ? 1 : -1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", sort);
        var keyed = order.map(function (r, i) { return [key(r.cells[col]), i, r]; });
        keyed.sort(function (a, b) {
          return a[0] < b[0] ? -dir : a[0] > b[0] ? dir : a[1] - b[1];
        });
        order = keyed.map(function (k) { return k[2]; });
        filter();
      });
    });
    var input = document.createElement("input");
    input.type = "search";
    input.className = "filter";
    input.placeholder = "Filter rows";
    input.setAttribute("aria-label", "Filter rows");
    table.parentNode.insertBefore(input, table);
    function filter() {
      var query = input.value.trim().toLowerCase();
      if (query && texts === null) {
        texts = new Map();
        all.forEach(function (r) { texts.set(r, r.textContent.toLowerCase()); });
      }
      shown = query ? order.filter(function (r) { return texts.get(r).indexOf(query) >= 0; })
                    : order;
      limit = PAGE;
      draw();
    }
    var timer = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(filter, all.length > 5000 ? 150 : 0);
    });
    draw();
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
