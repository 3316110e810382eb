"""Type checkers on legacy paths, before and after ``compatshim stubs --write``.

mypy, basedpyright and (where node is installed) pyright run with their default settings plus
the one documented line (``reportMissingModuleSource = "none"``; pyright also gets
``reportDeprecated``, which is off by its default). Deselect with ``-m "not typecheckers"``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import Project
from typing_project import ACME
from typing_project import marked
from typing_project import mypy
from typing_project import pyright

import compatshim
from compatshim._static import files as generated
from compatshim._stubs import files as _stubfiles


pytestmark = pytest.mark.typecheckers

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "legacy-app"
LEGACY_IMPORTS = {("app/main.py", n) for n in (3, 7, 8, 9, 10, 11)}


def _needs(tool: str) -> None:
    pytest.importorskip(tool, reason=f"{tool} is not installed (it needs Python 3.10 or later)")
    if tool == "pyright" and shutil.which("node") is None:
        pytest.skip("the pyright package needs node on PATH (basedpyright brings its own)")


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The acme project, without stubs."""
    root = tmp_path_factory.mktemp("acme-before")
    Project(root).write(ACME)
    return root


@pytest.fixture(scope="module")
def after(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The acme project after ``compatshim stubs --write``."""
    root = tmp_path_factory.mktemp("acme-after")
    Project(root).write(ACME)
    result = compatshim.stubs(root / "pyproject.toml", write=True)
    assert result.ok and result.notes == [] and len(result.changes) == 8
    return root


def _bugs(root: Path) -> set[tuple[str, int]]:
    return marked(root, "app/bugs.py", "BUG")


def test_mypy_before_stubs_fails_every_legacy_path_and_misses_the_bugs(
    before: Path, tmp_path: Path
) -> None:
    """Without stubs mypy reports each legacy import, and every name behind one is Any."""
    _needs("mypy")
    errors = mypy(before, tmp_path, "app")
    flagged = {(f, n) for f, n, code in errors if code in ("import-not-found", "attr-defined")}
    assert flagged >= LEGACY_IMPORTS
    assert not {(f, n) for f, n, _ in errors} & (_bugs(before) - {("app/bugs.py", 4)})


def test_basedpyright_before_stubs_fails_every_legacy_path(before: Path) -> None:
    """basedpyright too: missing imports and unknown symbols at each legacy import."""
    _needs("basedpyright")
    found = pyright("basedpyright", before, "app")
    errors = {(f, n) for f, n, severity, _ in found if severity == "error"}
    assert errors >= LEGACY_IMPORTS
    rules = {rule for _, _, severity, rule in found if severity == "error"}
    assert rules == {"reportMissingImports", "reportAttributeAccessIssue"}


def test_mypy_after_stubs_reports_exactly_the_bugs_and_the_deprecations(
    after: Path, tmp_path: Path
) -> None:
    """After the stubs: no false error, every planted bug, and each deprecated function."""
    _needs("mypy")
    errors = mypy(after, tmp_path, "--enable-error-code", "deprecated", "app")
    assert {(f, n) for f, n, code in errors if code != "deprecated"} == _bugs(after)
    deprecated = {(f, n) for f, n, code in errors if code == "deprecated" and f == "app/main.py"}
    assert deprecated == marked(after, "app/main.py", "deprecated")


def test_mypy_strict_accepts_every_legacy_path(after: Path, tmp_path: Path) -> None:
    """``mypy --strict`` too (explicit re-exports only, no Any): main.py has no error."""
    _needs("mypy")
    assert mypy(after, tmp_path, "--strict", "app/main.py") == []


@pytest.mark.parametrize("tool", ["basedpyright", "pyright"])
def test_pyright_after_stubs_reports_exactly_the_bugs_and_the_deprecations(
    after: Path, tool: str
) -> None:
    """pyright and basedpyright: the same errors, and deprecations at imports and calls."""
    _needs(tool)
    found = pyright(tool, after, "app")
    assert {(f, n) for f, n, severity, _ in found if severity == "error"} == _bugs(after)
    deprecated = {(f, n) for f, n, _, rule in found if rule == "reportDeprecated"}
    expected = marked(after, "app/main.py", "deprecated")
    expected |= marked(after, "app/main.py", "call of a deprecated function")
    assert {(f, n) for f, n in deprecated if f == "app/main.py"} == expected


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example application as committed (with its stubs), and a copy without them."""
    with_stubs = tmp_path_factory.mktemp("example") / "legacy-app"
    shutil.copytree(EXAMPLE, with_stubs, ignore=shutil.ignore_patterns(".compatshim", "*.pyc"))
    without = tmp_path_factory.mktemp("example-bare") / "legacy-app"
    shutil.copytree(with_stubs, without)
    for path in without.rglob("*.py*"):
        raw = path.read_bytes()
        if generated.is_generated(raw):
            path.unlink()
        elif generated.has_block(raw):
            path.write_text(_stubfiles.splice_block(raw.decode(), None), encoding="utf-8")
    shutil.rmtree(without / "shopapp" / "sockets")  # the folder that held only stubs
    return with_stubs, without


def test_example_mypy_errors_before_and_none_after(
    example: tuple[Path, Path], tmp_path: Path
) -> None:
    """The README's example: mypy's seven errors go away with its committed stubs."""
    _needs("mypy")
    with_stubs, without = example
    before = mypy(without, tmp_path / "before", "shopapp", "run.py")
    assert len(before) == 7
    assert {code for _, _, code in before} == {"import-not-found", "attr-defined"}
    assert mypy(with_stubs, tmp_path / "after", "shopapp", "run.py") == []


@pytest.mark.parametrize("tool", ["basedpyright", "pyright"])
def test_example_pyright_errors_before_and_none_after(
    example: tuple[Path, Path], tool: str
) -> None:
    """And pyright's and basedpyright's six."""
    _needs(tool)
    with_stubs, without = example
    before = [d for d in pyright(tool, without, "shopapp", "run.py") if d[2] == "error"]
    assert len(before) == 6
    after = [d for d in pyright(tool, with_stubs, "shopapp", "run.py") if d[2] == "error"]
    assert after == []


def test_type_variables_read_the_same_through_the_legacy_path(tmp_path: Path) -> None:
    """A function generic in a type variable (private, public and re-exported, imported from
    another module of the package, or ``typing.AnyStr``) reveals the same type through the
    legacy path as through the canonical one: the variables keep their names (attrs's
    validators showed ``_cs_attr_checks._T`` for ``_T`` in every message and hover)."""
    _needs("mypy")
    project = (
        Project(tmp_path / "project")
        .write(
            {
                "canon/__init__.py": "",
                "canon/kinds.py": "from typing import TypeVar\n\nK = TypeVar('K')\n",
                "canon/mod.py": """
                from typing import AnyStr, Callable, TypeVar

                from canon.kinds import K

                _T = TypeVar("_T")
                T = TypeVar("T", bound=int)
                _F = TypeVar("_F", bound=Callable[..., object])


                def first(items: list[_T], key: K) -> dict[K, _T]:
                    raise NotImplementedError


                def bounded(x: T) -> list[T]:
                    return [x]


                def wrap(func: _F) -> _F:
                    return func


                def same(x: AnyStr, y: AnyStr) -> AnyStr:
                    return x
            """,
                "probe_legacy.py": "import old.mod\n"
                + "".join(
                    f"reveal_type(old.mod.{n})\n" for n in ("first", "bounded", "wrap", "same")
                ),
                "probe_canonical.py": "import canon.mod\n"
                + "".join(
                    f"reveal_type(canon.mod.{n})\n" for n in ("first", "bounded", "wrap", "same")
                ),
            }
        )
        .config('[tool.compatshim.aliases]\n"old" = "canon"\n')
    )
    assert compatshim.stubs(project.root / "pyproject.toml", write=True).ok
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "--no-pretty",
         "--no-error-summary", "--no-color-output", "probe_legacy.py", "probe_canonical.py"],
        cwd=project.root, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    revealed: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        file, _, rest = line.partition(":")
        revealed.setdefault(file, []).append(rest.partition(": ")[2])
    assert len(revealed["probe_canonical.py"]) == 4, proc.stdout
    assert revealed["probe_legacy.py"] == revealed["probe_canonical.py"]
