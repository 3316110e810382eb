"""What scan and migrate print: control characters escaped for people, exact for programs.

A file name, a module name or a line of source can hold terminal escape sequences (ESC, BEL),
other C0 and C1 controls and bidirectional overrides (U+202E). Text output, GitHub annotations,
migrate's messages and its --diff escape them, as report's text output does (one function,
``compatshim._base.terminal.plain``); JSON and SARIF keep the exact name.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compatshim import cli
from compatshim._base.terminal import plain
from compatshim._base.terminal import plain_lines


CONFIG = '[tool.compatshim.aliases]\n"pkg.old" = "pkg.new"\n'
HOSTILE = "a\x1b]0;owned\x07\x1b[2J\u202e\x85\x9b"  # title, clear screen, bidi, C1 controls
DANGEROUS = ("\x1b", "\x07", "\u202e", "\x85", "\x9b")


def clean(text: str) -> bool:
    return not any(char in text for char in DANGEROUS)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    (tmp_path / f"{HOSTILE}.py").write_text("import pkg.old\npkg.old.f()\n")
    # A syntax error whose message quotes the character it chokes on.
    (tmp_path / "bad.py").write_text("import pkg.old\n\u202e = 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_scan_escapes_names_for_people(
    tree: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    assert cli.main(["scan", "--format", fmt]) == 1
    out, err = capsys.readouterr()
    assert "\\x1b]0;owned\\x07" in out
    assert clean(out), out
    assert "bad.py" in err
    assert clean(err), err


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_scan_keeps_names_exact_for_programs(
    tree: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    cli.main(["scan", "--format", fmt])
    document = json.loads(capsys.readouterr().out)
    if fmt == "json":
        files = {f["file"] for f in document["findings"]}
        assert files == {f"{HOSTILE}.py"}
    else:
        (result,) = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                     for r in document["runs"][0]["results"]}  # fmt: skip
        from urllib.parse import unquote

        assert unquote(result) == f"{HOSTILE}.py"


def test_migrate_escapes_its_diff_and_its_messages(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "c.py").write_text(f"import pkg.old  # {HOSTILE}\nx = '\t{HOSTILE}'\npkg.old.f()\n")
    (tree / "d.py").write_text(
        f"try:\n    import pkg.old as m\nexcept ImportError:\n    m = None\nm.f()  # {HOSTILE}\n"
    )
    assert cli.main(["migrate", "--diff"]) == 1
    out, err = capsys.readouterr()
    assert clean(out), out
    assert clean(err), err
    assert f"+++ b/{plain(HOSTILE)}.py" in out
    assert " x = '\ta\\x1b]0;" in out  # tabs in source lines stay tabs
    assert cli.main(["migrate", "--write"]) == 1
    out, err = capsys.readouterr()
    assert clean(out + err), err
    assert (tree / f"{HOSTILE}.py").read_text() == "import pkg.new\npkg.new.f()\n"


@given(st.text())
def test_plain_leaves_nothing_unprintable(text: str) -> None:
    shown = plain(text)
    assert shown.isprintable()
    assert shown == text or not text.isprintable()
    lines = plain_lines(text)
    for line in lines.split("\n")[:-1]:  # (a line ending "\r\n" keeps its "\r")
        assert line.replace("\t", "").removesuffix("\r").isprintable(), line
    assert lines.split("\n")[-1].replace("\t", "").isprintable()
    assert lines.count("\n") == text.count("\n")


def test_plain_escapes_like_python() -> None:
    assert plain("a\x1b[2J\u202eb\udcff\n") == "a\\x1b[2J\\u202eb\\xff\\n"
    assert plain_lines("\tx\x1b\r\ny\n") == "\tx\\x1b\r\ny\n"
    assert sys.maxunicode  # (a wide build: astral characters escape as \U)
    assert plain("\U000e0001") == "\\U000e0001"
