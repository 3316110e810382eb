"""migrate where a legacy module serves moved names: alone, beside a module alias of the same
legacy module, and as a virtual module that serves nothing else.

Every form of import (``from M import Name, Other as O``, ``import M``, ``import M as m``,
``from pkg import M``, star and relative imports), at module level and in a function, against
``"pkg.old" = "pkg.new"`` with ``"pkg.old:Name" = "pkg.other:Thing"``, and ``pkg.virt`` that only
serves moved names. After ``migrate --write`` the module compiles, prints the same objects,
binds the same names to the same objects at module level, and ``scan`` reports exactly the uses
migrate listed as left (each with its reason); with none left it runs with deprecation warnings
as errors. Never a silent wrong rewrite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import compatshim
from compatshim._static.pipeline import static_table
from compatshim._static.rewrite import rewrite


CONFIG = """
[tool.compatshim.aliases]
"pkg.old" = "pkg.new"
"pkg.old:Name" = "pkg.other:Thing"
"pkg.virt:Name" = "pkg.other:Thing"
"pkg.virt:Other" = "pkg.new:Other"
"""

FILES = {
    "pyproject.toml": CONFIG,
    "pkg/__init__.py": "",
    "pkg/new.py": "class Other:\n    pass\n\n\ndef f():\n    return 1\n",
    "pkg/other.py": "class Thing:\n    pass\n",
}

# Runs one module of the tree and prints what it printed, the objects its module-level names
# hold, and whether a deprecation warning was raised.
DRIVER = r"""
import contextlib, importlib, io, json, sys, types, warnings
sys.path.insert(0, sys.argv[1])
import compatshim
compatshim.install(sys.argv[1] + "/pyproject.toml")

def describe(value):
    if isinstance(value, types.ModuleType):
        return "module"  # the legacy module, or the canonical one: both serve the same names
    return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', repr(value))}"

import builtins
builtins.describe = describe
out = io.StringIO()
with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
    warnings.simplefilter("always")
    try:
        module = importlib.import_module(sys.argv[2])
        names = {k: describe(v) for k, v in vars(module).items() if not k.startswith("__")}
    except Exception as exc:
        names = {"raised": f"{type(exc).__name__}: {exc}"}
deprecated = any(issubclass(w.category, DeprecationWarning) for w in caught)
print(json.dumps({"out": out.getvalue(), "names": names, "deprecated": deprecated}))
"""


def run(tree: Path, module: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(tree / "driver.py"), str(tree), module],
        cwd=tree,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return result


def make_tree(root: Path) -> Path:
    tree = root / "tree"
    for name, text in FILES.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tree / "driver.py").write_text(DRIVER)
    return tree


def check_migration(tree: Path, program: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Migrate ``program`` (as ``pkg/prog.py``); return what was left, as ``code legacy: note``."""
    path = tree / "pkg" / "prog.py"
    path.write_text(program)
    before = run(tree, "pkg.prog")
    assert "raised" not in before["names"], before  # the program itself is valid
    monkeypatch.chdir(tree)
    result = compatshim.migrate(["pkg/prog.py"], write=True)
    assert not result.errors, result.errors
    new = path.read_text()
    compile(new, "prog.py", "exec")
    after = run(tree, "pkg.prog")
    shown = f"{program}\n--- migrated:\n{new}"
    assert after["out"] == before["out"], shown
    names_before, names_after = before["names"], after["names"]
    assert isinstance(names_before, dict) and isinstance(names_after, dict)
    for name, value in names_before.items():  # every module-level name: the same object
        assert names_after.get(name) == value, f"{name}: {shown}"
    for finding in result.left:  # every use left says why
        assert finding.note, f"{finding.message}: {shown}"
    scanned = compatshim.scan(["pkg/prog.py"])
    assert [(f.line, f.code, f.legacy) for f in scanned.findings] == [
        (f.line, f.code, f.legacy) for f in result.left
    ], shown
    if not result.left:
        assert after["deprecated"] is False, shown
    assert compatshim.migrate(["pkg/prog.py"]).changed == {}, shown  # a second run: nothing
    return [f"{f.code} {f.legacy}: {f.note}" for f in result.left]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path)


