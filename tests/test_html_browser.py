"""The HTML report in a real browser (Debian's chromium driven by Playwright): the rows, the
sorting and filtering, the charts, and planted scripts that show as text and never run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import data_file

import compatshim
from compatshim import cli
from compatshim._telemetry import history


CHROMIUM = (
    os.environ.get("COMPATSHIM_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need playwright (pip install playwright)"
)
if not os.path.exists(CHROMIUM):
    pytest.skip(
        "the browser tests need chromium (apt-get install chromium, or COMPATSHIM_TEST_CHROMIUM)",
        allow_module_level=True,
    )

PLANTED_FILE = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2>.py"
PLANTED_LINE = 'x = "<script>window.pwned=3</script>"  # <img src=x onerror="window.pwned=4">'


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def report_page(tmp_path: Path, browser, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The page of a project with three aliases, four snapshots and planted scripts."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"old" = "canon"\n"older" = "canon"\n"oldest" = "canon"\n'
    )
    (tmp_path / "app.py").write_text(f"{PLANTED_LINE}\nimport os\n")
    files = [
        data_file(tmp_path / "a.db", [("app.py", 50), (PLANTED_FILE, 7), ("b.py", 3)], "old"),
        data_file(tmp_path / "b.db", [("app.py", 2)], "older"),
        data_file(tmp_path / "c.db", [("c.py", 9), ("d.py", 9)], "oldest"),
    ]
    where = str(tmp_path / "history.json")
    for day in range(3):
        report = compatshim.telemetry_report(None, [str(f) for f in files[day:]])
        history.append(where, history.summarize(report, taken=1_760_000_000 + day * 86400))
    args = ["report", "--data", *map(str, files), "--history", where, "--snapshot"]
    assert cli.main([*args, "--format", "html", "-o", str(tmp_path / "out")]) == 0
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "request", lambda req: errors.append(req.url) if not req.url.startswith("file:") else None
    )
    page.goto((tmp_path / "out" / "index.html").as_uri())
    yield page
    page.close()
    assert errors == []


def _column(page, table: str, column: int) -> list[str]:  # type: ignore[no-untyped-def]
    cells: list[str] = page.eval_on_selector_all(
        f"{table} tbody tr:not([hidden])",
        f"rows => rows.map(r => r.cells[{column}].textContent)",
    )
    return cells


def test_overview_sorting_filtering_and_charts(report_page) -> None:  # type: ignore[no-untyped-def]
    page = report_page
    assert page.get_attribute("html", "data-enhanced") == ""  # the script ran (CSP admits it)
    assert _column(page, "#aliases", 0) == ["old", "oldest", "older"]
    assert _column(page, "#aliases", 2) == ["60", "18", "2"]
    page.click("#aliases th:nth-child(1) button")
    assert _column(page, "#aliases", 0) == ["old", "older", "oldest"]
    page.click("#aliases th:nth-child(3) button")  # numbers: busiest first
    assert _column(page, "#aliases", 2) == ["60", "18", "2"]
    page.click("#aliases th:nth-child(3) button")
    assert _column(page, "#aliases", 2) == ["2", "18", "60"]
    assert page.get_attribute("#aliases th:nth-child(3)", "aria-sort") == "ascending"
    sites = "#alias-0 table"
    page.fill("#alias-0 input.filter", "APP.PY")
    # Polled by Playwright from outside: the page's CSP forbids the eval of wait_for_function.
    sync_api.expect(page.locator("#alias-0 .count")).to_have_text("1 of 3 rows")
    assert _column(page, sites, 1) == ["app.py:1"]
    page.fill("#alias-0 input.filter", "")
    sync_api.expect(page.locator("#alias-0 .count")).to_have_text("")
    assert len(_column(page, sites, 1)) == 3
    # One chart in total and one per alias, each with a point per snapshot (3 + this report).
    assert page.locator("svg.chart").count() == 4
    for chart in range(4):
        assert page.locator("svg.chart").nth(chart).locator("circle.pt").count() == 4
    total = page.locator("#overview svg.chart circle.pt")
    assert [total.nth(i).get_attribute("data-sites") for i in range(4)] == ["6", "3", "2", "6"]


def test_planted_scripts_show_as_text_and_never_run(report_page) -> None:  # type: ignore[no-untyped-def]
    page = report_page
    page.wait_for_timeout(200)  # an onerror handler would have fired by now
    assert page.evaluate("window.pwned") is None
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1
    text = page.inner_text("#alias-0")
    assert PLANTED_FILE + ":1" in text
    assert PLANTED_LINE in text
    assert page.get_attribute("#alias-0 a[href$='app.py']", "href").startswith("file:///")


def test_rows_beyond_a_page_are_shown_on_demand_sorted_and_filtered(
    tmp_path: Path, browser: Any
) -> None:
    """Past ``shown`` rows a table keeps the rest in a template: without the script a note
    says so; with it, "Show more" adds them, and sorting and filtering reach them too."""
    from test_html_report import make_report

    from compatshim._telemetry.htmlpage import render_html

    sites = [(f"f{i}.py", 1, "m", 100 - i) for i in range(7)]
    (tmp_path / "index.html").write_text(render_html(make_report({"old": sites}), shown=3))
    page = browser.new_page()
    page.goto((tmp_path / "index.html").as_uri())
    assert page.is_hidden("#alias-0 .more-note")
    assert _column(page, "#alias-0 table", 1) == ["f0.py:1", "f1.py:1", "f2.py:1"]
    sync_api.expect(page.locator("#alias-0 .count")).to_have_text("the first 3 shown")
    page.click("#alias-0 th:nth-child(1) button")  # Hits, busiest first: as it was
    page.click("#alias-0 th:nth-child(1) button")  # then fewest first: from the template
    assert _column(page, "#alias-0 table", 1) == ["f6.py:1", "f5.py:1", "f4.py:1"]
    page.click("#alias-0 button.more")
    assert len(_column(page, "#alias-0 table", 1)) == 6
    page.fill("#alias-0 input.filter", "f0")
    sync_api.expect(page.locator("#alias-0 .count")).to_have_text("1 of 7 rows")
    assert _column(page, "#alias-0 table", 1) == ["f0.py:1"]
    page.close()
    no_script = browser.new_page(java_script_enabled=False)
    no_script.goto((tmp_path / "index.html").as_uri())
    assert no_script.is_visible("#alias-0 .more-note")
    assert "4 more sites" in no_script.inner_text("#alias-0 .more-note")
    assert no_script.locator("#alias-0 table tbody tr").count() == 3
    assert no_script.locator("svg.chart, p.nochart").count() == 2
    no_script.close()
