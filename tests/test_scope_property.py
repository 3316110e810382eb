"""Property: scan misses no legacy use that runs, whatever rebinds the names, and migrate then
leaves a program that runs the same with deprecation warnings as errors.

Programs are drawn from blocks that use a legacy path (``pkg.old`` under ``import pkg``, a
function-local ``import legacy``) or a look-alike that is not one (a parameter, a local, a class
attribute, a comprehension or lambda variable, a closure named ``pkg``), and blocks that rebind
the module's name through ``global`` or an enclosing one through ``nonlocal``. Each program runs
in a fresh interpreter with ``COMPATSHIM_POLICY=error``, every top-level statement and every call
on its own: the lines that raise ``LegacyPathError`` must all be reported by scan, and every line
scan reports as a decided legacy use (not CS106, unresolved) that ran must have raised. Then the
program is migrated; original (warnings ignored) and migrated (``-W error::DeprecationWarning``)
give the same result for every call but those holding a use migrate left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim._static.analyze import analyze
from compatshim._static.findings import find
from compatshim._static.pipeline import static_table
from compatshim._static.rewrite import rewrite


TREE = {
    "pyproject.toml": (
        "[tool.compatshim]\ntelemetry = false\n[tool.compatshim.aliases]\n"
        '"pkg.old" = "pkg.new"\n"legacy" = "canon"\n'
    ),
    "pkg/__init__.py": "",
    "pkg/new.py": "V = 'pkg.new.V'\n",
    "canon.py": "V = 'canon.V'\n",
}

PRELUDE = "import pkg\n\n\nclass Box:\n    class old:\n        V = 'box'\n\n\nlegacy = Box()\n"

# (definition, call): {n} numbers the block; each use of a legacy path is alone on its line.
BLOCKS = [
    ("def f{n}():\n    return pkg.old.V", "f{n}()"),  # the module's pkg
    ("def f{n}(pkg=Box()):\n    return pkg.old.V", "f{n}()"),  # a parameter
    ("def f{n}():\n    pkg = Box()\n    return pkg.old.V", "f{n}()"),  # a local
    ("class C{n}:\n    pkg = Box()\n\n    def get(self):\n        return pkg.old.V", "C{n}().get()"),
    ("class C{n}:\n    pkg = Box()\n    V = pkg.old.V", "C{n}.V"),  # the class's own pkg
    ("def f{n}():\n    return [pkg.old.V for _ in (1,)]", "f{n}()"),
    ("def f{n}():\n    return [pkg.old.V for pkg in (Box(),)]", "f{n}()"),
    ("f{n} = lambda: pkg.old.V", "f{n}()"),
    ("f{n} = lambda pkg=Box(): pkg.old.V", "f{n}()"),
    ("def f{n}():\n    [(pkg := Box()) for _ in (1,)]\n    return pkg.old.V", "f{n}()"),
    ("def f{n}():\n    pkg = Box()\n\n    def inner():\n        return pkg.old.V\n\n    return inner()",
     "f{n}()"),
    ("def f{n}():\n    def inner():\n        return pkg.old.V\n\n    return inner()", "f{n}()"),
    ("def f{n}():\n    import legacy\n\n    return legacy.V", "f{n}()"),
    ("def f{n}(legacy=Box()):\n    return legacy.old.V", "f{n}()"),
    ("def f{n}():\n    return legacy.old.V", "f{n}()"),  # the module's legacy: a Box
    # The module's pkg rebound (to itself) from a function: every use of it is undecidable.
    ("def f{n}():\n    global pkg\n    pkg = __import__('pkg')\n    return pkg.old.V", "f{n}()"),
    (("def f{n}():\n    import pkg as q\n\n    def inner():\n        nonlocal q\n        q = q\n\n"
      "    inner()\n    return q.old.V"), "f{n}()"),
]  # fmt: skip

DRIVER = r"""
import ast, json, sys, traceback, warnings
tree, program, mode = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, tree)
import compatshim
compatshim.install(tree + "/pyproject.toml")
calls = json.loads(sys.argv[4])

def describe(value):
    return getattr(value, "__name__", None) or repr(value)

def where(exc, path):
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    return lines[-1] if lines else None

