"""scan --baseline: write it, edit unrelated lines, add a use, remove a use, update; bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim import cli
from compatshim._static.baseline import VERSION
from compatshim._static.baseline import Baseline


CONFIG = '[tool.compatshim.aliases]\n"old" = "new"\n"old.mod:Old" = "new.place:New"\n'
APP = "import old\nfrom old.mod import Old\n\n\ndef f():\n    import old.sub\n"
BASE = "compatshim-baseline.json"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / "other.py").write_text("import old.x\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["scan", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def written(tree: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    status, out, err = scan(capsys, "--baseline", BASE, "--write-baseline")
    assert status == 0
    assert "CS101" not in out and "4 in the baseline" in out
    assert err == f"compatshim: baseline: 4 findings recorded in {BASE}\n"
    document: dict[str, object] = json.loads((tree / BASE).read_text(encoding="utf-8"))
    return document


def test_write_records_every_finding_sorted_and_stable(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = written(tree, capsys)
    assert document["version"] == VERSION
    assert document["entries"] == [
        {"file": "other.py", "code": "CS101", "legacy": "old.x", "source": "import old.x",
         "count": 1},
        {"file": "pkg/app.py", "code": "CS101", "legacy": "old", "source": "import old",
         "count": 1},
        {"file": "pkg/app.py", "code": "CS101", "legacy": "old.sub", "source": "import old.sub",
         "count": 1},
        {"file": "pkg/app.py", "code": "CS102", "legacy": "old.mod.Old",
         "source": "from old.mod import Old", "count": 1},
    ]  # fmt: skip
    first = (tree / BASE).read_bytes()
    assert first.count(b"\n") == 4 + 6  # one entry per line: a review sees each one
    written(tree, capsys)
    assert (tree / BASE).read_bytes() == first  # stable


def test_unrelated_edits_keep_the_baseline_green(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written(tree, capsys)
    moved = "# a new header\n\n\n" + APP.replace("    import old.sub", "        import old.sub")
    moved = moved.replace("def f():", "def f():\n    if True:")
    (tree / "pkg" / "app.py").write_text(moved, encoding="utf-8")
    status, out, err = scan(capsys, "--baseline", BASE)
    assert (status, err) == (0, "")
    assert "No legacy paths used" in out and "4 in the baseline" in out


def test_a_new_use_fails_and_is_the_only_one_listed(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written(tree, capsys)
    # A second use on an identical line is new too: the count is per key.
    (tree / "pkg" / "app.py").write_text(APP + "import old\n", encoding="utf-8")
    status, out, err = scan(capsys, "--baseline", BASE)
    assert status == 1
    assert out.splitlines()[0] == "pkg/app.py:7:8: CS101 old is deprecated; use new"
    assert "Found 1 legacy use in 1 files" in out and "4 in the baseline" in out
    assert err == ""
    (tree / "pkg" / "app.py").write_text(APP + "x = old.thing\n", encoding="utf-8")
    assert scan(capsys, "--baseline", BASE)[0] == 1


def test_a_removed_use_is_named_and_update_removes_it(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written(tree, capsys)
    (tree / "pkg" / "app.py").write_text(APP.replace("import old\n", ""), encoding="utf-8")
    status, _, err = scan(capsys, "--baseline", BASE)
    assert status == 0
    assert err.splitlines() == [
        "compatshim: baseline: pkg/app.py: CS101 old no longer occurs: import old",
        f"compatshim: baseline: run with --update-baseline to remove them from {BASE}",
    ]
    before = (tree / BASE).read_text(encoding="utf-8")
    status, _, err = scan(capsys, "--baseline", BASE, "--update-baseline")
    assert status == 0
    assert err.splitlines()[-1] == f"compatshim: baseline: 1 findings removed from {BASE}"
    after = (tree / BASE).read_text(encoding="utf-8")
    assert len(json.loads(after)["entries"]) == 3
    assert [line for line in before.splitlines() if line not in after] == [
        (
            '    {"file": "pkg/app.py", "code": "CS101", "legacy": "old", "source": "import old", '
            '"count": 1},'
        )
    ]
    assert scan(capsys, "--baseline", BASE)[2] == ""  # nothing stale any more


def test_update_never_adds(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    written(tree, capsys)
    (tree / "pkg" / "app.py").write_text("import old.other\n", encoding="utf-8")
    status, out, _ = scan(capsys, "--baseline", BASE, "--update-baseline")
    assert status == 1 and "pkg/app.py:1:8: CS101" in out
    entries = json.loads((tree / BASE).read_text(encoding="utf-8"))["entries"]
    assert [e["file"] for e in entries] == ["other.py"]  # the new use was not added


def test_files_not_scanned_are_not_judged(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A pre-commit run names the changed files only: the others' entries are not stale."""
    written(tree, capsys)
    status, _, err = scan(capsys, "other.py", "--baseline", BASE, "--update-baseline")
    assert (status, err) == (0, "")
    assert len(json.loads((tree / BASE).read_text(encoding="utf-8"))["entries"]) == 4


