"""A module object copied to another name (``p = pkg``, ``q = p``, tuple assignment, walrus,
``m = pkg.old``): a legacy use read through the copy is reported as unresolved (CS106) with the
reason, never dropped, and migrate lists it instead of rewriting it; a copied legacy module that
serves moved names is never rewritten into its canonical module, which lacks them."""

from __future__ import annotations

import textwrap

import pytest

from compatshim._model.alias import Alias
from compatshim._model.table import AliasTable
from compatshim._static.analyze import analyze
from compatshim._static.findings import find
from compatshim._static.rewrite import rewrite
from compatshim._static.table import StaticTable


TABLE = StaticTable(
    AliasTable([Alias("pkg.old", "pkg.new"), Alias("pkg.old:Gone", "pkg.other:Here")])
)


def found(source: str) -> list[str]:
    text = textwrap.dedent(source).lstrip("\n")
    analysis = analyze(text, None, False, TABLE)
    result = []
    for finding in find(analysis, TABLE)[0]:
        line, _ = analysis.source.position(finding.column)
        note = f" ({finding.note})" if finding.note else ""
        result.append(f"{line}:{finding.code} {finding.legacy}{note}")
    return sorted(result)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            "import pkg\np = pkg\np.old.f()\n",
            ["3:CS106 pkg.old (unresolved: 'p' is assigned from 'pkg' (line 2))"],
            id="p = pkg",
        ),
        pytest.param(
            "import pkg as p\nq = p\nq.old.f()\n",
            ["3:CS106 pkg.old (unresolved: 'q' is assigned from 'p' (line 2))"],
            id="import as, then a copy",
        ),
        pytest.param(
            "import pkg\np = pkg\nq = p\nr = q\nr.old.f()\n",
            ["5:CS106 pkg.old (unresolved: 'r' is assigned from 'q' (line 4))"],
            id="a copy of a copy of a copy",
        ),
        pytest.param(
            "import pkg\ns, t = pkg, 1\ns.old.f()\n",
            ["3:CS106 pkg.old (unresolved: 's' is assigned from 'pkg' (line 2))"],
            id="tuple assignment",
        ),
        pytest.param(
            "import pkg\nif (w := pkg):\n    w.old.f()\n",
            ["3:CS106 pkg.old (unresolved: 'w' is assigned from 'pkg' (line 2))"],
            id="walrus",
        ),
        pytest.param(
            "import pkg\ndef g():\n    z = pkg\n    return z.old.f()\n",
            ["4:CS106 pkg.old (unresolved: 'z' is assigned from 'pkg' (line 3))"],
            id="in a function",
        ),
        pytest.param(
            "import pkg\np: object = pkg\np.old.Gone\n",
            ["3:CS106 pkg.old.Gone (unresolved: 'p' is assigned from 'pkg' (line 2))"],
            id="annotated, a moved name",
        ),
        pytest.param(
            "import pkg\ndef g(p):\n    return p.old\np = pkg\n",
            [],
            id="a parameter of the same name is another variable",
        ),
        pytest.param(
            "import pkg\np = 1\np.old\n",
            [],
            id="not a copy of a module",
        ),
    ],
)
def test_uses_through_a_copy_are_reported(source: str, expected: list[str]) -> None:
    assert found(source) == expected


def test_migrate_lists_uses_through_a_copy_and_leaves_them() -> None:
    text = "import pkg\nimport pkg.old\np = pkg\np.old.f()\npkg.old.f()\n"
    new, left = rewrite(text, TABLE)
    assert [(f.code, f.legacy) for f in left] == [("CS106", "pkg.old")]
    assert "p.old.f()" in new
    assert left[0].note.startswith("unresolved: 'p' is assigned from 'pkg'")


def test_a_copied_module_serving_moved_names_is_not_rewritten() -> None:
    # m.Gone works on pkg.old only: pkg.new lacks it, so the copy must stay the legacy module.
    text = "import pkg.old\nm = pkg.old\nprint(m.Gone)\n"
    new, left = rewrite(text, TABLE)
    assert "m = pkg.old\n" in new, new
    assert ("CS103", "pkg.old") in [(f.code, f.legacy) for f in left]
    assert all(f.note for f in left)
