"""scan and migrate read names with Python's scopes: a parameter or a local named like an imported
module is another variable; what cannot be decided is reported as unresolved, never dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import compatshim
from compatshim._model.alias import Alias
from compatshim._model.table import AliasTable
from compatshim._static.analyze import analyze
from compatshim._static.findings import find
from compatshim._static.rewrite import rewrite
from compatshim._static.table import StaticTable


TABLE = StaticTable(
    AliasTable([Alias("pkg.old", "pkg.new"), Alias("pkg.old:Gone", "pkg.new:Here")])
)


def found(source: str) -> list[str]:
    """``line:code legacy`` for each finding, and the note of unresolved ones."""
    text = textwrap.dedent(source).lstrip("\n")
    analysis = analyze(text, None, False, TABLE)
    result = []
    for finding in find(analysis, TABLE)[0]:
        line, _ = analysis.source.position(finding.column)
        note = f" ({finding.note})" if finding.code == "CS106" else ""
        result.append(f"{line}:{finding.code} {finding.legacy}{note}")
    return sorted(result)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            """
            import pkg
            def use():
                return pkg.old.f()
            def other(pkg):
                return pkg
            """,
            ["3:CS103 pkg.old"],
            id="a parameter shadows only in its function (the issue's repro)",
        ),
        pytest.param(
            """
            import pkg
            def use():
                return pkg.old.f()
            def other():
                pkg = 1
                return pkg.old
            """,
            ["3:CS103 pkg.old"],
            id="a local store shadows only in its function",
        ),
        pytest.param(
            """
            import pkg
            class C:
                pkg = 1
                def method(self):
                    return pkg.old.f()
            """,
            ["5:CS103 pkg.old"],
            id="a class body does not leak into its methods",
        ),
        pytest.param(
            """
            import pkg
            class C:
                pkg = 1
                x = pkg.old
            """,
            ["4:CS106 pkg.old (unresolved: 'pkg' is also assigned (line 3))"],
            id="a class body reads its own name or the module's",
        ),
        pytest.param(
            """
            import pkg
            a = [pkg.old for _ in range(2)]
            b = [pkg.old for pkg in range(2)]
            c = [x for x in pkg.old.items if pkg]
            d = {k: pkg.old for k in [pkg.old]}
            """,
            ["2:CS103 pkg.old", "4:CS103 pkg.old", "5:CS103 pkg.old", "5:CS103 pkg.old"],
            id="comprehension variables are the comprehension's own",
        ),
        pytest.param(
            """
            import pkg
            class C:
                pkg = 1
                values = [pkg.old for _ in range(1)]
            """,
            ["4:CS103 pkg.old"],
            id="a comprehension in a class skips the class body",
        ),
        pytest.param(
            """
            import pkg
            f = lambda pkg: pkg.old
            g = lambda: pkg.old
            def h(x=pkg.old, *, y: pkg.old = None) -> pkg.old: ...
            @pkg.old.decorate
            def k(): ...
            """,
            [
                "3:CS103 pkg.old",
                "4:CS103 pkg.old",
                "4:CS103 pkg.old",
                "4:CS103 pkg.old",
                "5:CS103 pkg.old",
            ],
            id="defaults, annotations and decorators belong to the enclosing scope",
        ),
        pytest.param(
            """
            import pkg
            def f():
                [(pkg := 1) for _ in ()]
                return pkg.old
            def g():
                try:
                    pass
                except ValueError as pkg:
                    return pkg.old
            def h():
                del pkg
                return pkg.old
            """,
            [],
            id="walrus, except-as and del make a local",
        ),
        pytest.param(
            """
            import pkg
            def reset():
                global pkg
                pkg = None
            def use():
                return pkg.old
            """,
            [
                (
                    "6:CS106 pkg.old (unresolved: 'pkg' is also assigned in another scope through "
                    "`global` (line 4))"
                )
            ],
            id="global makes the module's name undecidable",
        ),
        pytest.param(
            """
            def outer():
                import pkg
                def inner():
                    nonlocal pkg
                    pkg = None
                def use():
                    return pkg.old
                return pkg.old
            """,
            [
                (
                    "7:CS106 pkg.old (unresolved: 'pkg' is also assigned in another scope through "
                    "`nonlocal` (line 5))"
                ),
                (
                    "8:CS106 pkg.old (unresolved: 'pkg' is also assigned in another scope through "
                    "`nonlocal` (line 5))"
                ),
            ],
            id="nonlocal makes the enclosing name undecidable",
        ),
        pytest.param(
            """
            try:
                import pkg.old as m
            except ImportError:
                m = None
            m.Gone, m.other
            """,
            ["2:CS101 pkg.old", "5:CS106 pkg.old.Gone (unresolved: 'm' is also assigned (line 4))"],
            id="an optional import is reported where it may be a legacy use",
        ),
        pytest.param(
            """
            if flag:
                import pkg.old as m
            else:
                import pkg.other as m
            m.Gone
            """,
            [
                "2:CS101 pkg.old",
                (
                    "5:CS106 pkg.old.Gone (unresolved: 'm' is imported from pkg.old and from "
                    "pkg.other)"
                ),
            ],
            id="imports of two paths",
        ),
        pytest.param(
            """
            def f():
                import pkg
                return pkg.old
            def g(pkg):
                return pkg.old
            """,
            ["3:CS103 pkg.old"],
            id="an import in a function binds there",
        ),
    ],
)
def test_uses_are_read_in_their_scope(source: str, expected: list[str]) -> None:
    assert found(source) == sorted(expected)


ISSUE = {
    "pyproject.toml": '[tool.compatshim.aliases]\n"pkg.old" = "pkg.new"\n',
    "pkg/__init__.py": "",
    "pkg/new.py": "def f():\n    return 'f'\n",
    "main.py": (
        "import pkg\n"
        "def use():\n"
        "    return pkg.old.f()   # a legacy use\n"
        "def other(pkg):\n"
        "    return pkg\n"
        "def local():\n"
        "    pkg = 1\n"
        "    return pkg\n"
        "print(use(), other(2), local())\n"
    ),
}


def test_the_issues_repro_is_found_and_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 A: a parameter named like the package, and a local ``pkg = 1`` elsewhere, hid
    the use in ``use()`` from scan and migrate (exit 0, nothing shown)."""
    for name, text in ISSUE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    result = compatshim.scan(["main.py"])
    assert [(f.line, f.code, f.legacy) for f in result.findings] == [(3, "CS103", "pkg.old")]
    assert not result.ok
    migrated = compatshim.migrate(["main.py"], write=True)
    assert migrated.left == [] and migrated.ok
    text = (tmp_path / "main.py").read_text()
    assert "return pkg.new.f()" in text and "def other(pkg):" in text
    assert compatshim.scan(["main.py"]).ok
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    proc = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "main.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "f 2 1\n"), proc.stderr


def test_unresolved_uses_are_listed_by_migrate_with_the_reason() -> None:
    source = "import pkg\ndef reset():\n    global pkg\n    pkg = None\nprint(pkg.old.f)\n"
    new, left = rewrite(source, TABLE)
    assert new == source
    assert [(f.code, f.note) for f in left] == [
        (
            "CS106",
            "unresolved: 'pkg' is also assigned in another scope through `global` (line 4)",
        )
    ]
