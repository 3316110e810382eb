"""What report prints: names from data files escaped (text, Markdown) or exact (JSON), and
sites outside the project shown apart from the project's own."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from helpers import Project

from compatshim._telemetry import report as _report
from compatshim._telemetry.store import Hit
from compatshim._telemetry.writer import DataFile


def _data(
    path: Path,
    sites: list[tuple[str, str]],
    alias: tuple[str, str, str | None, str | None, str | None] | None = None,
) -> Path:
    run = {
        "uuid": uuid.uuid4().hex, "host": "h", "pid": 1, "started": 1.0, "argv": "[]",
        "python": "3", "compatshim": "0", "root": "/project",
    }  # fmt: skip
    data = DataFile(str(path), run)
    key = alias or ("old", "canon", None, None, None)
    data.write(
        [Hit(key, key[0], (file, 1, module), "", i + 1, 1.0, 2.0) for i, (file, module) in
         enumerate(sites)]
    )  # fmt: skip
    data.close()
    return path


FILE = "a\x1b]0;pwned\x07\x1b[2J|`x`\n| fake | row |\u202e.py"
MODULE = "<img src=x onerror=alert(1)>"
ALIAS = ("old`|`\x1b[31m", "canon``x", "1.0", "**9** <b>x</b>|&amp;", None)
_SPAN = re.compile(r"(`+)(?!`)(.*?)(?<!`)\1(?!`)")


def test_report_escapes_names_in_text_and_markdown_and_keeps_json_exact(tmp_path: Path) -> None:
    """Terminal escapes, newlines, bidi overrides, pipes, backticks and HTML from a data file
    reach neither the terminal nor the Markdown structure; JSON holds them exactly."""
    path = _data(tmp_path / "d.db", [(FILE, MODULE), ("ok.py", "ok")], ALIAS)
    data = _report.load(None, [str(path)])
    text = data.render("text", 300)
    markdown = data.render("markdown")
    for out in (text, markdown):
        assert all(line.isprintable() for line in out.split("\n")), out
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in text and "\\n" in text and "\\u202e" in text
    rows = [line for line in markdown.split("\n") if line.startswith("|")]
    for row in rows:  # every row has the cells of its table: no cell split, no row injected
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) - 2 in (3, 7), row
        assert "<" not in _SPAN.sub("", row).replace("\\<", ""), row  # HTML only in code
    assert _SPAN.search(markdown.split("\n")[2]).group(2).replace("\\|", "|") == "old`|`\\x1b[31m"  # type: ignore[union-attr]
    document = json.loads(data.render("json"))
    (usage,) = document["aliases"]
    assert (usage["legacy"], usage["canonical"], usage["removed_in"]) == ALIAS[:1] + ALIAS[1:2] + (
        ALIAS[3],
    )
    assert {s["file"] for s in usage["sites"]} == {FILE, "ok.py"}
    assert MODULE in {s["module"] for s in usage["sites"]}


THIRD = [
    ("app/views.py", "app.views"),
    ("/usr/lib/python3/site-packages/lib.py", "lib"),
    (".venv/lib/python3.11/site-packages/vendored.py", "vendored"),
    ("/usr/lib/python3.11/json/decoder.py", "json.decoder"),
    ("<frozen runpy>", "runpy"),
    ("<string>", "__main__"),
]


def test_sites_outside_the_project_are_shown_apart(tmp_path: Path) -> None:
    """site-packages (also inside the project), the standard library and frozen modules are
    third-party; the project's files and code it ran itself (<string>) are its own."""
    data = _report.load(None, [str(_data(tmp_path / "d.db", THIRD))])
    (usage,) = json.loads(data.render("json"))["aliases"]
    flags = {s["file"]: s["third_party"] for s in usage["sites"]}
    assert flags == {
        "app/views.py": False,
        "/usr/lib/python3/site-packages/lib.py": True,
        ".venv/lib/python3.11/site-packages/vendored.py": True,
        "/usr/lib/python3.11/json/decoder.py": True,
        "<frozen runpy>": True,
        "<string>": False,
    }
    assert usage["third_party_hits"] == 2 + 3 + 4 + 5 and usage["hits"] == 21
    text = data.render("text", 200)
    own, _, outside = text.partition("14 hits outside the project")
    assert "app/views.py:1" in own and "<string>:1" in own and "site-packages/" not in own
    assert all(f"{file}:1" in outside for file, _ in THIRD[1:5])
    assert "14 hits of them outside the project" in text.split("\n")[1]
    markdown = data.render("markdown")
    own_md, _, outside_md = markdown.partition("sites outside the project")
    assert "`app/views.py:1`" in own_md and "lib.py" not in own_md
    assert "`<frozen runpy>:1`" in outside_md and "app/views.py" not in outside_md


def test_a_third_party_optional_import_is_reported_apart(canon_project: Project) -> None:
    """A package in site-packages probing a legacy path (try/except ImportError) is counted,
    and shown as third-party."""
    canon_project.write(
        {
            ".venv/lib/python3/site-packages/probe.py": """
                try:
                    from old.pkg import Thing
                except ImportError:
                    Thing = None
            """,
            "app.py": "import old.pkg\n",
        }
    )
    canon_project.run(
        """
        import sys, warnings, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        sys.path.insert(0, ".venv/lib/python3/site-packages")
        import probe, app
        """
    )
    result = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    (usage,) = json.loads(result.stdout)["aliases"]
    flags = {(s["file"], s["line"]): s["third_party"] for s in usage["sites"]}
    assert flags == {
        (".venv/lib/python3/site-packages/probe.py", 2): True,
        ("app.py", 1): False,
    }
    assert usage["third_party_hits"] == 1
