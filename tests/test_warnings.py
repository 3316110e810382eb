"""The warning points at the user's line for every way of using a legacy path, once per site."""

from __future__ import annotations

import json
import sys

import pytest
from helpers import Project


def _where(result_warnings: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(w["file"], w["line"]) for w in result_warnings]


def test_each_import_form_warns_at_its_own_line(canon_project: Project) -> None:
    """import, import-as, from-import, import_module, __import__ and attribute use each blame
    the line that did it, exactly once."""
    canon_project.write(
        {
            "other.py": """
                # A second module importing a path that is already in sys.modules.
                import old.pkg.sub
                VALUE = old.pkg.sub.X
            """
        }
    )
    result = canon_project.run(
        """
        import importlib, _probe, compatshim
        compatshim.install()
        with _probe.record() as w:
            import old.pkg.sub
            import old.pkg.deep as deep
            from old.pkg.deep.mod import DEEP
            m = importlib.import_module("old.pkg")
            n = __import__("old.pkg.sub", fromlist=["X"])
            import other

            def use():
                return old.pkg.sub.f()

            use()
            use()
        _probe.emit(w.simple())
        """
    )
    warnings = result.value
    expected = [
        ("main.py", 4),  # import old.pkg.sub
        ("main.py", 5),  # import old.pkg.deep as deep
        ("main.py", 6),  # from old.pkg.deep.mod import DEEP
        ("main.py", 7),  # importlib.import_module("old.pkg"), already in sys.modules
        ("main.py", 8),  # __import__("old.pkg.sub", ...)
        ("other.py", 2),  # import served from sys.modules, in a second module
        ("other.py", 3),  # old.pkg.sub.X at module level of the second module
        ("main.py", 12),  # old.pkg.sub.f() inside a function, warned once for two calls
    ]
    if sys.version_info < (3, 11):
        # Up to 3.10, import_module() serves a module from sys.modules without touching it
        # (documented in docs/semantics.md): the uses of its names are still seen.
        expected.remove(("main.py", 7))
    assert _where(warnings) == expected
    messages = [w["message"] for w in warnings]
    assert messages[0] == "old.pkg.sub is deprecated; import canon.pkg.sub instead"
    assert messages[2].startswith("old.pkg.deep.mod is deprecated")
    assert {w["category"] for w in warnings} == {"CompatshimDeprecationWarning"}


def test_one_statement_gives_one_warning(canon_project: Project) -> None:
    """A statement that loads old, old.pkg and old.pkg.sub and reads a name warns once."""
    result = canon_project.run(
        """
        import _probe, compatshim
        compatshim.install()
        with _probe.record() as w:
            from old.pkg.sub import X, f
        with _probe.record() as again:
            from old.pkg.sub import X, f
        with _probe.record() as pkg:
            from old.pkg import deep
        _probe.emit([w.simple(), again.simple(), pkg.simple()])
        """
    )
    first, again, pkg = result.value
    assert [w["message"] for w in first] == [
        "old.pkg.sub is deprecated; import canon.pkg.sub instead"
    ]
    assert _where(again) == [("main.py", 6)]
    assert [w["message"] for w in pkg] == ["old.pkg is deprecated; import canon.pkg instead"]


def test_import_module_from_sys_modules_warns_at_the_call(canon_project: Project) -> None:
    """A second importlib.import_module() at a new line warns there (from Python 3.11 on)."""
    result = canon_project.run(
        """
        import importlib, _probe, compatshim
        compatshim.install()
        with _probe.record() as w:
            importlib.import_module("old.pkg.sub")
            importlib.import_module("old.pkg.sub")
        _probe.emit(w.simple())
        """
    )
    expected = [("main.py", 4), ("main.py", 5)] if sys.version_info >= (3, 11) else [("main.py", 4)]
    assert _where(result.value) == expected


def test_mock_patch_and_resolve_name_blame_the_user_line(canon_project: Project) -> None:
    """Tools that resolve dotted strings (mock.patch, pkgutil) are skipped to the caller."""
    result = canon_project.run(
        """
        import pkgutil, _probe, compatshim
        from unittest import mock
        compatshim.install()
        with _probe.record() as w:
            with mock.patch("old.pkg.sub.f"):
                pass
            pkgutil.resolve_name("old.pkg.deep.mod:DEEP")
        _probe.emit(w.simple())
        """
    )
    files = {w["file"] for w in result.value}
    assert files == {"main.py"}
    assert {w["line"] for w in result.value} == {5, 7}


