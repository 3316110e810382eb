"""The HTML report's markup: data only ever as escaped text, charts from the history, a page
that loads nothing and runs only its own script."""

from __future__ import annotations

import html.parser
import tempfile
from pathlib import Path

import pytest
from helpers import data_file
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim import cli
from compatshim._base import paths
from compatshim._telemetry.history import AliasSummary
from compatshim._telemetry.history import Snapshot
from compatshim._telemetry.htmlassets import SCRIPT
from compatshim._telemetry.htmlpage import render_html
from compatshim._telemetry.render import plain
from compatshim._telemetry.report import AliasUsage
from compatshim._telemetry.report import Site
from compatshim._telemetry.report import TelemetryReport


def make_report(aliases: dict[str, list[tuple[str, int, str, int]]]) -> TelemetryReport:
    """A report of ``legacy -> [(file, line, module, hits)]``, each alias's canonical path
    ``new.<n>``."""
    data = TelemetryReport()
    data.runs.add("run")
    for index, (legacy, sites) in enumerate(aliases.items()):
        usage = data.aliases[legacy] = AliasUsage(legacy, f"new.m{index}", None, None, None)
        for file, line, module, hits in sites:
            site = usage.sites[(file, line, module)] = Site(file, line, module)
            site.hits, site.first_seen, site.last_seen = hits, 1.0, 2.0
    return data


