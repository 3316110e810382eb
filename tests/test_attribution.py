"""Where a use is attributed when a tool makes it on the user's behalf: unittest.mock, pytest's
monkeypatch, resolution helpers, typing, code compiled from a string.

Each scenario runs in a fresh interpreter three ways: warned (which lines of the user's file
warn), counted (the sites of the report) and under the error policy with the default
``strict_scope = "project"`` (whether the use is refused as the project's own). The legacy
module the scenarios hand to tools comes from an installed dependency outside the project, so
that getting hold of it is no use of the project's own.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import CANON
from helpers import Project


# One line, so that the scenario's lines are numbered as written (main.py's line - 1).
HEADER = (
    "import _probe, compatshim; compatshim.install(); import canon.pkg.sub; "
    "from thirdparty_pkg import om; canon.pkg.sub.CONFIG = {'a': 1}\n"
)
# A scenario defines ``run()``; the footer runs it and reports the warnings of main.py.
FOOTER = """
with _probe.record() as caught:
    try:
        outcome = run()
    except ImportError as exc:
        outcome = type(exc).__name__
_probe.emit([[(w["line"], w["message"].split()[0]) for w in caught.simple()
              if w["file"] == "main.py"], outcome])
"""

# An installed dependency, outside the project: it hands the legacy module old.pkg.sub over.
THIRDPARTY = """
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import old.pkg.sub as om
    import old
