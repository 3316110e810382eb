"""install(), uninstall(), alias() in code, and the environment switches."""

from __future__ import annotations

from helpers import CANON
from helpers import Project


def test_uninstall_leaves_the_interpreter_as_before(canon_project: Project) -> None:
    """After uninstall: the same meta_path, no legacy module left, canonical modules untouched."""
    canon_project.write({"app/__init__.py": "def __getattr__(name):\n    return 'own ' + name\n"})
    canon_project.config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "app.old_sub" = "canon.pkg.sub"
        "app:Moved" = "canon.pkg:Thing"
        """
    )
    result = canon_project.run(
        """
        import sys, warnings, _probe
        import app
        meta_before = list(sys.meta_path)
        modules_before = set(sys.modules)
        own_getattr = app.__dict__["__getattr__"]
        import compatshim
        modules_before.update(m for m in sys.modules if m.startswith("compatshim"))
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.sub, old.pkg.deep.mod
        moved = app.Moved
        sub = app.old_sub
        compatshim.uninstall()
        ours = ("old", "app", "canon")
        added = sorted(m for m in set(sys.modules) - modules_before if m.split(".")[0] in ours)
        try:
            import old.pkg.sub as again
            reimport = "imported"
        except ModuleNotFoundError:
            reimport = "ModuleNotFoundError"
        _probe.emit({
            "meta_path": sys.meta_path == meta_before,
            "added": added,
            "hook_restored": app.__dict__["__getattr__"] is own_getattr,
            "child_unbound": "old_sub" not in vars(app),
            "own_getattr_works": app.Whatever,
            "reimport": reimport,
            "installed": compatshim.installed(),
        })
        """
    )
    assert result.value == {
        "meta_path": True,
        "added": ["canon", "canon.pkg", "canon.pkg.deep", "canon.pkg.deep.mod", "canon.pkg.sub"],
        "hook_restored": True,
        "child_unbound": True,
        "own_getattr_works": "own Whatever",
        "reimport": "ModuleNotFoundError",
        "installed": None,
    }


def test_install_twice_keeps_one_finder_and_one_warning(canon_project: Project) -> None:
    """install() from several places (and a reloaded compatshim) leaves one finder."""
    result = canon_project.run(
        """
        import importlib, os, sys, _probe, compatshim
        first = compatshim.install()
        second = compatshim.install()
        third = compatshim.install(os.path.abspath("pyproject.toml"))
        importlib.reload(compatshim._runtime.state)
        importlib.reload(compatshim._runtime.finder)
        importlib.reload(compatshim._runtime.install)
        compatshim._runtime.install.install()
        with _probe.record() as w:
            import old.pkg
        finders = [type(f).__name__ for f in sys.meta_path].count("AliasFinder")
        _probe.emit({"same": first is second is third, "finders": finders, "warnings": len(w.list)})
        """
    )
    assert result.value == {"same": True, "finders": 1, "warnings": 1}


def test_compatshim_disable_makes_install_do_nothing(canon_project: Project) -> None:
    """``COMPATSHIM_DISABLE=1``: no finder, legacy paths fail as they would without compatshim."""
    result = canon_project.run(
        """
        import sys, _probe, compatshim
        inst = compatshim.install()
        try:
            import old.pkg
            outcome = "imported"
        except ModuleNotFoundError:
            outcome = "ModuleNotFoundError"
        _probe.emit([inst.disabled, repr(inst), outcome,
                     any(type(f).__name__ == "AliasFinder" for f in sys.meta_path)])
        """,
        env={"COMPATSHIM_DISABLE": "1"},
    )
    assert result.value == [
        True,
        "<Installation disabled (COMPATSHIM_DISABLE)>",
        "ModuleNotFoundError",
        False,
    ]


def test_policy_error_raises_an_import_error_naming_the_canonical_path(project: Project) -> None:
    """``policy = "error"`` raises LegacyPathError (an ImportError) from loading, not finding."""
    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "strict" = { target = "canon", policy = "error" }
        "quiet" = { target = "canon", policy = "ignore" }
        """
    )
    result = project.run(
        """
        import importlib.util, _probe, compatshim
        compatshim.install()
        spec = importlib.util.find_spec("strict")
        try:
            import strict.pkg
        except ImportError as e:
            error = [type(e).__name__, isinstance(e, compatshim.LegacyPathError),
                     str(e).replace(__file__, "main.py"), e.name]
        with _probe.record() as w:
            import quiet.pkg
        _probe.emit({"spec": spec.name, "error": error, "quiet": w.simple()})
        """
    )
    assert result.value == {
        "spec": "strict",
        "error": [
            "LegacyPathError",
            True,
            (
                "strict.pkg is no longer allowed (compatshim policy 'error'); "
                "import canon.pkg instead (used at main.py:5)"
            ),
            "strict.pkg",
        ],
        "quiet": [],
    }