KEPT = "kept: other modules may import '{}' from this one, and pkg.old serves moved names"


@pytest.mark.parametrize(
    ("program", "expected", "left"),
    [
        (
            "from pkg.old import Name, Other as O\nprint(describe(Name), describe(O))\n",
            "from pkg.other import Thing as Name\nfrom pkg.new import Other as O\n",
            [],
        ),
        (
            "import pkg.old\nprint(describe(pkg.old.Name), describe(pkg.old.Other))\n",
            "import pkg.new\nimport pkg.other\n",
            [],
        ),
        (
            "import pkg.old as m\nprint(describe(m.Name), describe(m.Other))\n",
            "import pkg.old as m\nimport pkg.other\n",
            [KEPT.format("m")],
        ),
        (  # the module-level import of a module serving moved names stays, as it is
            "from pkg import old\nprint(describe(old.Name), describe(old.Other))\n",
            "from pkg import old\nimport pkg.other\n",
            [KEPT.format("old")],
        ),
        (
            "from . import old\nprint(describe(old.Name), describe(old.Other))\n",
            "from . import old\nimport pkg.other\n",
            [KEPT.format("old")],
        ),
        (
            "from .old import Name, Other\nprint(describe(Name), describe(Other))\n",
            "from pkg.other import Thing as Name\nfrom pkg.new import Other\n",
            [],
        ),
        (
            "from pkg.old import *\nprint(describe(Other))\n",
            "from pkg.old import *\n",
            ["CS105 pkg.old: star import: import the names explicitly"],
        ),
        (
            "from pkg.virt import Name, Other as O\nprint(describe(Name), describe(O))\n",
            "from pkg.other import Thing as Name\nfrom pkg.new import Other as O\n",
            [],
        ),
    ],
)
def test_each_form_at_module_level(
    tree: Path, monkeypatch: pytest.MonkeyPatch, program: str, expected: str, left: list[str]
) -> None:
    found = check_migration(tree, program, monkeypatch)
    assert (tree / "pkg" / "prog.py").read_text().startswith(expected)
    assert len(found) == len(left)
    for text, want in zip(found, left):
        assert want in text


