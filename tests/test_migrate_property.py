"""Property: for generated programs, migrate then run gives the same behaviour.

Programs are drawn from the import forms a legacy codebase uses (module, package, moved name,
relative layout variants, strings) against the corpus packages, each followed by uses of what it
bound. Each example runs original and migrated program in one fresh interpreter: same output,
the same names bound at module level to the same objects (other modules may import them), and
the migrated one with deprecation warnings as errors (it no longer touches a legacy path).
A legacy module serving moved names, bound at module level, is kept by design (its canonical
module lacks those names): such forms are drawn inside a function only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import CORPUS
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim._static.pipeline import static_table
from compatshim._static.rewrite import rewrite


# (import statement, expressions that are valid once it ran)
FORMS = [
    (
        "import legacy_utils",
        ["legacy_utils.func()", "legacy_utils.OldHelper", "legacy_utils.old_func"],
    ),
    ("import legacy_utils as lu", ["lu.func", "lu.OldHelper", "lu.CONST"]),
    ("from legacy_utils import func", ["func()"]),
    ("from legacy_utils import OldHelper", ["OldHelper"]),
    ("from legacy_utils import OldHelper as H", ["H"]),
    ("from legacy_utils import old_func, CONST", ["old_func()", "CONST"]),
    ("from legacy_utils import (\n    CONST,  # note\n    OldHelper,\n)", ["CONST", "OldHelper"]),
    ("from legacy_utils import \\\n    old_func as of", ["of"]),
    ("from legacy_utils import CONST, \\\n    OldHelper", ["CONST", "OldHelper"]),
    (
        "from legacy_utils import OldHelper, \\\n    CONST, \\\n    old_func",
        ["OldHelper", "old_func()"],
    ),
    ("import oldpkg.utils", ["oldpkg.utils.func", "oldpkg.utils.NewName"]),
    ("from oldpkg import utils", ["utils.func", "utils.CONST"]),
    ("from oldpkg.deep import leaf", ["leaf.leaf()"]),
    ("import oldpkg.deep.leaf", ["oldpkg.deep.leaf.leaf"]),
    ("from realmod import OldName, other", ["OldName", "other()"]),
    ("import realmod", ["realmod.OldName", "realmod.other"]),
    ("import realpkg.sub", ["realpkg.sub.value", "realpkg.SETTING"]),
    ("from realpkg import sub", ["sub.value"]),
    ("import flat", ["flat.hello()"]),
    ("import flat as fl", ["fl.hello"]),
    ("import newpkg.utils", ["newpkg.utils.func"]),
    (
        "import importlib",
        [
            'importlib.import_module("legacy_utils").OldHelper',
            'importlib.import_module("oldpkg.sub")',
        ],
    ),
    ("from unittest import mock", ['mock.patch("legacy_utils.CONST", 7).start()']),
]

# Forms that bind legacy_utils, which serves moved names, as a module: kept at module level.
IN_FUNCTIONS = {"import legacy_utils", "import legacy_utils as lu"}

DRIVER = r"""
import contextlib, io, sys, types, warnings
sys.path.insert(0, sys.argv[1])
import compatshim
compatshim.install(sys.argv[1] + "/pyproject.toml")

def describe(value):
    if isinstance(value, types.ModuleType):
        return "module " + getattr(value, "MODULE_ID", value.__name__)
    if hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)

def run(path, strict):
    out = io.StringIO()
    namespace = {"describe": describe, "__name__": "prog"}
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("error" if strict else "ignore", DeprecationWarning)
        try:
            exec(compile(open(path).read(), path, "exec"), namespace)
        except Exception as exc:
            print("raised", type(exc).__name__)
        # Every module-level name, and what it holds: other modules may import them.
        bound = {
            name: describe(value)
            for name, value in namespace.items()
            if not name.startswith("__") and name != "describe"
        }
    return out.getvalue(), bound

from unittest import mock
first, names = run(sys.argv[2], strict=False)
mock.patch.stopall()
second, new_names = run(sys.argv[3], strict=True)
# The same output, and every name the original binds still bound, to the same object (the
# migrated program may bind more: the canonical modules it now imports).
kept = all(new_names.get(name) == value for name, value in names.items())
print(first == second and kept)
print(first)
print(second)
print(names)
print(new_names)
"""


@st.composite
def programs(draw: st.DrawFn) -> str:
    layout = draw(st.sampled_from(["module", "function", "if"]))
    forms = FORMS if layout == "function" else [f for f in FORMS if f[0] not in IN_FUNCTIONS]
    chosen = draw(
        st.lists(st.sampled_from(forms), min_size=1, max_size=5, unique_by=lambda f: f[0])
    )
    body: list[str] = []
    for statement, expressions in chosen:
        body.append(statement)
        uses = draw(st.lists(st.sampled_from(expressions), min_size=1, max_size=2))
        body.extend(f"print(describe({expression}))" for expression in uses)
    text = "\n".join(body) + "\n"
    if layout == "function":
        text = "def main():\n" + textwrap.indent(text, "    ") + "\nmain()\n"
    elif layout == "if":
        text = "if True:\n" + textwrap.indent(text, "    ")
    # The file's own line endings, and a last line without one, are kept.
    if draw(st.booleans()):
        text = text.rstrip("\n")
    return text.replace("\n", draw(st.sampled_from(["\n", "\r\n"])))


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    tree = tmp_path_factory.mktemp("property") / "tree"
    shutil.copytree(CORPUS / "tree", tree)
    (tree / "driver.py").write_text(DRIVER)
    return tree


@settings(
    max_examples=int(os.environ.get("COMPATSHIM_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(program=programs())
def test_migrate_then_run_behaves_the_same(tree: Path, program: str) -> None:
    static = static_table(tree / "pyproject.toml")
    new, left = rewrite(program, static)
    assert left == [], [f.message for f in left]
    assert rewrite(new, static)[0] == new  # idempotent
    assert new.endswith("\n") == program.endswith("\n")
    if "\r\n" in program:
        assert new.count("\n") == new.count("\r\n"), repr(new)
    (tree / "original.py").write_text(program)
    (tree / "migrated.py").write_text(new)
    proc = subprocess.run(
        [sys.executable, str(tree / "driver.py"), str(tree), "original.py", "migrated.py"],
        cwd=tree,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=True,
    )
    same, _, outputs = proc.stdout.partition("\n")
    assert same == "True", f"{program}\n---\n{new}\n---\n{outputs}"
    assert "raised" not in outputs, f"{program}\n---\n{outputs}"