"""


class Outcome:
    """What one scenario did: which lines warned (with the path each named), what ``run()``
    returned, the hits at each line, and what it did under the error policy."""

    def __init__(
        self, warned: list[tuple[int, str]], value: Any, sites: dict[int, int], strict: Any
    ) -> None:
        self.warned = warned
        self.value = value
        self.sites = sites
        self.strict = strict


def scenario(
    tmp_path: Path, body: str, files: dict[str, str] | None = None, args: list[str] | None = None
) -> Outcome:
    """Run ``body`` (its lines numbered from 1 as written) as main.py of a fresh project."""
    project = Project(tmp_path / "app").write(CANON).config().write(files or {})
    site = tmp_path / "env" / "lib" / "site-packages"
    site.mkdir(parents=True, exist_ok=True)
    (site / "thirdparty_pkg.py").write_text(THIRDPARTY.lstrip(), encoding="utf-8")
    env = {"PYTHONPATH": os.pathsep.join([str(project.root), str(site), _checkout()])}
    script = HEADER + textwrap.dedent(body).strip("\n") + "\n" + FOOTER
    warned, value = project.run(script, env=env, args=args).value
    report = project.command(["-m", "compatshim", "report", "--format", "json"], env=env)
    sites: dict[int, int] = {}
    for alias in json.loads(report.stdout)["aliases"]:
        for row in alias["sites"]:
            if row["file"] == "main.py":
                sites[row["line"] - 1] = sites.get(row["line"] - 1, 0) + row["hits"]
            else:  # never a tool's file
                assert row["file"].endswith("thirdparty_pkg.py"), row
    strict = project.run(script, env={**env, "COMPATSHIM_POLICY": "error"}, args=args).value
    return Outcome([(line - 1, path) for line, path in warned], value, sites, strict)


def _checkout() -> str:
    import compatshim

    return str(Path(compatshim.__file__).resolve().parent.parent)


def test_patch_object_of_a_legacy_module_is_a_use_at_the_users_line(tmp_path: Path) -> None:
    """``mock.patch.object(old_mod, "X")`` writes through a legacy module the user handed it,
    without reading through it first: the patch is the user's use (at the ``with`` line, the
    first decorator line of the function it decorates, the ``start()`` call), counted once per
    patch (its restore is no use of its own) and refused by the error policy. It used to be no
    use at all."""
    outcome = scenario(
        tmp_path,
        """
        from unittest import mock

        @mock.patch.object(om, "X", 7)
        def decorated():
            return canon.pkg.sub.X

        def run():
            with mock.patch.object(om, "X", 8):
                inside = canon.pkg.sub.X
            patcher = mock.patch.object(om, "f", return_value="mocked")
            patcher.start()
            started = canon.pkg.sub.f()
            patcher.stop()
            with mock.patch.multiple(om, X=9, f=mock.DEFAULT):
                multiple = canon.pkg.sub.X
            return [decorated(), decorated(), inside, started, multiple, canon.pkg.sub.X]
        """,
    )
    assert outcome.value == [7, 7, 8, "mocked", 9, 1]
    assert outcome.warned == [(8, "old.pkg.sub"), (11, "old.pkg.sub"), (14, "old.pkg.sub"),
                              (3, "old.pkg.sub")]  # fmt: skip
    # One hit per execution of the line: the decorator's two calls, and patch.multiple's two
    # names written in one execution of its line.
    assert outcome.sites == {3: 2, 8: 1, 11: 1, 14: 1}
    assert outcome.strict == [[], "LegacyPathError"]


def test_string_annotations_read_by_get_type_hints_are_the_annotated_functions(
    tmp_path: Path,
) -> None:
    """``typing.get_type_hints`` evaluates a string annotation in code compiled from the string
    (``<string>``, line 1) inside typing: the use is the annotated function's, at its first
    line (its first decorator's), as an annotation evaluated on first read is from Python 3.14.
    A class's annotations have no code of their own: the caller of get_type_hints is the use.
    functools.singledispatch's ``register`` reads annotations so: the registered function's."""
    outcome = scenario(
        tmp_path,
        """
        import functools, typing
        from thirdparty_pkg import old  # for the annotations to evaluate
        def wrap(func):
            @functools.wraps(func)
            def wrapper(*args):
                return func(*args)
            return wrapper

        @wrap
        def annotated(value: "old.pkg.sub.Thing") -> None: ...

        class Model:
            field: "old.pkg.Error"

        def run():
            hints = typing.get_type_hints(annotated)
            typing.get_type_hints(annotated)
            fields = typing.get_type_hints(Model)

            @functools.singledispatch
            def dispatch(value):
                return "any"

            @dispatch.register  # reads the annotation with get_type_hints
            def _(value: "old.pkg.sub.Thing"):
                return "thing"

            return [hints["value"].__module__, fields["field"].__name__, dispatch(Model())]
        """,
        files={"canon/pkg/sub.py": "from canon.pkg import Thing\nX = 1\n"},
    )
    assert outcome.value == ["canon.pkg", "Error", "any"]
    assert outcome.warned == [(9, "old.pkg"), (18, "old.pkg"), (24, "old.pkg")]
    # (Each read the evaluation makes counts: old.pkg, its child sub, then Thing.)
    assert sorted(outcome.sites) == [9, 18, 24]
    assert outcome.sites[9] >= 2
    assert outcome.strict == [[], "LegacyPathError"]


def test_code_compiled_from_a_string_is_the_caller_of_exec_and_eval(tmp_path: Path) -> None:
    """exec and eval of a string run code whose file is ``<string>`` and whose line is the
    string's: the line that calls them is where the user can find (and fix) the use."""
    outcome = scenario(
        tmp_path,
        """
        def run():
            namespace = {"om": om}
            exec("import old.pkg.deep", namespace)
            value = eval("om.X", namespace)
            exec("om.LIMIT = 3", namespace)
            return [value, canon.pkg.sub.LIMIT]
        """,
    )
    assert outcome.value == [1, 3]
    assert outcome.warned == [(3, "old.pkg.deep"), (4, "old.pkg.sub"), (5, "old.pkg.sub")]
    assert outcome.sites == {3: 1, 4: 1, 5: 1}
    assert outcome.strict == [[], "LegacyPathError"]


def test_python_dash_c_is_still_a_site_of_its_own(canon_project: Project) -> None:
    """``python -c`` runs code compiled from a string with no caller: its uses stay at
    ``<string>``, warned, counted, and refused by the error policy (it is no installed code)."""
    code = (
        "import warnings, compatshim; compatshim.install(); warnings.simplefilter('always')\n"
        "import old.pkg as legacy\n"
        "legacy.LIMIT = 3\n"
    )
    result = canon_project.command(["-c", code])
    assert result.returncode == 0, result.stderr
    assert "<string>:2: CompatshimDeprecationWarning: old.pkg is deprecated" in result.stderr
    assert "<string>:3: CompatshimDeprecationWarning: old.pkg is deprecated" in result.stderr
    report = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    (alias,) = json.loads(report.stdout)["aliases"]
    assert sorted((s["file"], s["line"]) for s in alias["sites"]) == [
        ("<string>", 2),
        ("<string>", 3),
    ]
    strict = canon_project.command(["-c", code], env={"COMPATSHIM_POLICY": "error"})
    assert "LegacyPathError" in strict.stderr


def test_every_form_of_mock_patch_is_the_users_use(tmp_path: Path) -> None:
    """Each way of entering a patch of a legacy target is the user's use: on a class (at each
    test method's first line: mock patches each method), ``patch.dict`` and ``patch.multiple``
    of a string, on an ``async def``, through an ``ExitStack``, ``start()``, ``autospec`` and
    ``new_callable``. None is attributed to unittest.mock, contextlib or asyncio."""
    outcome = scenario(
        tmp_path,
        """
        import asyncio, contextlib, unittest
        from unittest import mock

        @mock.patch("old.pkg.sub.X", 2)
        class Case(unittest.TestCase):
            def test_a(self):
                return canon.pkg.sub.X

            @mock.patch.dict("old.pkg.sub.CONFIG", {"b": 2})
            def test_b(self):
                return canon.pkg.sub.X + len(canon.pkg.sub.CONFIG)

        @mock.patch("old.pkg.sub.f", return_value="async")
        async def coroutine(patched):
            return canon.pkg.sub.f()

        def run():
            with mock.patch.dict("old.pkg.sub.CONFIG", {"c": 3}):
                config = sorted(canon.pkg.sub.CONFIG)
            with mock.patch.multiple("old.pkg.sub", X=3):
                multiple = canon.pkg.sub.X
            with contextlib.ExitStack() as stack:
                stack.enter_context(mock.patch("old.pkg.sub.X", 4))
                stacked = canon.pkg.sub.X
            patcher = mock.patch("old.pkg.sub.X", 5)
            patcher.start()
            started = canon.pkg.sub.X
            patcher.stop()
            with mock.patch("old.pkg.sub.f", autospec=True) as spec:
                spec.return_value = "spec"
                autospec = canon.pkg.sub.f()
            with mock.patch("old.pkg.sub.f", new_callable=mock.MagicMock) as made:
                made.return_value = "made"
                new_callable = canon.pkg.sub.f()
            case = [Case("test_a").test_a(), Case("test_b").test_b()]
            return [config, multiple, stacked, started, autospec, new_callable, case,
                    asyncio.run(coroutine()), canon.pkg.sub.X, canon.pkg.sub.CONFIG]
        """,
    )
    assert outcome.value == [
        ["a", "c"], 3, 4, 5, "spec", "made", [2, 4], "async", 1, {"a": 1}
    ]  # fmt: skip
    lines = [18, 20, 23, 26, 29, 32, 6, 9, 13]
    assert [line for line, _ in outcome.warned] == lines
    assert sorted(outcome.sites) == sorted(lines)
    assert outcome.strict == [[], "LegacyPathError"]


def test_resolution_helpers_are_the_callers_use(tmp_path: Path) -> None:
    """Helpers that resolve a dotted string or read an attribute for the caller (pkgutil,
    importlib, operator, the getattr builtins, functools.partial, logging's dictConfig, a
    dataclass's replace, deepcopy and pickle) leave the use at the caller's line; under the
    error policy it is refused (logging.config wraps the refusal in its ValueError)."""
    outcome = scenario(
        tmp_path,
        """
        import copy, dataclasses, functools, importlib, logging.config, operator, pickle, pkgutil

        @dataclasses.dataclass
        class Record:
            value: int = 0
            def __post_init__(self):
                self.seen = om.X

        class Copied:
            def __deepcopy__(self, memo):
                return om.X

        def factory():
            return logging.NullHandler()

        def run():
            canon.pkg.sub.factory = factory
            config = {"version": 1, "handlers": {"h": {"()": "old.pkg.sub.factory"}}}
            try:
                logging.config.dictConfig(config)
            except ValueError as exc:
                while exc.__cause__ is not None:  # logging wraps it twice
                    exc = exc.__cause__
                raise exc from None
            return [
                pkgutil.resolve_name("old.pkg.sub:X"),
                importlib.import_module("old.pkg.deep").__name__,
                operator.attrgetter("X")(om),
                getattr(om, "X"), hasattr(om, "f"), setattr(om, "LIMIT", 1),
                functools.partial(getattr, om, "X")(),
                dataclasses.replace(Record(), value=2).seen,
                copy.deepcopy(Copied()),
                pickle.loads(pickle.dumps(canon.pkg.Thing, 0).replace(b"canon", b"old")).__module__,
            ]
        """,
    )
    assert outcome.value == [1, "old.pkg.deep", 1, 1, True, None, 1, 1, 1, "canon.pkg"]
    assert sorted(set(outcome.warned)) == [
        (7, "old.pkg.sub"), (11, "old.pkg.sub"), (20, "old.pkg.sub"), (26, "old.pkg.sub"),
        (27, "old.pkg.deep"), (28, "old.pkg.sub"), (29, "old.pkg.sub"), (30, "old.pkg.sub"),
        (33, "old.pkg"),
    ]  # fmt: skip
    assert sorted(outcome.sites) == sorted({line for line, _ in outcome.warned})
    assert outcome.strict == [[], "LegacyPathError"]


MONKEYPATCHING = """
import canon.pkg.sub
from thirdparty_pkg import om

def test_by_string(monkeypatch):
    monkeypatch.setattr("old.pkg.sub.X", 5)
    assert canon.pkg.sub.X == 5

def test_by_object(monkeypatch):
    monkeypatch.setattr(om, "X", 6)
    assert canon.pkg.sub.X == 6

def test_delattr(monkeypatch):
    monkeypatch.delattr("old.pkg.sub.f")
    assert not hasattr(canon.pkg.sub, "f")

def test_restored():
    assert canon.pkg.sub.X == 1 and canon.pkg.sub.f() == "f"
"""


def test_pytest_monkeypatch_is_the_tests_use(tmp_path: Path) -> None:
    """``monkeypatch.setattr("old.mod.X", ...)``, ``monkeypatch.setattr(old_mod, "X", ...)`` and
    ``monkeypatch.delattr`` in a test run by pytest are the test's uses, at their lines, never
    pytest's (its files are installed packages); the restore at teardown is none; and the error
    policy refuses them as the project's code."""
    strict = _three_uses_in_a_pytest_run(tmp_path, "test_mp.py", MONKEYPATCHING)
    assert strict.count("LegacyPathError") >= 3, strict


def _three_uses_in_a_pytest_run(tmp_path: Path, name: str, source: str) -> str:
    # Run test file ``name`` (``source``: four tests, uses of old.pkg.sub at lines 5, 9 and 13,
    # the fourth checking the restore) with pytest, thirdparty_pkg installed: each use warns at
    # its line and is counted there, and the error policy fails the three tests; the strict
    # run's output.
    project = Project(tmp_path / "app").write(CANON).config().write({name: source})
    site = tmp_path / "env" / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "thirdparty_pkg.py").write_text(THIRDPARTY.lstrip(), encoding="utf-8")
    env = {"PYTHONPATH": os.pathsep.join([str(project.root), str(site), _checkout()])}
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", name]
    warned = project.command([*args, "-W", "always"], env=env)
    assert "4 passed" in warned.stdout, warned.stdout
    for line in (5, 9, 13):
        assert f"{name}:{line}: CompatshimDeprecationWarning" in warned.stdout
    report = project.command(["-m", "compatshim", "report", "--format", "json"], env=env)
    (alias,) = json.loads(report.stdout)["aliases"]
    ours = sorted(s["line"] for s in alias["sites"] if s["file"] == name)
    assert ours == [5, 9, 13]
    assert {s["file"] for s in alias["sites"]} == {name, str(site / "thirdparty_pkg.py")}
    strict = project.command(args, env={**env, "COMPATSHIM_POLICY": "error"})
    assert "3 failed, 1 passed" in strict.stdout, strict.stdout
    return strict.stdout


