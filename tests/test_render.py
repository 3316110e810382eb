"""Presenting a telemetry report, in process (no data file): text fitted to a width, Markdown,
versioned JSON, and the pytest summary."""

from __future__ import annotations

import json

from compatshim._telemetry import render
from compatshim._telemetry.report import AliasUsage
from compatshim._telemetry.report import Site
from compatshim._telemetry.report import TelemetryReport
from compatshim._telemetry.report import session_summary


def report() -> TelemetryReport:
    data = TelemetryReport()
    data.runs = {"a", "b"}
    for legacy, canonical, sites in (
        ("old.mod:Old", "new.mod:New", [("app/views.py", 3, 7), ("app/models.py", 9, 1)]),
        ("old", "new", [("/usr/lib/python3/site-packages/lib.py", 1, 2)]),
    ):
        usage = data.aliases[legacy] = AliasUsage(legacy, canonical, "2.0", "3.0", None)
        for file, line, hits in sites:
            site = usage.sites[(file, line, "m")] = Site(file, line, "m")
            site.hits, site.first_seen, site.last_seen = hits, 0.0, 86400.0
    data.aliases["old"].status = "due"
    return data


def test_text_lists_aliases_busiest_first_with_dotted_paths() -> None:
    """One line per alias, paths as code spells them, then each alias's sites."""
    text = render.render(report(), "text", 120)
    lines = text.splitlines()
    assert lines[0] == "compatshim report: 2 legacy paths used, 10 hits at 3 sites (2 runs)"
    assert lines[1] == "2 hits of them outside the project (site-packages, the standard library)"
    header = lines[3].split()
    assert header[:4] == ["Legacy", "path", "Canonical", "path"]
    assert lines[4].split()[:3] == ["old.mod.Old", "new.mod.New", "8"]
    assert "in 3.0 (due)" in lines[5]
    assert "old.mod.Old -> new.mod.New" in lines


def test_a_narrow_terminal_drops_columns_before_it_cuts_names() -> None:
    """Too wide: the optional columns go first, then the paths are cut with an ellipsis."""
    wide = render.render(report(), "text", 200).splitlines()[3]
    narrow = render.render(report(), "text", 40).splitlines()[3]
    assert "Last seen" in wide and "Last seen" not in narrow and "Removal" not in narrow
    assert all(len(line) <= 40 for line in render.render(report(), "text", 40).splitlines()[3:6])


def test_markdown_and_json_say_the_same() -> None:
    """Markdown is a table per alias; JSON is the versioned document."""
    markdown = render.render(report(), "markdown")
    assert markdown.splitlines()[2].startswith("| `old.mod.Old` | `new.mod.New` | 8 | 2 | 2 |")
    document = json.loads(render.render(report(), "json"))
    assert document["format"] == render.FORMAT_VERSION and document["runs"] == 2
    first = document["aliases"][0]
    assert (first["legacy"], first["hits"], first["third_party_hits"], first["files"]) == (
        "old.mod:Old", 8, 0, 2,
    )  # fmt: skip
    assert first["sites"][0] == {
        "file": "app/views.py", "line": 3, "module": "m", "hits": 7, "third_party": False,
        "first_seen": "1970-01-01T00:00:00Z", "last_seen": "1970-01-02T00:00:00Z",
    }  # fmt: skip


def test_plain_escapes_every_unprintable_character() -> None:
    """Control characters, newlines, bidi overrides and undecodable bytes are shown escaped."""
    assert render.plain("a\x1b[2J\nb\u202e\udcff") == "a\\x1b[2J\\nb\\u202e\\xff"
    assert render.plain("plain") == "plain"


def test_the_pytest_summary_adds_up_the_processes() -> None:
    """The controller's rows and each worker's are added up per alias and site."""
    controller = [("old.mod:Old", "new.mod:New", "t.py:1", 2)]
    worker = [["old.mod:Old", "new.mod:New", "t.py:1", 3], ["old", "new", "t.py:9", 1]]
    assert session_summary([controller, worker]) == [
        "old -> new: 1 hits at 1 sites",
        "         1  t.py:9",
        "old.mod.Old -> new.mod.New: 5 hits at 1 sites",
        "         5  t.py:1",
    ]
    assert session_summary([[], []]) == []


def test_the_pytest_summary_lists_the_busiest_sites_and_counts_the_others() -> None:
    """1,000 sites of one legacy path: the summary lists the busiest ten, then one line for the
    others (their hits and number); ``all_sites`` (pytest -v) lists them all."""
    rows = [("old", "new", f"t.py:{line}", 1 + (line == 500)) for line in range(1, 1001)]
    lines = session_summary([rows])
    assert lines[:3] == ["old -> new: 1001 hits at 1000 sites", "         2  t.py:500",
                         "         1  t.py:1"]  # fmt: skip
    assert lines[3:10] == [f"         1  t.py:{line}" for line in range(2, 9)]
    more = "       990  at 990 more sites (-v lists them; so does `compatshim report`)"
    assert lines[10:] == ["         1  t.py:9", more]
    assert len(session_summary([rows], all_sites=True)) == 1001


def test_the_pytest_summary_orders_lines_as_numbers_and_escapes_file_names() -> None:
    """Sites with as many hits go by file, then by line as a number; a control character in a
    file name is shown escaped, never sent to the terminal."""
    rows = [
        ("old", "new", "t.py:10", 1),
        ("old", "new", "t.py:9", 1),
        ("old", "new", "a\x1b.py:3", 1),
    ]
    assert session_summary([rows])[1:] == [
        "         1  a\\x1b.py:3", "         1  t.py:9", "         1  t.py:10",
    ]  # fmt: skip


def test_the_pytest_summary_leaves_out_what_was_counted_before_the_session() -> None:
    """The rows counted before the session began (an earlier session in the same process) are
    taken off; a site or a legacy path with nothing left is not listed."""
    before = [("old", "new", "t.py:1", 2), ("gone", "new", "t.py:5", 1)]
    now = [("old", "new", "t.py:1", 3), ("old", "new", "t.py:2", 1), ("gone", "new", "t.py:5", 1)]
    assert session_summary([now], before=before) == [
        "old -> new: 2 hits at 2 sites", "         1  t.py:1", "         1  t.py:2",
    ]  # fmt: skip