class Page(html.parser.HTMLParser):
    """What a browser would see: elements, attributes, text, the content of scripts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


names = st.text(
    st.characters(exclude_categories=["Cs"]) | st.sampled_from("<>&\"'`/\\\x00\x1b\u202e"),
    min_size=1,
    max_size=40,
) | st.sampled_from(
    [
        "<script>window.pwned=1</script>",
        '"><img src=x onerror=alert(1)>',
        "</code></td></tr></tbody></table><script>x()</script>",
        "javascript:alert(1)",
        "<!--",
        "]]><svg onload=alert(1)>",
        "\udc80bad.py",
    ]
)


_lines = (names | st.text(max_size=400)).map(lambda t: t.replace("\r", " ").replace("\n", " "))


@settings(max_examples=200, deadline=None)
@given(legacy=names, file=names, module=names, line=st.integers(0, 10**6), source=_lines)
def test_names_are_text_never_markup(
    legacy: str, file: str, module: str, line: int, source: str
) -> None:
    """Whatever a data file names, and whatever a source line holds, the page has exactly its
    own elements and one script, and each name and line appears as text (escaped for the
    terminal first)."""
    with tempfile.TemporaryDirectory() as root:
        raw = f"{source}\n".encode("utf-8", "surrogateescape")  # \udc80: a byte not UTF-8
        Path(root, "src.py").write_bytes(raw)
        data = make_report({legacy: [(file, line, module, 3), ("src.py", 1, "src", 1)]})
        page_text = render_html(data, root=root, now=0.0)
    page = Page(page_text)
    assert page.scripts == [SCRIPT]
    assert {tag for tag, _ in page.tags} <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
        "section", "table", "thead", "tbody", "tr", "th", "td", "a", "code", "svg", "line",
        "text", "polyline", "circle", "script",
    }  # fmt: skip
    for _, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs)
        href = attrs.get("href")
        assert href is None or href.startswith(("#alias-", "file://"))
    text = "".join(page.text)
    for name in (paths.dotted(legacy), f"{file}:{line}", module):
        assert plain(name) in text
    shown = raw.decode("utf-8", "replace").strip()
    assert plain(shown if len(shown) <= 300 else shown[:299] + "…") in text
    page_text.encode("utf-8")  # no lone surrogate reaches the page


def test_source_lines_links_and_charts(tmp_path: Path) -> None:
    """A site shows its source line (escaped) and links to its file; the total chart and each
    alias's chart have one point per snapshot; an alias due for removal is overdue."""
    (tmp_path / "app.py").write_text('import os\nx = "<script>window.pwned=1</script>"\n')
    data = make_report(
        {"old": [("app.py", 2, "app", 5), ("/abs/lib.py", 1, "lib", 1)], "gone": [("app.py", 1, "app", 1)]}
    )  # fmt: skip
    data.aliases["gone"].status = "due"
    data.aliases["gone"].removed_in = "2.0"
    snaps = [
        Snapshot(str(i), 1_700_000_000.0 + i * 86400, 1, {"old": AliasSummary("new", 9 - i, 3 - i, 1)})
        for i in range(3)
    ]  # fmt: skip
    page = Page(render_html(data, snaps, root=str(tmp_path), now=0.0))
    text = "".join(page.text)
    assert 'x = "<script>window.pwned=1</script>"' in text
    links = [a.get("href") or "" for tag, a in page.tags if tag == "a"]
    assert (tmp_path / "app.py").as_uri() in links and "file:///abs/lib.py" in links
    charts = [i for i, (tag, _) in enumerate(page.tags) if tag == "svg"]
    assert len(charts) == 3
    points = [a for tag, a in page.tags if tag == "circle"]
    assert len(points) == 9
    assert [p["data-sites"] for p in points[:3]] == ["3", "2", "1"]
    assert [p["data-sites"] for p in points[3:6]] == ["3", "2", "1"]  # old: the busiest alias
    assert [p["data-sites"] for p in points[6:]] == ["0", "0", "0"]  # gone: not in the history
    assert "overdue" in text
    csp = next(a for tag, a in page.tags if tag == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in (csp["content"] or "")
    empty = Page(render_html(data, [], root=None, now=0.0))
    assert "No history yet" in "".join(empty.text)
    assert Page(data.render("html")).scripts == [SCRIPT]  # the API's format, without history


def test_source_lines_come_only_from_python_files_inside_the_project(tmp_path: Path) -> None:
    """A data file can name any file: only Python sources inside the project are read, so a
    shared page never shows the environment, a key, or a file a link leads to."""
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "secret.py").write_text("TOKEN = 'outside-secret'\n")
    (tmp_path / "id_rsa").write_text("outside-key\n")
    (project / "key.txt").write_text("inside-not-python\n")
    (project / "link.py").symlink_to(tmp_path / "secret.py")
    (project / "ok.py").write_text("import old  # inside\n")
    sites = [
        ("/proc/self/environ", 1, "m", 1),
        (str(tmp_path / "secret.py"), 1, "m", 1),
        (str(tmp_path / "id_rsa"), 1, "m", 1),
        ("../secret.py", 1, "m", 1),
        ("link.py", 1, "m", 1),
        ("key.txt", 1, "m", 1),
        ("ok.py", 1, "m", 1),
    ]
    text = "".join(Page(render_html(make_report({"old": sites}), root=str(project))).text)
    assert "import old  # inside" in text
    for secret in ("outside-secret", "outside-key", "inside-not-python", "PATH="):
        assert secret not in text


def test_report_writes_the_page_whole_and_never_through_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o DIR`` creates the folder and replaces a link at ``index.html`` with the page (its
    target untouched); a file where the folder should be is one line (``report-output``)."""
    data = str(data_file(tmp_path / "d.db", [("a.py", 2)]))
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "target.html"
    target.write_text("mine")
    (out / "index.html").symlink_to(target)
    assert cli.main(["report", "--data", data, "--format", "html", "-o", str(out)]) == 0
    assert target.read_text() == "mine"
    assert not (out / "index.html").is_symlink()
    assert "<!DOCTYPE html>" in (out / "index.html").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert cli.main(["report", "--data", data, "--format", "html", "-o", str(target)]) == 2
    (line,) = capsys.readouterr().err.splitlines()[-1:]
    assert line.startswith("compatshim: error: cannot write") and line.endswith("#report-output)")
    assert target.read_text() == "mine"
