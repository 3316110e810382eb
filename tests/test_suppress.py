"""Per-line suppression: # noqa, # noqa: CS101, # compatshim: ignore, in scan and migrate."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import compatshim
from compatshim import cli
from compatshim._model.alias import Alias
from compatshim._model.table import AliasTable
from compatshim._static.rewrite import rewrite
from compatshim._static.suppress import suppressions
from compatshim._static.table import StaticTable


CONFIG = """
[tool.compatshim.aliases]
"old" = "new"
"old.mod:Old" = "new.place:New"
"""

TABLE = StaticTable(AliasTable([Alias("old", "new"), Alias("old.mod:Old", "new.place:New")]))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def found(text: str) -> list[str]:
    Path("app.py").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    result = compatshim.scan(["app.py"])
    return [f"{f.line} {f.code}{' quiet' if f.suppressed else ''}" for f in result.findings]


@pytest.mark.parametrize(
    ("comment", "silenced"),
    [
        ("# noqa", True),
        ("# NOQA", True),
        ("#noqa:CS101", True),
        ("# noqa: CS101", True),
        ("# noqa: E501, CS101", True),
        ("# noqa: E501 CS101", True),
        ("# noqa: cs101", True),
        ("# type: ignore  # noqa: CS101", True),
        ("# compatshim: ignore", True),
        ("# compatshim:ignore -- the plugin API needs the old path", True),
        ("# noqa: CS102", False),
        ("# noqa: E501", False),
        ("# no qa", False),
        ("# compatshim: ignored", False),
    ],
)
def test_which_comments_silence_a_line(tree: Path, comment: str, silenced: bool) -> None:
    expected = [] if silenced else ["1 CS101"]
    assert found(f"import old  {comment}\n") == expected


def test_a_hash_inside_a_string_is_no_comment(tree: Path) -> None:
    assert found('import old; x = "# noqa"\n') == ["1 CS101"]


def test_only_the_codes_named_are_silenced(tree: Path) -> None:
    source = """
    from old.mod import Old, other  # noqa: CS102
    import old.mod
    """
    assert found(source) == ["1 CS101", "2 CS101"]


def test_the_first_line_of_a_statement_covers_the_statement(tree: Path) -> None:
    """As ruff does for imports: the comment on the first line of a multi-line statement."""
    source = """
    from old.mod import (  # noqa: CS102
        Old,
    )
    from old.mod import (
        Old,  # noqa: CS102
    )
    from old.mod import (
        Old,
    )  # noqa: CS102
    """
    assert found(source) == ["8 CS102"]  # a comment on the last line covers only that line


def test_show_suppressed_and_the_summary(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("app.py").write_text("import old  # noqa\nimport old.mod\n", encoding="utf-8")
    assert cli.main(["scan", "app.py"]) == 1
    out = capsys.readouterr().out
    assert "app.py:1:" not in out
    assert "(1 files scanned, 1 parsed, 1 suppressed)" in out
    assert cli.main(["scan", "app.py", "--show-suppressed"]) == 1
    out = capsys.readouterr().out
    assert "app.py:1:8: CS101 old is deprecated; use new (suppressed)" in out
    assert cli.main(["scan", "app.py", "--show-suppressed", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [f.get("suppressed", False) for f in document["findings"]] == [True, False]
    assert document["suppressed"] == 1


def test_everything_suppressed_exits_0(tree: Path) -> None:
    Path("app.py").write_text("import old  # noqa: CS101\n", encoding="utf-8")
    assert cli.main(["scan", "app.py"]) == 0
    result = compatshim.scan(["app.py"])
    assert result.ok and result.suppressed == 1
    assert result.adoption[0].legacy_uses == 1  # still a legacy use: the share counts it


# -- migrate ------------------------------------------------------------------------------------


def migrated(source: str) -> tuple[str, list[str]]:
    text = textwrap.dedent(source).lstrip("\n")
    new, left = rewrite(text, TABLE)
    return new, [f"{f.code} {f.legacy}: {f.note}" for f in left]


def test_migrate_leaves_a_suppressed_import_alone() -> None:
    source = """
    import old.sub  # noqa: CS101
    from old.mod import Old
    """
    new, left = migrated(source)
    assert new == "import old.sub  # noqa: CS101\nfrom new.place import New as Old\n"
    assert left == []


def test_migrate_leaves_a_suppressed_string_alone() -> None:
    source = """
    from unittest import mock
    mock.patch("old.mod.x")  # compatshim: ignore
    mock.patch("old.mod.y")
    """
    new, left = migrated(source)
    assert 'mock.patch("old.mod.x")  # compatshim: ignore' in new
    assert 'mock.patch("new.mod.y")' in new
    assert left == []


def test_a_name_with_a_suppressed_use_keeps_every_use() -> None:
    """A name moves with all its uses or none: the suppressed one holds the rest back, said."""
    source = """
    import old.mod
    a = old.mod.f  # noqa
    b = old.mod.g
    """
    new, left = migrated(source)
    assert new == textwrap.dedent(source).lstrip("\n")
    assert sorted(left) == [
        "CS101 old.mod: a use of 'old' is suppressed with # noqa, so it stays",
        "CS103 old: another use of 'old' is suppressed with # noqa, so it stays",
    ]


def test_migrate_write_then_scan_agree(tree: Path) -> None:
    source = "import old.sub  # noqa\nfrom old.mod import Old\nimport old as o  # noqa: E501\n"
    Path("app.py").write_text(source, encoding="utf-8")
    result = compatshim.migrate(["app.py"], write=True)
    assert result.left == []
    text = Path("app.py").read_text(encoding="utf-8")
    assert text == (
        "import old.sub  # noqa\nfrom new.place import New as Old\nimport new as o  # noqa: E501\n"
    )
    after = compatshim.scan(["app.py"])
    assert after.ok and after.suppressed == 1


@given(
    st.lists(
        st.sampled_from(["# noqa", "# noqa: CS101", "# noqa: X1", "", "# compatshim: ignore"]),
        min_size=1,
        max_size=5,
    )
)
def test_each_line_is_judged_by_its_own_comment(comments: list[str]) -> None:
    text = "".join(f"import old  {c}\n" if c else "import old\n" for c in comments)
    quiet = suppressions(text)
    for line, comment in enumerate(comments, 1):
        expected = comment in ("# noqa", "# noqa: CS101", "# compatshim: ignore")
        assert quiet.silences(line, "CS101") is expected


PIECES = [
    "import old",
    "import old  # noqa",
    "import old  # noqa: E501",
    "from old.mod import (  # noqa: CS102\n    Old,\n)",
    "from old.mod import (\n    Old,  # compatshim: ignore\n)",
    "x = (  # noqa\n    old.mod.f\n)",
    'y = "# noqa"; import old',
    's = """\n# noqa\n"""',
    "z = 1 + \\\n    2  # noqa",
    "# noqa: CS101",
]


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6))
def test_reading_only_what_can_matter_changes_no_verdict(pieces: list[str]) -> None:
    """Given the findings' lines, the file is tokenized only as far as needed, or not at all:
    the verdict on those lines is the same as reading the whole file."""
    text = "\n".join(pieces) + "\n"
    whole = suppressions(text)
    count = text.count("\n")
    for line in range(1, count + 1):
        for code in ("CS101", "CS102", "CS103"):
            assert suppressions(text, [line]).silences(line, code) is whole.silences(line, code)
