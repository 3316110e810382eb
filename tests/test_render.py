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