def run(path, strict):
    # Every top-level statement, then every call, on its own: (results, legacy lines, ran)
    results, raised, ran = [], set(), set()
    def trace(frame, event, arg):
        if frame.f_code.co_filename == path and event == "line":
            ran.add(frame.f_lineno)
        return trace
    namespace = {"__name__": "prog"}
    module = ast.parse(open(path).read())
    steps = [(compile(ast.Module([s], []), path, "exec"), False) for s in module.body]
    steps += [(compile(call, path, "eval"), True) for call in calls]
    with warnings.catch_warnings():
        warnings.simplefilter("error" if strict else "ignore", DeprecationWarning)
        for step, is_call in steps:
            sys.settrace(trace)
            try:
                value = eval(step, namespace)
                results.append(describe(value) if is_call else None)
            except Exception as exc:
                if isinstance(exc, compatshim.LegacyPathError):
                    raised.add(where(exc, path))
                results.append(f"raised {type(exc).__name__}")
            finally:
                sys.settrace(None)
    return results, sorted(x for x in raised if x), sorted(ran)

if mode == "error":
    results, raised, ran = run(program, False)
    print(json.dumps({"raised": raised, "ran": ran}))
else:
    first = run(program, False)[0]
    second = run(sys.argv[5], True)[0]
    print(json.dumps({"original": first, "migrated": second}))
"""


@st.composite
def programs(draw: st.DrawFn) -> tuple[str, list[tuple[str, int, int]]]:
    chosen = draw(st.lists(st.sampled_from(range(len(BLOCKS))), min_size=1, max_size=6))
    text = PRELUDE
    calls = []
    for n, index in enumerate(chosen):
        definition, call = BLOCKS[index]
        first = text.count("\n") + 3
        text += "\n\n" + definition.format(n=n) + "\n"
        calls.append((call.format(n=n), first, text.count("\n")))
    return text, calls


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scopes")
    for name, content in TREE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    (root / "driver.py").write_text(DRIVER)
    return root


def _drive(tree: Path, args: list[str], policy: str) -> dict[str, list[object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    env.update(PYTHONPATH=os.pathsep.join(sys.path), COMPATSHIM_POLICY=policy)
    proc = subprocess.run(
        [sys.executable, str(tree / "driver.py"), str(tree), *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, list[object]] = json.loads(proc.stdout.splitlines()[-1])
    return result


@settings(
    max_examples=int(os.environ.get("COMPATSHIM_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(drawn=programs())
def test_scan_misses_no_use_that_runs_and_migrate_keeps_behaviour(
    tree: Path, drawn: tuple[str, list[tuple[str, int, int]]]
) -> None:
    program, calls = drawn
    static = static_table(tree / "pyproject.toml")
    path = tree / "program.py"
    path.write_text(program)
    analysis = analyze(program, None, False, static)
    findings = find(analysis, static)[0]
    reported: dict[int, set[str]] = {}
    for finding in findings:
        line = analysis.source.position(finding.column)[0]
        reported.setdefault(line, set()).add(finding.code)
    expressions = json.dumps([call for call, _, _ in calls])
    ran = _drive(tree, [str(path), "error", expressions], "error")
    listing = textwrap.indent(program, "  ")
    for raised in ran["raised"]:
        assert raised in reported, f"line {raised} raised but scan reports nothing\n{listing}"
    for line, codes in reported.items():
        if line in ran["ran"] and codes != {"CS106"}:
            assert line in ran["raised"], (
                f"line {line} ({codes}) ran without a legacy use\n{listing}"
            )
    new, left = rewrite(program, static)
    assert rewrite(new, static)[0] == new  # idempotent
    migrated = tree / "migrated.py"
    migrated.write_text(new)
    left_lines = {analysis.source.position(f.column)[0] for f in left}
    outcome = _drive(tree, [str(path), "same", expressions, str(migrated)], "warn")
    original, after = outcome["original"], outcome["migrated"]
    # Top-level statements (the migrated program may have more: imports) all run; then calls.
    assert set(original[: -len(calls)]) == set(after[: -len(calls)]) == {None}, new
    for (call, first, last), before, now in zip(
        calls, original[-len(calls) :], after[-len(calls) :]
    ):
        if not any(first <= line <= last for line in left_lines):
            assert before == now, f"{call}: {before} -> {now}\n{listing}\n---\n{new}"