def test_env_policy_overrides_every_alias(canon_project: Project) -> None:
    """``COMPATSHIM_POLICY=error`` (a CI job) turns every legacy use into an error."""
    result = canon_project.run(
        """
        import _probe, compatshim
        inst = compatshim.install()
        try:
            import old.pkg
        except compatshim.LegacyPathError as e:
            _probe.emit([inst.policy_override, e.canonical])
        """,
        env={"COMPATSHIM_POLICY": "error"},
    )
    assert result.value == ["error", "canon.pkg"]  # what the statement asked for


def test_bad_env_policy_is_a_config_error(canon_project: Project) -> None:
    """An invalid ``COMPATSHIM_POLICY`` is reported, with its slug."""
    result = canon_project.run(
        """
        import _probe, compatshim
        try:
            compatshim.install()
        except compatshim.ConfigError as e:
            _probe.emit([e.slug, str(e)])
        """,
        env={"COMPATSHIM_POLICY": "loud"},
    )
    assert result.value == [
        "env-bad-value",
        "COMPATSHIM_POLICY must be one of warn, error, ignore, not 'loud'",
    ]


def test_alias_declared_in_code_by_a_library(project: Project) -> None:
    """A library renames its own module with compatshim.alias(); users' imports keep working."""
    project.write(
        {
            "mylib/__init__.py": """
                import compatshim
                compatshim.alias("mylib.oldname", "mylib.newname", since="1.4")
            """,
            "mylib/newname.py": "class Client:\n    pass\n",
        }
    )
    result = project.run(
        """
        import _probe
        with _probe.record() as w:
            from mylib.oldname import Client
        import mylib.newname
        _probe.emit([Client is mylib.newname.Client, w.simple()])
        """
    )
    same, warnings = result.value
    assert same is True
    assert warnings == [
        {
            "file": "main.py",
            "line": 3,
            "category": "CompatshimDeprecationWarning",
            "message": "mylib.oldname is deprecated since 1.4; import mylib.newname instead",
        }
    ]


def test_alias_in_code_rejects_bad_input_naming_the_call_site(project: Project) -> None:
    """compatshim.alias() validates like the configuration and names the calling line."""
    result = project.run(
        """
        import _probe, compatshim
        errors = []
        for args, kwargs in [(("old", "old"), {}), (("a.b", "c..d"), {}),
                             (("json", "x"), {}), (("a", "b"), {"policy": "loud"}),
                             (("a", "b"), {"color": "red"})]:
            try:
                compatshim.alias(*args, **kwargs)
            except compatshim.ConfigError as e:
                errors.append([e.slug, str(e).split(": ", 1)[0].rsplit("/", 1)[-1]])
        _probe.emit(errors)
        """
    )
    assert result.value == [
        ["alias-self", "main.py:7"],
        ["alias-bad-name", "main.py:7"],
        ["alias-stdlib", "main.py:7"],
        ["config-bad-value", "main.py:7"],
        ["config-unknown-key", "main.py:7"],
    ]


def test_moved_name_on_a_real_module_keeps_its_own_getattr(project: Project) -> None:
    """A name alias on a module that still exists is served by a chained __getattr__."""
    project.write(CANON).write(
        {
            "pkg/__init__.py": "",
            "pkg/ws/__init__.py": """
                LOCAL = "still here"
                def __getattr__(name):
                    if name == "Lazy":
                        return "lazy value"
                    raise AttributeError(name)
            """,
        }
    ).config(
        """
        [tool.compatshim.aliases]
        "pkg.ws:WebSocketManager" = "canon.pkg:Thing"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        import canon.pkg
        with _probe.record() as w:
            from pkg.ws import WebSocketManager
            import pkg.ws
            lazy = pkg.ws.Lazy
        try:
            pkg.ws.Nothing
        except AttributeError as e:
            missing = str(e)
        _probe.emit({"same": WebSocketManager is canon.pkg.Thing, "local": pkg.ws.LOCAL,
                     "lazy": lazy, "missing": missing, "warnings": w.simple()})
        """
    )
    value = result.value
    assert value["same"] is True
    assert value["local"] == "still here"
    assert value["lazy"] == "lazy value"
    assert value["missing"] == "Nothing"
    assert [(w["line"], w["message"]) for w in value["warnings"]] == [
        (5, "pkg.ws.WebSocketManager is deprecated; use canon.pkg.Thing instead")
    ]