def test_scanned_from_another_folder(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    written(tree, capsys)
    os.chdir(tree / "pkg")
    status, out, err = scan(
        capsys, ".", "--baseline", f"../{BASE}", "--config", "../pyproject.toml"
    )
    assert (status, err) == (0, "") and "3 in the baseline" in out


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "not JSON (Expecting property name enclosed in double quotes)"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "not a JSON object"),
        (b'{"entries": []}', "no version"),
        (b'{"version": 99, "entries": []}', "version 99 is newer than this compatshim reads (1)"),
        (b'{"version": 1}', "no list of entries"),
        (b'{"version": 1, "entries": [1]}', "entry 1 is not an object"),
        (
            (
                b'{"version": 1, "entries": [{"file": "a", "code": "CS101", "legacy": 1, '
                b'"source": ""}]}'
            ),
            "entry 1 lacks a file, code, legacy or source string",
        ),
        (
            (
                b'{"version": 1, "entries": [{"file": "a", "code": "C", "legacy": "o", '
                b'"source": "", "count": true}]}'
            ),
            "entry 1 has no positive count",
        ),
        (b"[" * 100000, "not JSON (maximum recursion depth exceeded)"),
    ],
)
def test_a_bad_baseline_is_one_line_and_exit_2(
    tree: Path, capsys: pytest.CaptureFixture[str], content: bytes, why: str
) -> None:
    (tree / BASE).write_bytes(content)
    status, out, err = scan(capsys, "--baseline", BASE)
    assert status == 2 and out == ""
    assert err.startswith(f"compatshim: error: {BASE}: not a usable baseline: ")
    assert why.partition("(")[0] in err
    assert err.count("\n") == 1 and "#baseline-invalid" in err


def test_missing_baseline_and_usage(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = scan(capsys, "--baseline", "nope.json")
    assert status == 2 and "#baseline-missing" in err and err.count("\n") == 1
    status, _, err = scan(capsys, "--write-baseline")
    assert status == 2 and "need --baseline FILE" in err


def test_never_writes_through_a_symbolic_link(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "elsewhere.json").write_text("keep", encoding="utf-8")
    (tree / BASE).symlink_to(tree / "elsewhere.json")
    status, _, err = scan(capsys, "--baseline", BASE, "--write-baseline")
    assert status == 2 and "#baseline-write" in err
    assert (tree / "elsewhere.json").read_text(encoding="utf-8") == "keep"


@settings(max_examples=40)
@given(st.dictionaries(st.tuples(*[st.text(max_size=5)] * 4), st.integers(1, 5), max_size=6))
def test_dump_reads_back(entries: dict[tuple[str, str, str, str], int]) -> None:
    baseline = Baseline("b.json")
    text = baseline.dump(entries)
    from compatshim._static.baseline import _entries

    assert _entries("b.json", json.loads(text)) == entries
    assert baseline.dump(dict(reversed(list(entries.items())))) == text  # sorted: stable