def test_a_write_through_a_legacy_module_warns_at_its_line_and_can_be_refused(
    canon_project: Project,
) -> None:
    """A write or delete through a legacy module warns at the user's line; a filter that turns
    the warning into an error refuses the write, which then never reaches the canonical module."""
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        compatshim.install()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import old.pkg.sub as sub
        with _probe.record() as w:
            sub.X = 2
            del sub.X
        warnings.simplefilter("error")
        refused = False
        try:
            sub.LIMIT = 100
        except DeprecationWarning:
            refused = True
        import canon.pkg.sub
        _probe.emit([w.simple(), refused, hasattr(canon.pkg.sub, "LIMIT")])
        """
    )
    said, refused, written = result.value
    assert _where(said) == [("main.py", 7), ("main.py", 8)]
    assert all("old.pkg.sub is deprecated" in w["message"] for w in said)
    assert (refused, written) == (True, False)


def test_mock_patch_as_a_decorator_blames_the_decorated_function(canon_project: Project) -> None:
    """``@mock.patch("old.mod.f")`` resolves its target each time the function is called, from
    inside unittest.mock and contextlib, before the function runs: the use belongs to the
    decorated function, at its first decorator line (warned, counted, and refused by the error
    policy as a use in the project's code), not to contextlib's line in the standard library."""
    script = """
        import json, warnings, _probe, compatshim
        from unittest import mock
        compatshim.install()
        import canon.pkg.sub

        @mock.patch("old.pkg.sub.X", 2)
        @mock.patch("old.pkg.sub.f", return_value="mocked")
        def test(patched):
            return canon.pkg.sub.f(), canon.pkg.sub.X

        with _probe.record() as w:
            try:
                outcome = [test(), test()]
            except ImportError as exc:
                outcome = type(exc).__name__
        _probe.emit([w.simple(), outcome])
        """
    said, outcome = canon_project.run(script).value
    assert _where(said) == [("main.py", 6)]
    assert outcome == [["mocked", 2], ["mocked", 2]]
    report = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    (alias,) = json.loads(report.stdout)["aliases"]
    # Two calls, two patches: one hit each (a patch resolves its target twice, once for the
    # original, in one call: one hit, as a patch in a ``with`` statement is).
    assert [(s["file"], s["line"], s["hits"]) for s in alias["sites"]] == [("main.py", 6, 4)]
    strict = canon_project.run(script, env={"COMPATSHIM_POLICY": "error"}).value
    assert strict == [[], "LegacyPathError"]


def test_introspection_never_warns(canon_project: Project) -> None:
    """dir, inspect.getmembers, help, find_spec and dunder probes are not uses."""
    result = canon_project.run(
        """
        import importlib.util, inspect, pydoc, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.sub
        import old.pkg as pkg, old.pkg.sub as sub  # reading a legacy child is a use: not below
        with _probe.record() as w:
            names = dir(sub)
            members = dict(inspect.getmembers(sub))
            text = pydoc.render_doc(sub)
            spec = importlib.util.find_spec("old.pkg.deep.mod")
            spec_again = importlib.util.find_spec("old.pkg.deep.mod")
            probes = [hasattr(pkg, n) for n in ("__path__", "__wrapped__", "__all__", "__file__")]
        _probe.emit({"warnings": w.simple(), "has_f": "f" in names and "f" in members,
                     "doc": "canon" in text or "old.pkg.sub" in text,
                     "spec": [spec.name, spec_again.name], "probes": probes})
        """
    )
    assert result.value == {
        "warnings": [],
        "has_f": True,
        "doc": True,
        "spec": ["old.pkg.deep.mod", "old.pkg.deep.mod"],
        # __file__ is the canonical package's (its code and data files are there).
        "probes": [True, False, False, True],
    }


def test_star_import_binds_everything_with_one_warning(canon_project: Project) -> None:
    """``from old.mod import *`` binds every public canonical name and warns once."""
    result = canon_project.run(
        """
        import _probe, compatshim
        compatshim.install()
        with _probe.record() as w:
            from old.pkg import *
        import canon.pkg
        _probe.emit({"warnings": w.simple(),
                     "bound": [Thing is canon.pkg.Thing, helper is canon.pkg.helper, CONSTANT]})
        """
    )
    assert _where(result.value["warnings"]) == [("main.py", 4)]
    assert result.value["bound"] == [True, True, 42]


def test_dash_w_error_raises_at_the_users_line(canon_project: Project) -> None:
    """``-W error::DeprecationWarning`` turns the warning into an error raised at that line."""
    result = canon_project.run(
        """
        import compatshim
        compatshim.install()
        import old.pkg.sub
        """,
        args=["-W", "error::DeprecationWarning"],
        check=False,
    )
    assert result.returncode == 1
    assert 'main.py", line 3, in <module>' in result.stderr
    assert (
        "CompatshimDeprecationWarning: old.pkg.sub is deprecated" in result.stderr.splitlines()[-1]
    )


def test_a_warning_raised_as_error_raises_again_on_retry(canon_project: Project) -> None:
    """After ``-W error`` raised once, the same use raises again; later, with warnings ignored,
    the import succeeds and the canonical module is intact."""
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        compatshim.install()
        raised = 0
        for _ in range(2):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    import old.pkg.sub
            except DeprecationWarning:
                raised += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import old.pkg.sub
        import canon.pkg.sub
        _probe.emit([raised, old.pkg.sub.f is canon.pkg.sub.f, canon.pkg.sub.__spec__.name])
        """
    )
    assert result.value == [2, True, "canon.pkg.sub"]