def test_moved_name_on_a_module_imported_before_install(project: Project) -> None:
    """install() hooks legacy modules that were imported before it ran."""
    project.write(CANON).write({"pkg/__init__.py": "", "pkg/ws.py": "OTHER = 1\n"}).config(
        """
        [tool.compatshim.aliases]
        "pkg.ws:Manager" = "canon.pkg:Thing"
        """
    )
    result = project.run(
        """
        import warnings, _probe
        import pkg.ws
        import compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import canon.pkg
        _probe.emit(pkg.ws.Manager is canon.pkg.Thing)
        """
    )
    assert result.value is True


def test_virtual_module_for_names_whose_module_is_gone(project: Project) -> None:
    """Importing a vanished legacy module gives a virtual one: silent until a name is used."""
    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "gone.helpers:helper" = "canon.pkg:helper"
        "gone.helpers:CONST" = "canon.pkg:CONSTANT"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        with _probe.record() as imported:
            import gone.helpers
        with _probe.record() as used:
            from gone.helpers import helper
            value = gone.helpers.CONST
        try:
            gone.helpers.other
        except AttributeError as e:
            missing = str(e)
        import canon.pkg
        _probe.emit({"import": imported.simple(), "used": [w["line"] for w in used.simple()],
                     "same": helper is canon.pkg.helper, "value": value,
                     "dir": [n for n in dir(gone.helpers) if not n.startswith("__")],
                     "missing": missing})
        """
    )
    assert result.value == {
        "import": [],
        "used": [6, 7],
        "same": True,
        "value": 42,
        "dir": ["CONST", "helper"],
        "missing": "module 'gone.helpers' has no attribute 'other' "
        "(it only serves moved names: CONST, helper)",
    }


def test_direct_strategy_binds_the_canonical_module_itself(project: Project) -> None:
    """``strategy = "direct"``: the legacy name is the canonical module, whose spec stays intact."""
    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "fast" = { target = "canon.pkg", strategy = "direct" }
        """
    )
    result = project.run(
        """
        import importlib, _probe, compatshim
        compatshim.install()
        with _probe.record() as w:
            import fast
            import fast as again
        import canon.pkg
        importlib.reload(fast)
        _probe.emit({"same": fast is canon.pkg, "spec": canon.pkg.__spec__.name,
                     "name": canon.pkg.__name__, "warnings": [x["line"] for x in w.simple()],
                     "executed": __import__("builtins").EXECUTED})
        """
    )
    assert result.value == {
        "same": True,
        "spec": "canon.pkg",
        "name": "canon.pkg",
        "warnings": [4],
        "executed": ["canon", "canon.pkg", "canon.pkg"],
    }


def test_reload_of_legacy_or_canonical_keeps_the_legacy_path_current(
    canon_project: Project,
) -> None:
    """reload() of either module re-runs the canonical source once; the legacy path follows."""
    result = canon_project.run(
        """
        import builtins, importlib, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.sub, canon.pkg.sub
        first = canon.pkg.sub.f
        importlib.reload(old.pkg.sub)
        second = canon.pkg.sub.f
        importlib.reload(canon.pkg.sub)
        third = canon.pkg.sub.f
        _probe.emit({
            "runs": builtins.EXECUTED.count("canon.pkg.sub"),
            "fresh": [first is not second, second is not third],
            "current": old.pkg.sub.f is canon.pkg.sub.f,
            "spec": [canon.pkg.sub.__spec__.name, old.pkg.sub.__spec__.name],
            "same_module": sys.modules["canon.pkg.sub"] is canon.pkg.sub
                if (sys := __import__("sys")) else 0,
        })
        """
    )
    assert result.value == {
        "runs": 3,
        "fresh": [True, True],
        "current": True,
        "spec": ["canon.pkg.sub", "old.pkg.sub"],
        "same_module": True,
    }


def test_deleted_canonical_module_is_followed_after_reimport(canon_project: Project) -> None:
    """After ``del sys.modules[canon]`` and a re-import, the legacy path gives the new module."""
    result = canon_project.run(
        """
        import sys, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.sub
        del sys.modules["canon.pkg.sub"]
        import canon.pkg.sub as fresh
        _probe.emit(old.pkg.sub.f is fresh.f)
        """
    )
    assert result.value is True


def test_a_vendored_copy_keeps_its_own_finder(canon_project: Project) -> None:
    """A second compatshim under another package name coexists; each serves its own aliases."""
    import shutil
    from pathlib import Path

    import compatshim

    vendored = canon_project.root / "somelib" / "_vendor" / "compatshim"
    shutil.copytree(Path(compatshim.__file__).parent, vendored)
    for folder in (canon_project.root / "somelib", vendored.parent):
        (folder / "__init__.py").write_text("")
    result = canon_project.run(
        """
        import sys, warnings, _probe
        from somelib._vendor import compatshim as vendored
        import compatshim
        warnings.simplefilter("ignore")
        vendored.alias("vendored_old", "canon.pkg")
        compatshim.install()
        import vendored_old, old.pkg, canon.pkg
        _probe.emit([type(f).__module__ for f in sys.meta_path if type(f).__name__ == "AliasFinder"]
                    + [vendored_old.Thing is canon.pkg.Thing, old.pkg.Thing is canon.pkg.Thing])
        """
    )
    assert result.value == [
        "compatshim._runtime.finder",
        "somelib._vendor.compatshim._runtime.finder",
        True,
        True,
    ]


