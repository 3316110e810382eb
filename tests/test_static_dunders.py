"""Dunder names in scan and migrate: moved dunders (``"pkg.old:__version__" =
"pkg.new:VERSION"``, ``__all__``, ``__getattr__``) are found and rewritten like any moved name;
the attributes that differ between a legacy module and its canonical module (``__name__``,
``__spec__``, ``__loader__``, ``__class__``) are never rewritten into the canonical module's."""

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
    AliasTable(
        [
            Alias("pkg.old", "pkg.new"),
            Alias("pkg.old:__version__", "pkg.new:VERSION"),
            Alias("pkg.old:__all__", "pkg.new:NAMES"),
            Alias("pkg.old:__getattr__", "pkg.new:hook"),
        ]
    )
)


def migrated(source: str) -> tuple[str, list[str]]:
    text = textwrap.dedent(source).lstrip("\n")
    new, left = rewrite(text, TABLE)
    return new, [f"{f.code} {f.legacy}: {f.note}" for f in left]


def test_moved_dunders_are_found() -> None:
    text = "from pkg.old import __version__, __all__ as A\nimport pkg.old\npkg.old.__getattr__\n"
    analysis = analyze(text, None, False, TABLE)
    found = [(f.code, f.legacy, f.canonical) for f in find(analysis, TABLE)[0]]
    assert found == [
        ("CS102", "pkg.old.__version__", "pkg.new.VERSION"),
        ("CS102", "pkg.old.__all__", "pkg.new.NAMES"),
        ("CS101", "pkg.old", "pkg.new"),
        ("CS103", "pkg.old.__getattr__", "pkg.new.hook"),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from pkg.old import __version__\n",
            "from pkg.new import VERSION as __version__\n",
        ),
        (
            "from pkg.old import __all__ as A, __getattr__\n",
            "from pkg.new import NAMES as A, hook as __getattr__\n",
        ),
        (
            "import pkg.old\nprint(pkg.old.__version__, pkg.old.__all__)\n",
            "import pkg.new\nprint(pkg.new.VERSION, pkg.new.NAMES)\n",
        ),
        (
            "def f():\n    import pkg.old as m\n    return m.__version__\n",
            "def f():\n    import pkg.new as m\n    return m.VERSION\n",
        ),
    ],
)
def test_moved_dunders_are_rewritten(source: str, expected: str) -> None:
    assert migrated(source) == (expected, [])


@pytest.mark.parametrize(
    "attr", ["__name__", "__spec__", "__loader__", "__class__", "__package__", "__dir__"]
)
def test_what_differs_on_the_canonical_module_is_left(attr: str) -> None:
    new, left = migrated(f"import pkg.old\nprint(pkg.old.{attr})\n")
    assert new == f"import pkg.old\nprint(pkg.old.{attr})\n"
    assert any(f"{attr} differs" in note for note in left), left
    new, left = migrated(f"def f():\n    import pkg.old as m\n    return m.{attr}, m.x\n")
    assert "import pkg.old as m" in new
    assert left and all(f"{attr} differs" in note for note in left), left


def test_a_declared_moved_dunder_is_not_an_identity_read() -> None:
    table = StaticTable(
        AliasTable([Alias("pkg.old", "pkg.new"), Alias("pkg.old:__version__", "pkg.v:V")])
    )
    new, left = rewrite("import pkg.old\npkg.old.__version__\n", table)
    assert (new, left) == ("import pkg.new\nimport pkg.v\npkg.v.V\n", [])
