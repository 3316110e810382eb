"""compatshim scan: findings, formats, exit codes, file selection, adoption."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from helpers import snapshot
from hypothesis import given
from hypothesis import strategies as st

import compatshim
from compatshim import cli
from compatshim._model.alias import Alias
from compatshim._model.table import AliasTable
from compatshim._static import pool as _pool
from compatshim._static import scan as _scan
from compatshim._static.pipeline import INTERNAL_ERROR
from compatshim._static.source import Source
from compatshim._static.table import StaticTable


CONFIG = """
[tool.compatshim.aliases]
"old" = "new"
"old.mod:Old" = "new.place:New"
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {"pyproject.toml": CONFIG})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lines(result: compatshim.ScanResult) -> list[str]:
    return [
        f"{Path(f.file).name}:{f.line}:{f.column}: {f.code} {f.message}" for f in result.findings
    ]


def test_corpus_findings(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import form, chain and string of the corpus, in ruff's format, with adoption."""
    monkeypatch.chdir(corpus)
    result = compatshim.scan(["."])
    errors = "".join(f"skipped {path}: {message}\n" for path, message in result.errors)
    snapshot("scan.txt", errors + result.render("text"))
    assert result.errors == [
        ("cases/broken.py", "not valid Python: invalid syntax (line 4) [source-syntax]")
    ]


def test_json_format(tree: Path) -> None:
    write(tree, {"app.py": "import old.mod\nfrom old.mod import Old\nimport new\n"})
    document = json.loads(compatshim.scan(["."]).render("json"))
    assert document["format"] == 1
    assert document["findings"] == [
        {"file": "app.py", "line": 1, "column": 8, "legacy": "old.mod",
         "canonical": "new.mod", "kind": "import", "code": "CS101"},
        {"file": "app.py", "line": 2, "column": 21, "legacy": "old.mod.Old",
         "canonical": "new.place.New", "kind": "moved-name", "code": "CS102"},
    ]  # fmt: skip
    adoption = {a["legacy"]: a for a in document["adoption"]}
    assert adoption["old"]["legacy_uses"] == 1
    assert adoption["old"]["canonical_uses"] == 1
    assert adoption["old"]["ratio"] == 0.5
    assert adoption["old.mod:Old"]["canonical_uses"] == 0
    assert document["errors"] == []


def test_github_and_sarif_formats(tree: Path) -> None:
    write(tree, {"pkg/a,b.py": "import old\n", "my dir#1/x.py": "x = '😀'; import old\n"})
    result = compatshim.scan(["."])
    assert result.render("github").splitlines()[1] == (
        "::warning file=pkg/a%2Cb.py,line=1,col=8,title=compatshim CS101"
        "::old is deprecated; use new"
    )
    sarif = json.loads(result.render("sarif"))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} >= {"CS101", "CS105"}
    assert run["columnKind"] == "unicodeCodePoints"  # columns count characters
    spaced, finding = run["results"]
    assert finding["ruleId"] == "CS101"
    location = finding["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "pkg/a%2Cb.py"},
        "region": {"startLine": 1, "startColumn": 8},
    }
    location = spaced["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "my%20dir%231/x.py"}  # a valid URI
    assert location["region"]["startColumn"] == 17  # 😀 is one code point


def test_a_submodule_aliased_to_a_top_level_module(tree: Path) -> None:
    write(tree, {"pyproject.toml": '[tool.compatshim.aliases]\n"pkg.nodes" = "dnodes"\n'})
    write(tree, {"app.py": "from pkg import nodes\n"})
    assert lines(compatshim.scan(["."])) == [
        "app.py:1:17: CS101 pkg.nodes is deprecated; use dnodes"
    ]


def test_done_is_rounded_down_and_parser_warnings_stay_quiet(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """100% only when nothing is left; the compiler's warnings about scanned code (which name
    no file) are not printed."""
    files = {f"c{i}.py": "import new\n" for i in range(250)}
    files["legacy.py"] = 'import old\nx = "\\d"\n'  # an invalid escape: a SyntaxWarning
    write(tree, files)
    text = compatshim.scan(["."], jobs=1).render("text")
    assert "old -> new" in text and " 99%" in text and "100%" not in text
    assert "Warning" not in capsys.readouterr().err


def test_exit_codes(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tree, {"clean.py": "import new\n"})
    assert cli.main(["scan"]) == 0
    write(tree, {"dirty.py": "import old\n"})
    assert cli.main(["scan"]) == 1
    assert cli.main(["scan", "--exit-zero"]) == 0
    assert cli.main(["scan", "clean.py"]) == 0
    assert "dirty.py:1:8: CS101 old is deprecated; use new" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "config", "expected"),
    [
        (["scan", "missing.py"], CONFIG, "missing.py: no such file or folder"),
        (["scan", "--format", "xml"], CONFIG, "invalid choice: 'xml'"),
        (["scan"], "[project]\nname = 'x'\n", "no [tool.compatshim] table found"),
        (["scan"], '[tool.compatshim.aliases]\n"os" = "new"\n', "belongs to the standard library"),
        (["migrate", "."], CONFIG, "one of the arguments --diff --write is required"),
    ],
)
def test_usage_and_config_errors_exit_2_without_traceback(
    tree: Path, capsys: pytest.CaptureFixture[str], args: list[str], config: str, expected: str
) -> None:
    write(tree, {"pyproject.toml": config, "a.py": "import old\n"})
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_files_that_do_not_parse_or_decode_are_reported_and_skipped(tree: Path) -> None:
    write(tree, {"bad.py": "import old\ndef (:\n", "good.py": "import old\n"})
    (tree / "binary.py").write_bytes(b"import old\n\xff\xfe\x00")
    result = compatshim.scan(["."])
    assert lines(result) == ["good.py:1:8: CS101 old is deprecated; use new"]
    reasons = dict(result.errors)
    assert reasons["bad.py"] == "not valid Python: invalid syntax (line 2) [source-syntax]"
    assert reasons["binary.py"].startswith("cannot decode it as utf-8: byte 0xff")


