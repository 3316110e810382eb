"""CS107: legacy paths named in comments, docstrings and .md/.rst files; migrate --docs."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import compatshim
from compatshim import cli
from compatshim._model.alias import Alias
from compatshim._model.table import AliasTable
from compatshim._static.docrefs import references
from compatshim._static.docrefs import rewrite_docs
from compatshim._static.table import StaticTable


TABLE = StaticTable(
    AliasTable(
        [Alias("old", "new"), Alias("old.mod:Old", "new.place:New"), Alias("pkg.sub", "canon.sub")]
    )
)
CONFIG = """
[tool.compatshim.aliases]
"old" = "new"
"old.mod:Old" = "new.place:New"
"""


def named(text: str, *, python: bool = False) -> list[tuple[str, str]]:
    return [(r.legacy, r.canonical) for r in references(text, TABLE, python=python)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See old.mod.f for details.", [("old", "new")]),
        ("See :func:`old.mod.f`.", [("old", "new")]),
        ("See :class:`~old.mod.Old`.", [("old.mod.Old", "new.place.New")]),
        ("See :py:meth:`!old.mod.Old.run`.", [("old.mod.Old", "new.place.New")]),
        ("See :mod:`old`.", [("old", "new")]),
        ("See `old` and ``old``.", [("old", "new"), ("old", "new")]),
        (".. automodule:: old.mod\n   :members:", [("old", "new")]),
        (".. currentmodule:: old", [("old", "new")]),
        (".. autoclass:: old.mod.Old", [("old.mod.Old", "new.place.New")]),
        ("resolve('old.mod:Old')", [("old.mod:Old", "new.place:New")]),
        ("pkg.sub.thing and pkg.subtle and pkg.other", [("pkg.sub", "canon.sub")]),
        ("the old way", []),  # a single word in prose is a word
        ("edit old.py or old/mod.py", []),  # file names
        ("https://old.mod.example.org/x", []),  # URLs
        ("bold.mod and my-old.mod", []),  # parts of other names
    ],
)
def test_what_counts_as_a_reference(text: str, expected: list[tuple[str, str]]) -> None:
    assert named(text) == expected


def test_in_python_only_comments_and_docstrings_are_prose() -> None:
    source = textwrap.dedent(
        '''
        """Module: old.mod.f."""
        import json  # was old.thing
        x = "old.mod.f"
        mock.patch("old.mod.f")
        def f():
            """Calls :func:`old.mod.g`."""
            "a" + "old.mod"
            return f"old.mod.{x}"
        '''
    )
    lines = [source[: r.start].count("\n") for r in references(source, TABLE, python=True)]
    assert lines == [1, 2, 6]


def test_rewrite_replaces_exactly_the_legacy_part() -> None:
    text = "Use :func:`~old.mod.f`, old.mod:Old.run and `pkg.sub`; not old.py.\n"
    assert rewrite_docs(text, TABLE, python=False) == (
        "Use :func:`~new.mod.f`, new.place:New.run and `canon.sub`; not old.py.\n"
    )


NAMES = st.sampled_from(
    ["old", "old.mod", "old.mod.Old", "old.mod:Old", "pkg.sub.x", "pkg.subway", "word", "x.y"]
)


@given(st.lists(st.tuples(NAMES, st.sampled_from(["", "`", ":func:`~"])), max_size=6))
def test_rewritten_prose_parses_and_names_nothing_legacy(
    parts: list[tuple[str, str]],
) -> None:
    prose = " ".join(f"{mark}{name}{'`' if mark else ''}" for name, mark in parts)
    source = f'"""{prose}"""\nimport json  # {prose}\n'
    new = rewrite_docs(source, TABLE, python=True)
    ast.parse(new)
    assert references(new, TABLE, python=True) == []
    assert rewrite_docs(new, TABLE, python=True) == new


# -- scan and migrate ---------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {
        "pyproject.toml": CONFIG,
        "app.py": '"""Wraps old.mod.f."""\nimport json  # replaces old.thing\n',
        "legacy.py": "import old  # noqa: CS101\n# see :class:`old.mod.Old`  # noqa: CS107\n",
        "docs/index.rst": "Use :func:`old.mod.f`.\n\n.. automodule:: old\n",
        "README.md": "See `old.mod.Old`.\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_scan_reports_prose_only_when_selected(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["scan"]) == 0  # only a suppressed use in code: prose is not looked at
    assert "CS107" not in capsys.readouterr().out
    assert cli.main(["scan", "--select", "CS107"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if "CS107" in line] == [
        "README.md:1:6: CS107 old.mod.Old is deprecated; use new.place.New",
        "app.py:1:10: CS107 old is deprecated; use new",
        "app.py:2:25: CS107 old is deprecated; use new",
        "docs/index.rst:1:12: CS107 old is deprecated; use new",
        "docs/index.rst:3:17: CS107 old is deprecated; use new",
    ]
    assert out[-1] == "Found 5 legacy uses in 3 files (4 files scanned, 1 parsed, 1 suppressed)."
    assert not compatshim.scan(["."]).findings
    assert len(compatshim.scan(["."], select=["ALL"]).findings) == 5
    everything = compatshim.scan(["."], select=["CS101", "CS107"])
    assert {f.code for f in everything.findings} == {"CS107"}
    assert everything.suppressed == 2
    assert {a.legacy: a.legacy_uses for a in everything.adoption} == {"old": 1, "old.mod:Old": 0}


def test_migrate_docs_rewrites_prose_and_scan_agrees(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["migrate", "--diff"]) == 0  # without --docs: the prose stays
    assert capsys.readouterr().out == ""
    assert cli.main(["migrate", "--diff", "--docs"]) == 1
    assert "+.. automodule:: new\n" in capsys.readouterr().out
    assert cli.main(["migrate", "--write", "--docs"]) == 0
    assert (project / "docs/index.rst").read_text(encoding="utf-8") == (
        "Use :func:`new.mod.f`.\n\n.. automodule:: new\n"
    )
    assert (project / "README.md").read_text(encoding="utf-8") == "See `new.place.New`.\n"
    assert "# see :class:`old.mod.Old`  # noqa: CS107" in (project / "legacy.py").read_text(
        encoding="utf-8"
    )
    assert cli.main(["scan", "--select", "ALL"]) == 0
