"""The subsystems depend on each other one way only, and the program being measured loads only
what it runs (docs/architecture.md).

Every ``import`` and ``from ... import`` of a compatshim module anywhere in a module (at module
level, inside functions, under ``TYPE_CHECKING``) is checked against the allowed directions;
then a fresh interpreter shows what installing compatshim and using a legacy path loads.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import Project


PACKAGE = Path(__file__).resolve().parent.parent / "compatshim"

#: Subsystem -> the subsystems it may import. The facade, cli.py and pytest_plugin.py ("public")
#: may import anything; nothing but them may import the facade.
ALLOWED = {
    "_base": {"_base"},
    "_model": {"_base", "_model"},
    "_telemetry": {"_base", "_model", "_telemetry"},
    "_runtime": {"_base", "_model", "_telemetry", "_runtime"},
    "_static": {"_base", "_model", "_static"},
    "_stubs": {"_base", "_model", "_static", "_stubs"},
    "_check": {"_base", "_model", "_runtime", "_stubs", "_check"},
}
#: The telemetry modules the runtime may import: counting, never reading or reporting.
RUNTIME_TELEMETRY = {"compatshim._telemetry", "compatshim._telemetry.recorder"}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


MODULES = _modules()
NAMES = {name for name, _ in MODULES}


def _imports(name: str, path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every compatshim module ``path`` imports, wherever it does."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from pkg import mod`` imports the module pkg.mod, not a name of pkg.
                sub = f"{source}.{alias.name}"
                found.append((node.lineno, sub if sub in NAMES else source))
    return [(line, module) for line, module in found if module.partition(".")[0] == "compatshim"]


def _subsystem(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else "public"


def test_every_module_is_in_a_subsystem_or_public() -> None:
    """New modules go into a subsystem; only the entry points sit at the top."""
    public = sorted(name for name, _ in MODULES if _subsystem(name) == "public")
    assert public == ["compatshim", "compatshim.__main__", "compatshim.cli",
                      "compatshim.pytest_plugin"]  # fmt: skip


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_imports_follow_the_allowed_directions(name: str, path: Path) -> None:
    """Each import of a compatshim module goes down the layers (or stays in the subsystem)."""
    subsystem = _subsystem(name)
    if subsystem == "public":
        return
    wrong = []
    for line, module in _imports(name, path):
        target = _subsystem(module)
        if module == "compatshim" or target == "public":
            wrong.append(f"line {line}: {module} (the facade is for users, not for modules)")
        elif target not in ALLOWED[subsystem]:
            wrong.append(f"line {line}: {module} ({subsystem} may not import {target})")
        elif subsystem == "_runtime" and target == "_telemetry" and module not in RUNTIME_TELEMETRY:
            wrong.append(f"line {line}: {module} (the runtime only counts, through the recorder)")
    assert wrong == [], f"{name} imports against the architecture"


def test_the_import_walk_sees_lazy_and_type_only_imports() -> None:
    """The check is no check if it misses imports inside functions or TYPE_CHECKING blocks."""
    found = {module for _, module in _imports("compatshim._check.check", PACKAGE / "_check" /
                                              "check.py")}  # fmt: skip
    assert "compatshim._check.audit" in found  # imported inside check()
    assert "compatshim._model.config" in found


# What a program with compatshim installed must never load: the static tools, the stubs and
# check commands, the report and its readers, and the libraries only they need. With telemetry
# on, writing the counts loads the store and SQLite; with it off, not even those.
PROGRAM = """
import sys, warnings
warnings.simplefilter("ignore")
import compatshim
compatshim.install()
import old
old.VALUE
compatshim.flush()
never = ["compatshim._static", "compatshim._stubs", "compatshim._check",
         "compatshim._telemetry.report", "compatshim._telemetry.render",
         "compatshim._telemetry.combine", "compatshim._telemetry.datafiles",
         "argparse", "ast", "pytest", "opentelemetry"]
writing = ["sqlite3", "compatshim._telemetry.store", "compatshim._telemetry.writer",
           "compatshim._telemetry.flushing"]
from _probe import emit
emit({
    "never": sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in never)),
    "writing": [m for m in writing if m in sys.modules],
})
"""


@pytest.mark.parametrize("telemetry", [False, True])
def test_a_program_loads_only_the_runtime(project: Project, telemetry: bool) -> None:
    """Installed, with a legacy import and a use: nothing of the static tools, check or the
    report is loaded; the store and SQLite only when telemetry writes."""
    project.write({"canon/__init__.py": "VALUE = 1\n"}).config(
        "[tool.compatshim]\n"
        + ("" if telemetry else "telemetry = false\n")
        + '[tool.compatshim.aliases]\n"old" = "canon"\n'
    )
    result = project.run(PROGRAM).value
    assert result["never"] == []
    assert result["writing"] == (
        ["sqlite3", "compatshim._telemetry.store", "compatshim._telemetry.writer",
         "compatshim._telemetry.flushing"] if telemetry else []
    )  # fmt: skip