def test_user_warning_filters_are_never_modified(canon_project: Project) -> None:
    """compatshim leaves warnings.filters exactly as it found them."""
    result = canon_project.run(
        """
        import warnings, _probe
        warnings.filterwarnings("ignore", message="unrelated")
        before = list(warnings.filters)
        import compatshim
        compatshim.install()
        import old.pkg.sub
        old.pkg.sub.f()
        _probe.emit(list(warnings.filters) == before)
        """
    )
    assert result.value is True


def test_pytest_filterwarnings_error_fails_the_test_at_its_line(canon_project: Project) -> None:
    """Under pytest's ``filterwarnings = error`` a legacy use fails the test, naming the line."""
    canon_project.write(
        {
            "conftest.py": "import compatshim\ncompatshim.install()\n",
            "test_legacy.py": """
                import canon.pkg.sub

                def test_canonical():
                    assert canon.pkg.sub.f() == "f"

                def test_legacy():
                    import old.pkg.sub
                    assert old.pkg.sub.f() == "f"
            """,
            "pytest.ini": "[pytest]\nfilterwarnings = error\n",
        }
    )
    result = canon_project.command(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert "test_legacy.py:7: CompatshimDeprecationWarning" in result.stdout or (
        "test_legacy.py:7" in result.stdout and "CompatshimDeprecationWarning" in result.stdout
    )


def test_default_filters_show_it_in_main_and_future_warning_everywhere(project: Project) -> None:
    """With default filters a DeprecationWarning shows in __main__; FutureWarning shows anywhere."""
    from helpers import CANON

    project.write(CANON).write({"lib.py": "import old.pkg\n"}).config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "older" = { target = "canon", category = "FutureWarning" }
        """
    )
    project.write({"lib2.py": "import older.pkg\n"})
    result = project.run(
        """
        import compatshim
        compatshim.install()
        import lib          # DeprecationWarning attributed to lib.py: hidden by default
        import lib2         # FutureWarning attributed to lib2.py: shown
        import old.pkg.sub  # DeprecationWarning attributed to __main__: shown
        """
    )
    lines = [line for line in result.stderr.splitlines() if "Warning:" in line]
    assert len(lines) == 2, result.stderr
    assert "lib2.py:1: FutureWarning: older.pkg is deprecated" in lines[0]
    assert "main.py:5: CompatshimDeprecationWarning: old.pkg.sub is deprecated" in lines[1]


def test_message_template_and_schedule(project: Project) -> None:
    """``since``/``removed_in`` appear in the default text; ``message`` templates replace it."""
    from helpers import CANON

    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "old" = { target = "canon", since = "2.1", removed_in = "3.0" }
        "older" = { target = "canon", message = "{legacy} moved to {canonical} ({since}, {removed_in})" }
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        with _probe.record() as w:
            import old.pkg
            import older.pkg
        _probe.emit([x["message"] for x in w.simple()])
        """
    )
    assert result.value == [
        "old.pkg is deprecated since 2.1 and will be removed in 3.0; import canon.pkg instead",
        "older.pkg moved to canon.pkg (an unspecified version, a future version)",
    ]