MOCKER = """
import canon.pkg.sub
from thirdparty_pkg import om

def test_patch(mocker):
    mocker.patch("old.pkg.sub.X", 5)
    assert canon.pkg.sub.X == 5

def test_patch_object(mocker):
    mocker.patch.object(om, "X", 6)
    assert canon.pkg.sub.X == 6

def test_spy(mocker):
    spy = mocker.spy(om, "f")
    assert canon.pkg.sub.f() == "f" and spy.call_count == 1

def test_restored():
    assert canon.pkg.sub.X == 1 and canon.pkg.sub.f() == "f"
"""


def test_pytest_mock_is_the_tests_use(tmp_path: Path) -> None:
    """pytest-mock's ``mocker.patch("old.mod.X")``, ``mocker.patch.object(old_mod, "X")`` and
    ``mocker.spy(old_mod, "f")`` enter unittest.mock's patches (or read the target) from
    pytest-mock's installed plugin: the use is the test's line, not the plugin's."""
    pytest.importorskip("pytest_mock")
    _three_uses_in_a_pytest_run(tmp_path, "test_mocker.py", MOCKER)


def test_a_dotted_string_names_the_module_it_asked_for(tmp_path: Path) -> None:
    """A tool resolving ``"old.pkg.sub.X"`` imports or reads ``old``, then ``old.pkg``, then
    ``old.pkg.sub``: as for ``import old.pkg.sub``, the use is the module the string asked for,
    not its first parent (which named ``old`` and advised ``import canon``). Under the error
    policy the refusal names it too."""
    outcome = scenario(
        tmp_path,
        """
        import logging.config, pkgutil
        from unittest import mock

        def factory():
            return logging.NullHandler()

        def run():
            canon.pkg.sub.factory = factory
            try:
                with mock.patch("old.pkg.sub.X", 2):
                    patched = canon.pkg.sub.X
            except ImportError as exc:
                return str(exc)
            resolved = pkgutil.resolve_name("old.pkg.sub.X")
            config = {"version": 1, "handlers": {"h": {"()": "old.pkg.sub.factory"}}}
            logging.config.dictConfig(config)
            return [patched, resolved]
        """,
    )
    assert outcome.value == [2, 1]
    assert outcome.warned == [(10, "old.pkg.sub"), (14, "old.pkg.sub"), (16, "old.pkg.sub")]
    assert outcome.strict[0] == []
    assert outcome.strict[1].startswith("old.pkg.sub is no longer allowed")
    assert "import canon.pkg.sub instead" in outcome.strict[1]


