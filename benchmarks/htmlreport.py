"""The HTML report at scale: rendering 100,000 sites, and the page in a real browser.

    python benchmarks/htmlreport.py [--sites 100000] [--rounds 3]

Builds a report of ``--sites`` sites in memory (one alias holding 70 % of them, the rest spread
over nine more; 2,000 source files on disk, so every site shows its source line) with a history
of 30 snapshots, then measures, quoting minima over ``--rounds``:

- render: ``render_html`` plus writing ``index.html`` (what ``report --format html`` adds to
  reading the data), against the baseline of the JSON report of the same data, interleaved;
- load: the page opened from ``file://`` in chromium (Playwright, the machine's chromium),
  navigation start to the load event, and to the first paint;
- sort: a click on the "Site" column of the biggest table until the next frame is painted,
  and a click on "Hits" after it;
- filter: a query typed into the biggest table's filter box until the next frame (less the
  filter's debounce of 150 ms, which is reported apart), and clearing it again.

Needs playwright (the test extra) and chromium (``apt-get install chromium``); without them only
the rendering is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from _common import ROOT
from _common import folder


sys.path.insert(0, str(ROOT))

from compatshim._base.safeio import write_replace
from compatshim._telemetry.history import AliasSummary
from compatshim._telemetry.history import Snapshot
from compatshim._telemetry.htmlpage import render_html
from compatshim._telemetry.report import AliasUsage
from compatshim._telemetry.report import Site
from compatshim._telemetry.report import TelemetryReport


FILES = 2000
DEBOUNCE_MS = 150


def build(root: Path, sites: int) -> tuple[TelemetryReport, list[Snapshot]]:
    lines = 60  # FILES * lines >= sites: every site its own line
    for f in range(FILES):
        path = root / f"pkg{f % 40}" / f"mod{f}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(
            "".join(f"from legacy.a{i % 10} import thing_{i}  # {f}\n" for i in range(lines))
        )
    data = TelemetryReport()
    data.runs.add("run")
    shares = [int(sites * 0.7)] + [int(sites * 0.3) // 9] * 9
    shares[0] += sites - sum(shares)
    n = 0
    for a, count in enumerate(shares):
        usage = data.aliases[f"legacy.a{a}"] = AliasUsage(
            f"legacy.a{a}", f"core.a{a}", "1.0", "2.0", None
        )
        for _ in range(count):
            file = f"pkg{n % FILES % 40}/mod{n % FILES}.py"
            line = 1 + (n // FILES) % lines
            module = f"pkg{n % FILES % 40}.mod{n % FILES}"
            site = usage.sites[(file, line, module)] = Site(file, line, module)
            site.hits, site.first_seen, site.last_seen = 1 + (n * 7919) % 1000, 1.0, 2.0
            n += 1
    history = []
    for day in range(30):
        left = 1 - day / 40
        history.append(
            Snapshot(str(day), 1_760_000_000.0 + day * 86400, 10, {
                u.legacy: AliasSummary(u.canonical, int(u.hits * left), int(len(u.sites) * left), u.files)
                for u in data.aliases.values()
            })
        )  # fmt: skip
    return data, history


def render(data: TelemetryReport, history: list[Snapshot], root: Path, out: Path) -> float:
    start = time.perf_counter()
    page = render_html(data, history, str(root))
    write_replace(str(out), page.encode("utf-8"))
    return time.perf_counter() - start


_FRAME = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
_CLICK = """async (selector) => {
  const start = performance.now();
  document.querySelector(selector).click();
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - start;
}"""
_FILTER = """async (query) => {
  const input = document.querySelector("#alias-0 input.filter");
  const count = document.querySelector("#alias-0 .count");
  const start = performance.now();
  const done = new Promise(r => new MutationObserver((_, o) => { o.disconnect(); r(); })
    .observe(count, {childList: true, characterData: true, subtree: true}));
  input.value = query;
  input.dispatchEvent(new Event("input"));
  if (query) { await done; } else { await new Promise(r => setTimeout(r, 200)); }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - start;
}"""


def browse(page_path: Path, rounds: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("COMPATSHIM_TEST_CHROMIUM") or shutil.which("chromium") or ""
    results: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        for _ in range(rounds):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_path.as_uri(), wait_until="load", timeout=120_000)
            timing = page.evaluate(
                """() => { const n = performance.getEntriesByType("navigation")[0];
                const p = performance.getEntriesByName("first-contentful-paint")[0];
                return [n.loadEventEnd, p ? p.startTime : -1]; }"""
            )
            results.setdefault("load_ms", []).append(timing[0])
            results.setdefault("first_paint_ms", []).append(timing[1])
            page.evaluate(_FRAME)
            results.setdefault("sort_site_ms", []).append(
                page.evaluate(_CLICK, "#alias-0 th:nth-child(2) button")
            )
            results.setdefault("sort_hits_ms", []).append(
                page.evaluate(_CLICK, "#alias-0 th:nth-child(1) button")
            )
            results.setdefault("filter_ms", []).append(
                page.evaluate(_FILTER, "mod17.py") - DEBOUNCE_MS
            )
            results.setdefault("filter_clear_ms", []).append(page.evaluate(_FILTER, "") - 200)
            page.close()
        browser.close()
    return {key: min(values) for key, values in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = folder()
    data, history = build(root, args.sites)
    out = root / "index.html"
    renders, baselines = [], []
    for _ in range(args.rounds):  # interleaved with the baseline: the JSON report of the same data
        renders.append(render(data, history, root, out))
        start = time.perf_counter()
        write_replace(str(root / "report.json"), data.render("json").encode("utf-8"))
        baselines.append(time.perf_counter() - start)
    result: dict[str, float | int] = {
        "sites": args.sites,
        "json_render_s": min(baselines),
        "render_s": min(renders),
        "page_mb": out.stat().st_size / 1e6,
    }
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("playwright missing: only the rendering is measured", file=sys.stderr)
    else:
        result.update(browse(out, args.rounds))
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}))


if __name__ == "__main__":
    main()