def test_inside_a_function_every_form_is_rewritten(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = textwrap.dedent(
        """\
        def main():
            from pkg import virt, old
            from . import old as o
            import pkg.virt as w
            print(describe(virt.Name), describe(virt.Other), describe(old.Name))
            print(describe(old.Other), describe(o.Name), describe(w.Name))
        main()
        """
    )
    assert check_migration(tree, program, monkeypatch) == []
    new = (tree / "pkg" / "prog.py").read_text()
    assert "old" not in new.replace("as old", "").replace("old.Other", "")
    assert "import pkg.other\n    import pkg.other\n" not in new  # added once per statement


# -- property: every combination --------------------------------------------------------------

FORMS = [
    ("from pkg.old import Name", ["Name"]),
    ("from pkg.old import Name, Other as O", ["Name", "O"]),
    ("from pkg.old import Other, f", ["Other", "f()"]),
    ("from .old import Name as N, f", ["N", "f"]),
    ("import pkg.old", ["pkg.old.Name", "pkg.old.Other", "pkg.old.f"]),
    ("import pkg.old as m", ["m.Name", "m.Other", "m.f()"]),
    ("from pkg import old", ["old.Name", "old.Other"]),
    ("from . import old as o2", ["o2.Name", "o2.f"]),
    ("from pkg.virt import Name as VN", ["VN"]),
    ("from pkg.virt import Other", ["Other"]),
    ("import pkg.virt", ["pkg.virt.Name", "pkg.virt.Other"]),
    ("import pkg.virt as v", ["v.Name", "v.Other"]),
    ("from pkg import virt", ["virt.Name", "virt.Other"]),
    ("from pkg.old import *", ["Other"]),
    ("import pkg.new", ["pkg.new.Other"]),
    ("import pkg.old as m3\nm4 = m3", ["m4.Name", "m4.Other"]),
    ("import pkg.old\nm5 = pkg.old", ["m5.Name", "m5.f"]),
    ("import pkg\nimport pkg.virt\np, q = pkg, 1", ["p.virt.Name", "p.old.Other"]),
    ("import pkg", ["pkg.__name__"]),
]


@st.composite
def programs(draw: st.DrawFn) -> str:
    layout = draw(st.sampled_from(["module", "function", "if"]))
    chosen = draw(
        st.lists(st.sampled_from(FORMS), min_size=1, max_size=4, unique_by=lambda f: f[0])
    )
    body: list[str] = []
    for statement, expressions in chosen:
        if layout == "function" and statement.endswith("import *"):
            continue
        body.append(statement)
        uses = draw(st.lists(st.sampled_from(expressions), min_size=1, max_size=2))
        body.extend(f"print(describe({expression}))" for expression in uses)
    text = "\n".join(body or ["pass"]) + "\n"
    if layout == "function":  # (a star import is not allowed in a function)
        return "def main():\n" + textwrap.indent(text, "    ") + "\nmain()\n"
    if layout == "if":
        return "if True:\n" + textwrap.indent(text, "    ")
    return text


@settings(
    max_examples=int(os.environ.get("COMPATSHIM_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(program=programs())
def test_any_combination_migrates_to_the_same_objects(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, program: str
) -> None:
    tree = make_tree(tmp_path_factory.mktemp("moved"))
    check_migration(tree, program, monkeypatch)


def test_rewrite_is_idempotent_and_insertions_keep_their_order(tree: Path) -> None:
    # Two insertions at one offset (an as-name and a statement after it) keep their order.
    static = static_table(tree / "pyproject.toml")
    program = "def g():\n    from pkg import old\n    return old.Name, old.Other\n"
    for _ in range(5):
        new, _ = rewrite(program, static, "pkg.prog")
        assert "from pkg import new as old\n    import pkg.other\n" in new, new


def test_an_import_added_in_a_function_never_hides_a_name_it_reads_from_outside(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "import pkg.other" in main() would make pkg local to main: print(pkg...) would fail.
    program = textwrap.dedent(
        """\
        import pkg
        def main():
            print(pkg.__name__)
            from pkg import old
            print(describe(old.Name))
        main()
        """
    )
    left = check_migration(tree, program, monkeypatch)
    assert left and all("local" in note for note in left), left


@pytest.mark.parametrize(
    "use",
    ["pkg.old.__package__", "pkg.old.__repr__()", "m.__dir__() == dir(m)", "pkg.old.__str__()"],
)
def test_what_a_legacy_module_answers_itself_is_left(
    tree: Path, monkeypatch: pytest.MonkeyPatch, use: str
) -> None:
    # The legacy module answers these itself (they are not in the module's namespace, which it
    # shares with the canonical one): the canonical module would answer otherwise.
    program = f"import pkg.old\nimport pkg.old as m\ndef main():\n    print({use})\nmain()\n"
    left = check_migration(tree, program, monkeypatch)
    assert any("differs from pkg.new's" in note for note in left), left


def test_what_the_module_namespace_holds_is_rewritten(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = textwrap.dedent(
        """\
        def main():
            import pkg.old
            print(pkg.old.__file__ == pkg.old.__dict__["__file__"], pkg.old.__doc__)
        main()
        """
    )
    assert check_migration(tree, program, monkeypatch) == []
    assert "pkg.new.__file__ == pkg.new.__dict__" in (tree / "pkg" / "prog.py").read_text()
