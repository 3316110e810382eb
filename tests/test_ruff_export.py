"""compatshim export ruff: the region it owns, check's verdict, and ruff itself against scan."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import compatshim
from compatshim import cli
from compatshim._base.paths import dotted
from compatshim._base.paths import shown
from compatshim._model.config import read_config
from compatshim._stubs.ruffexport import BEGIN
from compatshim._stubs.ruffexport import END
from compatshim._stubs.ruffexport import export_ruff


EXAMPLE = Path(__file__).parent.parent / "examples" / "legacy-app"
ALIASES = """
[tool.compatshim.aliases]
"old" = { target = "new", removed_in = "3.0" }
"old.mod:Old" = "new.place:New"
"pkg.sub" = { target = "canon.sub", remove_after = 2027-01-31 }
"pkg.util:Thing" = "canon:Thing"
"""


def _ruff() -> str:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - ruff is a test dependency
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    return str(find_ruff_bin())


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = cli.main(["export", "ruff", *args])
    return status, capsys.readouterr().err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


HEADS = [
    "[project]\nname = 'x'\n" + ALIASES,
    "# comment\r\n[project]\r\nname = 'x'\r\n" + ALIASES.replace("\n", "\r\n"),
    ALIASES + "\n[tool.ruff]\nline-length = 99  # no newline at the end",
    ALIASES + "[tool.ruff.lint]\nextend-select = ['TID251']\n\n\n",
]


@pytest.mark.parametrize("head", HEADS)
def test_write_keeps_everything_outside_the_region(
    project: Path, capsys: pytest.CaptureFixture[str], head: str
) -> None:
    (project / "pyproject.toml").write_bytes(head.encode())
    assert export(capsys)[0] == 1  # missing
    status, err = export(capsys, "--write")
    assert status == 0 and "4 entries written to pyproject.toml" in err
    data = (project / "pyproject.toml").read_bytes()
    start = data.index(BEGIN.encode())
    assert data.startswith(head.encode()) and data[len(head) : start].strip() == b""
    assert data.endswith(((END + "\n").encode(), (END + "\r\n").encode()))
    if "\r\n" in head:
        assert b"\n" not in data.replace(b"\r\n", b"")  # the file's newlines throughout
    document = compatshim._base.compat.toml_loads(data.decode())
    banned = document["tool"]["ruff"]["lint"]["flake8-tidy-imports"]["banned-api"]
    assert banned == {
        "old": {"msg": "deprecated (compatshim): use new; removed in 3.0"},
        "old.mod.Old": {"msg": "deprecated (compatshim): use new.place.New"},
        "pkg.sub": {"msg": "deprecated (compatshim): use canon.sub; removed after 2027-01-31"},
        "pkg.util.Thing": {"msg": "deprecated (compatshim): use canon.Thing"},
    }
    assert export(capsys) == (0, "compatshim export ruff: pyproject.toml is current.\n") or (
        "TID251" not in head
    )
    assert export(capsys, "--write")[0] == 0
    assert (project / "pyproject.toml").read_bytes() == data  # twice changes nothing
    # Edited around the region, and the table changed: only the region changes.
    edited = data.replace(b"name = 'x'", b"name = 'y'") + b"# after\n"
    edited = edited.replace(b'"pkg.util:Thing" = "canon:Thing"', b"")
    (project / "pyproject.toml").write_bytes(edited)
    assert export(capsys)[0] == 1
    assert export(capsys, "--write")[0] == 0
    final = (project / "pyproject.toml").read_bytes()
    region = slice(final.index(BEGIN.encode()), final.index(END.encode()))
    assert final[: region.start] == edited[: edited.index(BEGIN.encode())]
    assert final.endswith(b"# after\n")
    assert b"pkg.util.Thing" not in final[region]


def test_the_rule_not_selected_is_said(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(ALIASES, encoding="utf-8")
    assert "[export-not-selected]" in export(capsys, "--write")[1]
    (project / "pyproject.toml").write_text(
        ALIASES + "[tool.ruff.lint]\nselect = ['E', 'TID']\n", encoding="utf-8"
    )
    assert "[export-not-selected]" not in export(capsys, "--write")[1]


def test_a_ruff_toml_gets_the_region(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(ALIASES, encoding="utf-8")
    (project / "ruff.toml").write_text("line-length = 90\n", encoding="utf-8")
    assert export(capsys, "--write")[0] == 0
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == ALIASES
    text = (project / "ruff.toml").read_text(encoding="utf-8")
    assert text.startswith("line-length = 90\n\n" + BEGIN)
    assert "\n[lint.flake8-tidy-imports.banned-api]\n" in text


@pytest.mark.parametrize(
    ("extra", "slug"),
    [
        ("[tool.ruff.lint.flake8-tidy-imports.banned-api]\n'x'.msg = 'mine'\n", "export-conflict"),
        (f"{BEGIN}\n", "export-region"),
        (f"{END}\n{BEGIN}\n", "export-region"),
        (f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n", "export-region"),
    ],
)
def test_what_it_will_not_edit(
    project: Path, capsys: pytest.CaptureFixture[str], extra: str, slug: str
) -> None:
    original = ALIASES + extra
    (project / "pyproject.toml").write_text(original, encoding="utf-8")
    status, err = export(capsys, "--write")
    assert status == 2 and f"#{slug}" in err and err.count("\n") == 1
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == original


def test_never_through_a_symbolic_link(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "real").mkdir()
    (project / "real" / "ruff.toml").write_text("line-length = 90\n", encoding="utf-8")
    (project / "pyproject.toml").write_text(ALIASES, encoding="utf-8")
    (project / "ruff.toml").symlink_to(project / "real" / "ruff.toml")
    status, err = export(capsys, "--write")
    assert status == 2 and "#export-link" in err
    assert (project / "real" / "ruff.toml").read_text(encoding="utf-8") == "line-length = 90\n"
    assert (project / "ruff.toml").is_symlink()


def test_check_reports_a_stale_export(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from compatshim._check.check import CheckReport
    from compatshim._check.check import _add_export_problems

    def problems() -> list[tuple[str, str]]:
        report = CheckReport("pyproject.toml", [])
        _add_export_problems(read_config(None, store=False), report)
        assert report.ok is not bool(report.problems)
        return report.problems

    config = project / "pyproject.toml"
    config.write_text('[tool.compatshim.aliases]\n"json_old" = "json"\n', encoding="utf-8")
    assert problems() == []  # never exported: nothing to say
    assert export(capsys, "--write")[0] == 0
    assert problems() == []
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('"json"\n', '"json"\n"pickle_old" = "pickle"\n', 1), "utf-8")
    assert problems() == [
        (
            "ruff-export",
            "pyproject.toml: the banned-api export is stale; run compatshim export ruff --write",
        )
    ]
    config.write_text(text + f"{BEGIN}\n", encoding="utf-8")
    assert problems()[0][1].endswith("[export-region]")
    config.write_text(text, encoding="utf-8")
    assert problems() == []


def test_check_json_has_the_projects_problems(project: Path) -> None:
    from compatshim._check.check import CheckReport

    report = CheckReport("pyproject.toml", [])
    report.problems.append(("ruff-export", "stale"))
    document = report.to_json()
    assert document["format"] == 3 and document["ok"] is False
    assert document["problems"] == ["ruff-export: stale"]
    assert "  FAIL  ruff-export: stale\n" in report.to_text()


# -- ruff itself --------------------------------------------------------------------------------


def ruff_findings(root: Path) -> set[tuple[str, int, str]]:
    proc = subprocess.run(
        [_ruff(), "check", "--no-cache", "--select", "TID251", "--output-format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    found = set()
    for item in json.loads(proc.stdout):
        assert item["code"] == "TID251"
        banned = item["message"].split("`")[1]
        file = str(Path(item["filename"]).relative_to(root))
        found.add((file, item["location"]["row"], banned))
    return found


def scan_findings(root: Path, codes: tuple[str, ...]) -> set[tuple[str, int, str]]:
    result = compatshim.scan([str(root)], str(root / "pyproject.toml"))
    return {
        (str(Path(f.file).relative_to(root)), f.line, dotted(f.key))
        for f in result.findings
        if f.code in codes
    }


def exported_copy(source: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(source, root)
    export_ruff(read_config(str(root / "pyproject.toml"), store=False)).write()
    return root


def test_ruff_reports_what_scan_reports_on_the_example(tmp_path: Path) -> None:
    root = exported_copy(EXAMPLE, tmp_path)
    by_ruff = ruff_findings(root)
    assert scan_findings(root, ("CS101", "CS102")) <= by_ruff
    # ruff resolves attribute chains too: with CS103 the two agree exactly.
    assert scan_findings(root, ("CS101", "CS102", "CS103")) == by_ruff
    assert len(by_ruff) == 10


FORMS = [
    # (source lines, exact): every form scan and ruff both report, one per line.
    "import old",
    "import old.mod",
    "import old.mod as m_{n}",
    "import old.deep.er",
    "from old import mod",
    "from old.mod import helper_{n}",
    "from old.mod import Old",
    "from old.mod import Old as Old_{n}, helper_{n}",
    "import pkg.sub",
    "import pkg.sub.deep as d_{n}",
    "from pkg import sub",
    "from pkg.sub import thing_{n}",
    "from pkg.util import Thing",
    "from pkg.util import Thing as T_{n}",
    "import new.mod",
    "from canon import sub",
    "import pkg",
    "from pkg import util",
]


def generated_tree(tmp_path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    root = tmp_path / "generated"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text(ALIASES, encoding="utf-8")
    for n in range(40):
        lines = [rng.choice(FORMS).format(n=n) for _ in range(rng.randint(1, 8))]
        if rng.random() < 0.3:
            lines.insert(0, '"""A module."""')
        (root / "app" / f"m{n}.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    export_ruff(read_config(str(root / "pyproject.toml"), store=False)).write()
    return root


def test_ruff_and_scan_agree_on_a_generated_tree(tmp_path: Path) -> None:
    """Compared finding by finding (file, line, legacy path). ruff also reports the module a
    moved name is imported from (``from old.mod import Old`` bans ``old`` too): that is the
    one difference, and it is checked to be exactly that."""
    root = generated_tree(tmp_path, 14)
    by_scan = scan_findings(root, ("CS101", "CS102"))
    by_ruff = ruff_findings(root)
    assert by_scan and by_scan <= by_ruff
    moved = {(f, line, key) for f, line, key in by_scan if key in ("old.mod.Old", "pkg.util.Thing")}
    for file, line, banned in by_ruff - by_scan:
        assert any(
            (file, line, key) in moved and key.startswith(banned + ".")
            for key in ("old.mod.Old", "pkg.util.Thing")
        ), (file, line, banned)


def test_the_documented_differences(tmp_path: Path) -> None:
    """What scan finds and ruff's banned-api cannot: strings naming a path. (ruff resolves a
    relative import inside the legacy package, as scan does.)"""
    root = tmp_path / "diff"
    (root / "old").mkdir(parents=True)
    (root / "pyproject.toml").write_text(ALIASES, encoding="utf-8")
    (root / "old" / "__init__.py").write_text("", encoding="utf-8")
    (root / "old" / "user.py").write_text("from . import mod\n", encoding="utf-8")
    (root / "app.py").write_text(
        'import importlib\nimportlib.import_module("old.mod")\n', encoding="utf-8"
    )
    export_ruff(read_config(str(root / "pyproject.toml"), store=False)).write()
    assert ruff_findings(root) == {("old/user.py", 1, "old")}
    assert scan_findings(root, ("CS101", "CS104")) == {
        ("old/user.py", 1, "old"),
        ("app.py", 2, "old"),
    }


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "# x", "[t]", "k = 1", "", "\r", "é = 'ü'", BEGIN[:5]]),
        max_size=8,
    ),
    st.booleans(),
)
def test_the_bytes_outside_the_region_never_change(lines: list[str], crlf: bool) -> None:
    from compatshim._stubs.ruffexport import RuffExport

    newline = "\r\n" if crlf else "\n"
    raw = newline.join(lines).encode()
    before = RuffExport("pyproject.toml", raw, None, ("x",), {"a.b": "m"})
    new = before.new_content()
    assert new.startswith(raw)
    start = new.index(BEGIN.encode())
    after = RuffExport("pyproject.toml", new, (start, len(new)), ("x",), {"c": "n"})
    again = after.new_content()
    assert again[:start] == new[:start] and b'"c".msg = "n"' in again
    assert shown("pyproject.toml") == "pyproject.toml"