@pytest.mark.parametrize("python_dash_m", [False, True])
def test_runpy_runs_the_canonical_module(canon_project: Project, python_dash_m: bool) -> None:
    """runpy.run_module on a legacy path runs the canonical module's code."""
    if python_dash_m:
        result = canon_project.run(
            """
            import runpy, warnings, compatshim
            compatshim.install()
            warnings.simplefilter("ignore")
            runpy.run_module("old.pkg.tool", run_name="__main__")
            """
        )
        assert "TOOL RAN __main__ tool.py" in result.stdout
    else:
        result = canon_project.run(
            """
            import runpy, _probe, compatshim
            compatshim.install()
            with _probe.record() as w:
                namespace = runpy.run_module("old.pkg.tool")
            _probe.emit([namespace["RESULT"], w.simple()])
            """
        )
        ran, warnings = result.value
        assert ran == ["ran", "old.pkg.tool"]
        assert _where(warnings) == [("main.py", 4)]
        assert warnings[0]["message"].startswith("old.pkg.tool is deprecated")


def test_introspection_never_imports_an_error_policy_child(project: Project) -> None:
    """inspect and pydoc over a legacy package do not import a child whose policy is error."""
    from helpers import CANON

    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "old.pkg.sub" = { target = "canon.pkg.sub", policy = "error" }
        """
    )
    result = project.run(
        """
        import inspect, pydoc, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import canon.pkg.sub, old.pkg
        members = dict(inspect.getmembers(old.pkg))
        pydoc.render_doc(old.pkg)
        _probe.emit("sub" in members)
        """
    )
    assert result.value is True


def test_throwaway_code_does_not_grow_memory(canon_project: Project) -> None:
    """eval()'d code that uses a legacy path leaves no per-site state behind once it is gone."""
    result = canon_project.run(
        """
        import gc, warnings, _probe, compatshim
        from compatshim._base import cells as _cells
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg

        def state():
            gc.collect()
            return [len(_cells._codes), sum(len(c) for c in _cells._caches)]

        eval("old.pkg.CONSTANT")
        before = state()
        for _ in range(2000):
            eval("old.pkg.CONSTANT")
        # Code objects with many sites each (their entries outgrow the short form).
        many = "\\n".join(f"old.pkg.CONSTANT  # {i}" for i in range(12))
        for _ in range(50):
            exec(compile(many, "many.py", "exec"))
        _probe.emit(state() == before)
        """
    )
    assert result.value is True


def test_entry_points_blame_the_caller_not_importlib_metadata(project: Project) -> None:
    """A legacy path in an entry point is reported at the line that loads the entry point."""
    from helpers import CANON

    project.write(CANON).write(
        {
            "plugin_dist-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: plugin-dist\n"
            "Version: 1.0\n",
            "plugin_dist-1.0.dist-info/entry_points.txt": "[demo.plugins]\nthing = old.pkg:Thing\n",
        }
    ).config()
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        from compatshim._base.compat import metadata
        (point,) = [p for p in metadata().distribution("plugin-dist").entry_points
                    if p.group == "demo.plugins"]
        with _probe.record() as w:
            thing = point.load()
        _probe.emit([(x["file"], x["line"]) for x in w.simple()])
        """
    )
    assert set(map(tuple, result.value)) == {("main.py", 7)}


def test_optional_import_probe_in_library_code_takes_the_alias(project: Project) -> None:
    """``try: from mock import Mock / except ImportError`` takes the alias (warned at the
    library's line); under ``error`` it gets LegacyPathError, an ImportError, and falls back."""
    project.write(
        {
            "optional_lib.py": """
                try:
                    from mock import Mock
                    SOURCE = "alias"
                except ImportError as exc:
                    from unittest.mock import Mock
                    SOURCE = type(exc).__name__
            """
        }
    ).config(
        '[tool.compatshim]\ntelemetry = false\n[tool.compatshim.aliases]\n"mock" = "unittest.mock"\n'
    )
    script = """
        import unittest.mock, _probe, compatshim
        compatshim.install()
        with _probe.record() as w:
            import optional_lib
        _probe.emit({"source": optional_lib.SOURCE, "same": optional_lib.Mock is unittest.mock.Mock,
                     "warnings": [(x["file"], x["line"]) for x in w.simple()]})
        """
    warn = project.run(script).value
    assert warn == {"source": "alias", "same": True, "warnings": [["optional_lib.py", 2]]}
    error = project.run(script, env={"COMPATSHIM_POLICY": "error"}).value
    assert error == {"source": "LegacyPathError", "same": True, "warnings": []}