def test_moved_name_on_a_vanished_module_under_a_module_alias(project: Project) -> None:
    """ "old" = "canon" plus "old.gone:Thing": old.gone does not exist anywhere, so it becomes
    a virtual module serving Thing, and find_spec agrees."""
    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "old.gone:Thing" = "canon.pkg:Thing"
        """
    )
    result = project.run(
        """
        import importlib.util, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old
        spec = importlib.util.find_spec("old.gone")
        from old.gone import Thing
        import canon.pkg
        _probe.emit([spec.origin, Thing is canon.pkg.Thing])
        """
    )
    assert result.value == ["compatshim virtual module", True]


def test_virtual_module_star_import_and_missing_targets(project: Project) -> None:
    """A star import binds every moved name; a moved name whose target is missing is just
    missing (no warning for it)."""
    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "gone.helpers:helper" = "canon.pkg:helper"
        "gone.helpers:lost" = "canon.pkg:no_such_name"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        import gone.helpers
        with _probe.record() as w:
            has_lost = hasattr(gone.helpers, "lost")
        namespace = {}
        exec("from gone.helpers import helper", namespace)
        _probe.emit([has_lost, w.simple(), gone.helpers.__all__, "helper" in namespace])
        """
    )
    assert result.value == [False, [], ["helper", "lost"], True]


def test_namespace_package_on_a_legacy_path_gets_its_hook(project: Project) -> None:
    """A real namespace package (no __init__.py) that lost a name still serves it."""
    project.write(CANON).write({"nspkg/real.py": "X = 1\n"}).config(
        """
        [tool.compatshim.aliases]
        "nspkg:Moved" = "canon.pkg:Thing"
        "nspkg.old_sub" = "canon.pkg.sub"
        """
    )
    result = project.run(
        """
        import warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import nspkg, nspkg.real, canon.pkg, canon.pkg.sub
        _probe.emit([nspkg.Moved is canon.pkg.Thing, nspkg.old_sub.f is canon.pkg.sub.f,
                     nspkg.real.X, nspkg.__file__, type(nspkg.__loader__).__name__])
        """
    )
    moved, sub, real, file, loader = result.value
    assert [moved, sub, real, file] == [True, True, 1, None]
    assert loader.endswith("NamespaceLoader")


def test_hook_on_a_real_package_imports_only_legacy_children(project: Project) -> None:
    """getattr() on a real package never imports its real submodules, and a legacy child that
    cannot be imported is simply a missing attribute."""
    project.write(CANON).write(
        {
            "pkg/__init__.py": "",
            "pkg/a/__init__.py": "print('pkg.a ran')\nimport missing_optional_dependency\n",
            "pkg/a/b.py": "",
        }
    ).config(
        """
        [tool.compatshim.aliases]
        "pkg.a.b" = "canon.pkg.sub"
        "pkg.opt" = "nowhere.optional"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        import pkg
        _probe.emit([getattr(pkg, "a", None), getattr(pkg, "opt", None), hasattr(pkg, "opt")])
        """
    )
    assert result.value == [None, None, False]
    assert "pkg.a ran" not in result.stdout


def test_direct_strategy_cannot_hide_moved_names(project: Project) -> None:
    """A moved name on a module served by strategy = "direct" is a configuration error."""
    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "old" = { target = "canon", strategy = "direct" }
        "old.pkg:Old" = "canon.pkg:Thing"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        try:
            compatshim.install()
        except compatshim.ConfigError as e:
            _probe.emit(e.slug)
        """
    )
    assert result.value == "alias-direct-names"


def test_lazy_loader_fails_clearly_and_leaves_the_canonical_module_alone(
    canon_project: Project,
) -> None:
    """importlib.util.LazyLoader cannot wrap compatshim's loader: a TypeError, nothing broken."""
    result = canon_project.run(
        """
        import importlib.util, sys, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        spec = importlib.util.find_spec("old.pkg.sub")
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        try:
            loader.exec_module(module)
            outcome = "no error"
        except TypeError:
            outcome = "TypeError"
        import canon.pkg.sub
        _probe.emit([outcome, type(canon.pkg.sub).__name__, canon.pkg.sub.__spec__.name,
                     canon.pkg.sub.X])
        """
    )
    assert result.value == ["TypeError", "module", "canon.pkg.sub", 1]