def test_a_dotted_string_under_a_more_specific_alias_warns_once_with_its_words(
    project: Project,
) -> None:
    """With ``"old" = "canon"`` and ``"old.pkg.sub" = "other.sub"``, ``mock.patch(
    "old.pkg.sub.X")`` warns once, with the words of the alias of what it asked for (it also
    warned ``old is deprecated; import canon instead`` at the same line)."""
    project.write(CANON).write({"other/__init__.py": "", "other/sub.py": "X = 7\n"}).config(
        '[tool.compatshim.aliases]\n"old" = "canon"\n"old.pkg.sub" = "other.sub"\n'
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        from unittest import mock
        import other.sub, canon.pkg
        with _probe.record() as w:
            with mock.patch("old.pkg.sub.X", 2):
                value = other.sub.X
        _probe.emit([[(x["line"], x["message"]) for x in w.simple()], value])
        """
    )
    assert result.value == [[[6, "old.pkg.sub is deprecated; import other.sub instead"]], 2]


@pytest.mark.skipif(sys.version_info < (3, 10), reason="inspect evaluates strings from 3.10")
def test_introspection_that_evaluates_string_annotations_is_a_probe(tmp_path: Path) -> None:
    """``inspect.signature(f, eval_str=True)`` and ``inspect.get_annotations(f, eval_str=True)``
    evaluate a string annotation in code compiled from the string, inside inspect: that is
    introspection, neither warned about nor counted (it was counted at ``<string>``, line 1)."""
    outcome = scenario(
        tmp_path,
        """
        import inspect
        from thirdparty_pkg import old

        def annotated(value: "old.pkg.sub.X") -> None: ...

        def run():
            signature = inspect.signature(annotated, eval_str=True)
            annotations = inspect.get_annotations(annotated, eval_str=True)
            return [signature.parameters["value"].annotation, annotations["value"]]
        """,
    )
    assert outcome.value == [1, 1]
    assert outcome.warned == []
    assert outcome.sites == {}
    assert outcome.strict == [[], [1, 1]]