def test_a_file_compatshim_fails_on_is_reported_and_the_rest_is_read(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An internal error on one file (a bug) never stops the scan of the others."""
    write(tree, {"boom.py": "import old\n", "good.py": "import old\n"})
    real = _scan.analyze  # type: ignore[attr-defined]

    def analyze(text: str, *args: object, **kwargs: object) -> object:
        if text.startswith("import old\n") and analyze.calls == 0:  # type: ignore[attr-defined]
            analyze.calls += 1  # type: ignore[attr-defined]
            raise AttributeError("a bug")
        return real(text, *args, **kwargs)  # type: ignore[arg-type]

    analyze.calls = 0  # type: ignore[attr-defined]
    monkeypatch.setattr(_scan, "analyze", analyze)
    result = compatshim.scan(["."], jobs=1)
    assert len(lines(result)) == 1
    ((_, reason),) = result.errors
    assert reason == f"{INTERNAL_ERROR}: AttributeError('a bug') [internal-error]"


def test_annotations_and_handlers_in_one_walk(tree: Path) -> None:
    """String annotations are read wherever annotations are, and in the subscripts of generic
    types (type aliases); not in other definitions, Literal, Annotated's metadata or dicts,
    in annotations too."""
    source = (
        "import old.mod\n"
        "class C:\n    x: 'old.mod.Y'\n"
        "def f(a: 'old.mod.Y') -> 'old.mod.Y':\n"
        "    try:\n        pass\n    except ValueError as e:\n        pass\n"
        "async def g() -> 'old.mod.Y': ...\n"
        "lam = lambda: 0\n"
        "Alias = Union['old.mod.Y', typing.Optional['old.mod.Y']]\n"  # a type alias
        "def h(a: Optional['old.mod.Y']): ...\n"  # read once, not once per walk
        "values = Literal['old.mod.Y'], d['old.mod.Y'], Annotated[int, 'old.mod.Y']\n"
        "def k(a: Literal['old.mod.Y'], b: Annotated['old.mod.Y', 'old.mod.Z']): ...\n"
    )
    write(tree, {"a.py": source})
    assert [line.split(": ", 1)[0] for line in lines(compatshim.scan(["."]))] == [
        "a.py:1:8",
        "a.py:3:9",
        "a.py:4:11",
        "a.py:4:27",
        "a.py:9:19",
        "a.py:11:16",
        "a.py:11:45",
        "a.py:12:20",
        "a.py:14:46",
    ]


@given(st.text(alphabet="ab\n\r é", max_size=60))
def test_line_starts_follow_every_kind_of_line_break(text: str) -> None:
    """The fast path (no \\r) and the general one agree with the parser's line breaks."""
    expected = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    assert Source(text)._starts == expected


def test_encodings_and_columns_in_characters(tree: Path) -> None:
    (tree / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nx = '\xe9\xe9'; import old\n")
    (tree / "bom.py").write_bytes(b"\xef\xbb\xbfimport old\r\nimport old.mod\r\n")
    result = compatshim.scan(["."])
    assert lines(result) == [
        "bom.py:1:8: CS101 old is deprecated; use new",
        "bom.py:2:8: CS101 old.mod is deprecated; use new.mod",
        "latin.py:2:18: CS101 old is deprecated; use new",
    ]


def test_default_excludes_gitignore_and_exclude_globs(tree: Path) -> None:
    legacy = "import old\n"
    write(
        tree,
        {
            "src/app.py": legacy,
            "src/generated/gen.py": legacy,
            "build/lib/app.py": legacy,
            ".venv/lib/site.py": legacy,
            "env2/pyvenv.cfg": "",
            "env2/lib/x.py": legacy,
            "ignored_by_git.py": legacy,
            ".gitignore": "ignored_by_git.py\n",
        },
    )
    found = {Path(f.file).as_posix() for f in compatshim.scan(["."]).findings}
    # Outside a git work tree .gitignore is not read; the default excludes still apply.
    assert found == {"src/app.py", "src/generated/gen.py", "ignored_by_git.py"}
    found = {
        Path(f.file).as_posix() for f in compatshim.scan(["."], exclude=["generated"]).findings
    }
    assert "src/generated/gen.py" not in found
    subprocess.run(["git", "init", "-q", "."], check=True)
    found = {Path(f.file).as_posix() for f in compatshim.scan(["."]).findings}
    assert found == {"src/app.py", "src/generated/gen.py"}
    # A file named on the command line is always read.
    assert len(compatshim.scan(["ignored_by_git.py"]).findings) == 1


def test_only_files_that_mention_a_path_are_parsed(tree: Path) -> None:
    write(tree, {"a.py": "import old\n", "b.py": "x = 1\n", "c.py": "# older\nbold = 1\n"})
    result = compatshim.scan(["."])
    assert (result.files, result.parsed, len(result.findings)) == (3, 1, 1)


def test_relative_imports_inside_a_legacy_package_are_found(tree: Path) -> None:
    # Such a file need not spell its package's name: it is parsed for where it is.
    write(tree, {"old/__init__.py": "from .mod import Old\n", "old/mod.py": "from . import x\n"})
    result = compatshim.scan(["."])
    assert lines(result) == [
        "__init__.py:1:18: CS102 old.mod.Old is deprecated; use new.place.New",
        "mod.py:1:6: CS101 old is deprecated; use new",
    ]


def test_a_pool_of_workers_finds_the_same(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree, {f"m{i}.py": f"import old.mod as m{i}\nm{i}.Old\n" for i in range(30)})
    alone = compatshim.scan(["."], jobs=1)
    monkeypatch.setattr(_pool, "POOL_THRESHOLD", 2)
    pooled = compatshim.scan(["."], jobs=2)
    assert lines(pooled) == lines(alone)
    assert len(pooled.findings) == 60


def test_progress_on_stderr_for_large_trees(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tree, {f"m{i}.py": "import old\n" for i in range(5)})
    monkeypatch.setattr(_pool, "POOL_THRESHOLD", 2)
    for jobs in (2, 1):  # worker processes, or this one
        compatshim.scan(["."], jobs=jobs, progress=True)
        err = capsys.readouterr().err
        assert "compatshim scan: 5/5 files" in err


# -- the static resolution is the finder's resolution -------------------------------------------

_names = st.sampled_from(["a", "b", "c", "d"])
_paths = st.lists(_names, min_size=1, max_size=4).map(".".join)


@given(aliases=st.dictionaries(_paths, _paths, min_size=1, max_size=6), name=_paths)
def test_static_resolution_agrees_with_the_alias_table(aliases: dict[str, str], name: str) -> None:
    """For every valid table and module path, scan's answer is the finder's (no drift)."""
    try:
        table = AliasTable(Alias(legacy, target) for legacy, target in aliases.items())
        expected = table.resolve_module(name)
    except compatshim.ConfigError:
        return  # invalid tables (cycles, self-aliases) never reach either
    match = StaticTable(table).legacy(name.split("."))
    if expected is None:
        assert match is None
    else:
        assert match is not None
        assert ".".join([*match.replacement, *name.split(".")[match.consumed :]]) == expected[1]


# -- the byte prefilter never hides a use ---------------------------------------------------------

_TABLE = StaticTable(
    AliasTable(
        [
            Alias("old.mod", "new.mod"),
            Alias("legacy", "canon"),
            Alias("attr", "attrs2"),
            Alias("pkg.sub:Name", "pkg.other:Name2"),
        ]
    )
)
_space = st.sampled_from([" ", "  ", "\t", " \\\n    "])
_name = st.sampled_from(["old.mod", "legacy", "legacy.x", "attr", "pkg.sub", "canon", "new.mod"])


@st.composite
def _sources(draw: st.DrawFn) -> str:
    name = draw(_name)
    sp = draw(_space)
    forms = [
        f"import{sp}{name}\n",
        f"import os,{sp}{name} as x\n",
        f"import os as o,{sp}{name}\n",
        f"from{sp}{name}{sp}import (\n    Name,\n)\n",
        f"from {name.rpartition('.')[0] or name} import {name.rpartition('.')[2]}\n",
        f"x = 1; import {name}\n",
        f"if x: import {name}\n",
        f'importlib.import_module("{name}")\n',
        f"mock.patch('{name}.Name')\n",
        f'pkgutil.resolve_name("{name}:Name")\n',
        f'importlib.import_module(f"{name}.{{x}}")\n',
    ]
    body = draw(st.sampled_from(forms))
    uses = draw(st.sampled_from(["", f"{name}.Name\n", "Name\n", "x.Name\n"]))
    noise = draw(
        st.sampled_from(["", "getattr(x, 'attr')\n", "# import legacy\n", '"""old.mod"""\n'])
    )
    return noise + body + uses


# The same paths among 200 others: the prefilter lists identifiers instead of searching.
_LARGE = StaticTable(
    AliasTable(
        [
            Alias("old.mod", "new.mod"),
            Alias("legacy", "canon"),
            Alias("attr", "attrs2"),
            Alias("pkg.sub:Name", "pkg.other:Name2"),
            *(Alias(f"zz{i}.mod", f"yy{i}") for i in range(100)),
        ]
    )
)


@given(source=_sources())
def test_the_prefilter_passes_every_file_with_a_finding_or_a_canonical_use(source: str) -> None:
    from compatshim._static.analyze import analyze
    from compatshim._static.findings import find

    try:
        analysis = analyze(source, None, False, _TABLE)
    except SyntaxError:
        return
    found, canonical = find(analysis, _TABLE)
    assert _LARGE.prefilter()._all is not None  # the large table's way
    if found or canonical:
        for table in (_TABLE, _LARGE):
            assert table.prefilter()(source.encode()), (source, found, canonical)
