"""Every legacy path yields the canonical objects, and the canonical module stays itself.

Each test runs in a fresh interpreter (see ``conftest.Project``).
"""

from __future__ import annotations

import sys

from helpers import Project


def test_every_import_form_yields_the_canonical_objects(canon_project: Project) -> None:
    """Names reached through every import form are the canonical objects themselves."""
    result = canon_project.run(
        """
        import importlib
        import _probe
        import compatshim
        compatshim.install()
        import canon.pkg, canon.pkg.sub, canon.pkg.deep.mod
        import old.pkg.sub
        import old.pkg.sub as m
        from old.pkg.sub import f
        from old.pkg import sub
        from old.pkg.deep.mod import DEEP
        import old.pkg.deep.mod
        F = canon.pkg.sub.f
        try:
            raise canon.pkg.Error("x")
        except old.pkg.Error:
            caught = True
        _probe.emit({
            "import": old.pkg.sub.f is F,
            "import_as": m.f is F,
            "from_name": f is F,
            "from_module": sub.f is F,
            "import_module": importlib.import_module("old.pkg.sub").f is F,
            "dunder_import": __import__("old.pkg.sub", fromlist=["f"]).f is F,
            "deep": old.pkg.deep.mod.DEEP is canon.pkg.deep.mod.DEEP and DEEP == "deep",
            "class": old.pkg.Thing is canon.pkg.Thing,
            "isinstance": isinstance(canon.pkg.Thing(), old.pkg.Thing),
            "except": caught,
            "legacy_module_type": isinstance(m, compatshim.LegacyModule),
            "forwards_to": compatshim._runtime.proxy.canonical_of(m) is canon.pkg.sub,
            "sys_modules": sys.modules["old.pkg.sub"] is m if (sys := __import__("sys")) else 0,
        })
        """
    )
    assert result.value == {
        "import": True,
        "import_as": True,
        "from_name": True,
        "from_module": True,
        "import_module": True,
        "dunder_import": True,
        "deep": True,
        "class": True,
        "isinstance": True,
        "except": True,
        "legacy_module_type": True,
        "forwards_to": True,
        "sys_modules": True,
    }


def test_legacy_child_of_a_real_package_is_an_attribute_without_import(project: Project) -> None:
    """``import pkg; pkg.old_sub.Name`` works as when ``pkg`` used to import ``old_sub`` itself."""
    from helpers import CANON

    project.write(CANON).write({"app/__init__.py": "APP = 1\n"}).config(
        """
        [tool.compatshim.aliases]
        "app.old_sub" = "canon.pkg.sub"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        import app, canon.pkg.sub

        def use():
            return app.old_sub.f

        with _probe.record() as w:
            value = use()
        import sys
        _probe.emit({"same": value is canon.pkg.sub.f, "warnings": w.simple(),
                     "served": app.old_sub is sys.modules["app.old_sub"],
                     "in_namespace": "old_sub" in vars(app)})
        """
    )
    assert result.value["same"] is True
    # Served by the package's hook, never bound in its namespace (where reads would go unseen).
    assert result.value["served"] is True
    assert result.value["in_namespace"] is False
    assert [(w["file"], w["line"]) for w in result.value["warnings"]] == [("main.py", 6)]
    assert "app.old_sub is deprecated" in result.value["warnings"][0]["message"]


def test_canonical_module_runs_once_and_keeps_its_identity(canon_project: Project) -> None:
    """Whichever path is imported first, the canonical module runs once and keeps its spec."""
    for first, second in (("old.pkg.sub", "canon.pkg.sub"), ("canon.pkg.sub", "old.pkg.sub")):
        result = canon_project.run(
            f"""
            import builtins, importlib, sys, _probe, compatshim
            compatshim.install()
            importlib.import_module({first!r})
            importlib.import_module({second!r})
            canon = sys.modules["canon.pkg.sub"]
            pkg = sys.modules["canon.pkg"]
            _probe.emit({{
                "executed": builtins.EXECUTED,
                "name": canon.__name__,
                "spec": canon.__spec__.name,
                "loader": type(canon.__loader__).__name__,
                "file": canon.__file__.endswith("canon/pkg/sub.py"),
                "path": hasattr(canon, "__path__"),
                "pkg_spec": pkg.__spec__.name,
                "pkg_path": [p.endswith("canon/pkg") for p in pkg.__path__],
                "thing_module": pkg.Thing.__module__,
            }})
            """
        )
        assert result.value == {
            "executed": ["canon", "canon.pkg", "canon.pkg.sub"],
            "name": "canon.pkg.sub",
            "spec": "canon.pkg.sub",
            "loader": "SourceFileLoader",
            "file": True,
            "path": False,
            "pkg_spec": "canon.pkg",
            "pkg_path": [True],
            "thing_module": "canon.pkg",
        }, (first, second)


def test_annotations_through_the_legacy_path_are_the_canonical_modules(project: Project) -> None:
    """A module's annotations read through the legacy path are the canonical module's: every
    attribute the module type computes (``__annotations__`` from 3.10; from 3.14 also
    ``__annotate__``, which the legacy module answers itself, from the canonical module's
    ``__dict__``), ``inspect.get_annotations`` and, from 3.14, ``annotationlib`` in each format."""
    project.config().write({"canon.py": "x: int = 1\ny: 'Later'\n\nclass Later:\n    pass\n"})
    result = project.run(
        """
        import sys, types, warnings, _probe, compatshim
        warnings.simplefilter("ignore")
        compatshim.install()
        import canon, old
        computed = sorted(
            name for name, value in vars(types.ModuleType).items()
            if isinstance(value, types.GetSetDescriptorType)
        )
        same = {name: getattr(old, name) is getattr(canon, name) for name in computed}
        if sys.version_info >= (3, 10):
            import inspect
            for evaluated in (False, True):
                same[f"inspect {evaluated}"] = (
                    inspect.get_annotations(old, eval_str=evaluated)
                    == inspect.get_annotations(canon, eval_str=evaluated)
                )
        if sys.version_info >= (3, 14):
            import annotationlib
            for form in ("VALUE", "FORWARDREF", "STRING"):
                format = annotationlib.Format[form]
                same[form] = (
                    annotationlib.get_annotations(old, format=format)
                    == annotationlib.get_annotations(canon, format=format)
                )
        _probe.emit([computed, old.__annotations__ == {"x": int, "y": "Later"}, same])
        """
    )
    computed, annotations, same = result.value
    expected = ["__annotations__"] if sys.version_info >= (3, 10) else []
    expected += ["__annotate__"] if sys.version_info >= (3, 14) else []
    assert sorted(computed) == sorted(expected)
    assert annotations
    assert same == dict.fromkeys(same, True)
    assert len(same) == len(expected) + 2 * (sys.version_info >= (3, 10)) + 3 * (
        sys.version_info >= (3, 14)
    )


def test_importlib_resources_on_canonical_and_legacy_packages(canon_project: Project) -> None:
    """Package data is readable through the canonical and the legacy package."""
    canon_project.write({"canon/pkg/data.txt": "payload"})
    result = canon_project.run(
        """
        import importlib.resources, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        canonical = importlib.resources.files("canon.pkg").joinpath("data.txt").read_text()
        legacy = importlib.resources.files("old.pkg").joinpath("data.txt").read_text()
        _probe.emit([canonical, legacy])
        """
    )
    assert result.value == ["payload", "payload"]


def test_a_legacy_module_is_a_package_exactly_when_its_canonical_module_is(
    canon_project: Project,
) -> None:
    """A legacy module imported before its canonical module's parent is a package until the
    canonical module is found: once bound, its ``__path__``, ``__package__`` and spec say what
    the canonical module is (``__package__`` is the parent's name for a plain module)."""
    canon_project.config('[tool.compatshim.aliases]\n"old" = "canon"\n"flat" = "canon.pkg.sub"\n')
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import flat, old.pkg.sub
        _probe.emit([
            [m.__package__, m.__spec__.parent, m.__spec__.submodule_search_locations is None,
             hasattr(m, "__path__")]
            for m in (flat, old.pkg.sub, old.pkg)
        ])
        """
    )
    assert result.value == [
        ["", "", True, False],
        ["old.pkg", "old.pkg", True, False],
        ["old.pkg", "old.pkg", False, True],
    ]


def test_canonical_imports_are_silent_and_never_see_alias_modules(canon_project: Project) -> None:
    """Importing legacy paths never binds an alias module onto a canonical package."""
    result = canon_project.run(
        """
        import _probe, compatshim
        compatshim.install()
        with _probe.record() as w:
            import canon.pkg.sub
        import old.pkg.sub, old.pkg.deep.mod
        import canon.pkg, canon.pkg.deep
        leaked = [
            (mod.__name__, key)
            for mod in (canon, canon.pkg, canon.pkg.deep)
            for key, value in vars(mod).items()
            if isinstance(value, compatshim.LegacyModule)
        ]
        _probe.emit({"warnings": w.simple(), "leaked": leaked,
                     "sub": canon.pkg.__dict__["sub"].__name__,
                     "deep": canon.pkg.__dict__["deep"].__name__,
                     "old_sub_bound_on_legacy": type(vars(old.pkg).get("sub")).__name__})
        """
    )
    assert result.value == {
        "warnings": [],
        "leaked": [],
        "sub": "canon.pkg.sub",
        "deep": "canon.pkg.deep",
        # vars() of a legacy module is the canonical namespace: the child stays legacy-side only.
        "old_sub_bound_on_legacy": "module",
    }


def test_setting_and_deleting_through_the_legacy_path_acts_on_the_canonical_module(
    canon_project: Project,
) -> None:
    """``mock.patch("old.mod.Name")`` patches what canonical users see, and restores it."""
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        from unittest import mock
        compatshim.install()
        warnings.simplefilter("ignore")
        import canon.pkg.sub
        original = canon.pkg.sub.f
        with mock.patch("old.pkg.sub.f", return_value="mocked"):
            inside = canon.pkg.sub.f()
        after = canon.pkg.sub.f is original
        import old.pkg.sub
        old.pkg.sub.NEW = 5
        created = canon.pkg.sub.NEW
        del old.pkg.sub.NEW
        gone = not hasattr(canon.pkg.sub, "NEW")
        with mock.patch.object(old.pkg.sub, "X", 99):
            patched_object = canon.pkg.sub.X
        _probe.emit([inside, after, created, gone, patched_object, canon.pkg.sub.X])
        """
    )
    assert result.value == ["mocked", True, 5, True, 99, 1]


def test_mock_patch_of_a_moved_name_patches_the_canonical_module_level_name(
    canon_project: Project,
) -> None:
    """Patching ``old.mod.OldName`` sets and restores ``new.mod.NewName`` (found by migrate's
    corpus: the canonical holder of a module-level name was resolved as attribute '')."""
    canon_project.config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "old.pkg.sub:OldF" = "canon.pkg.sub:f"
        "plain:Thing" = "canon.pkg:Thing"
        """
    )
    canon_project.write({"plain.py": "OTHER = 1\n"})
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        from unittest import mock
        compatshim.install()
        warnings.simplefilter("ignore")
        import canon.pkg, canon.pkg.sub, old.pkg.sub, plain
        original_f, original_thing = canon.pkg.sub.f, canon.pkg.Thing
        with mock.patch("old.pkg.sub.OldF", "patched f"):
            inside_f = [canon.pkg.sub.f, old.pkg.sub.OldF]
        with mock.patch("plain.Thing", "patched thing"):
            inside_thing = plain.Thing
        _probe.emit([
            inside_f, inside_thing,
            canon.pkg.sub.f is original_f, old.pkg.sub.OldF is original_f,
            canon.pkg.Thing is original_thing, plain.Thing is original_thing,
        ])
        """
    )
    assert result.value == [["patched f", "patched f"], "patched thing", True, True, True, True]


def test_a_moved_name_read_again_at_one_line_follows_the_canonical_module(
    canon_project: Project,
) -> None:
    """The fast path for a site seen before still reads the canonical module every time, and
    still counts every read."""
    canon_project.config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "old.pkg.sub:OldF" = "canon.pkg.sub:f"
        """
    )
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        from compatshim._telemetry import recorder as _telemetry
        compatshim.install()
        warnings.simplefilter("ignore")
        import canon.pkg.sub, old.pkg.sub
        def read():
            return old.pkg.sub.OldF
        seen = [read() is canon.pkg.sub.f]
        canon.pkg.sub.f = "replaced"
        seen.append(read())
        del canon.pkg.sub.f
        try:
            read()
        except AttributeError as exc:
            seen.append(str(exc))
        hits = sum(h for legacy, _, _, h in _telemetry.recorder.summary() if legacy.endswith("OldF"))
        _probe.emit([seen, hits])
        """
    )
    seen, hits = result.value
    assert seen == [
        True,
        "replaced",
        "old.pkg.sub.OldF is an alias of canon.pkg.sub.f, which does not exist",
    ]
    assert hits == 2


def test_mock_patch_of_a_never_imported_legacy_path(canon_project: Project) -> None:
    """``mock.patch`` resolves a legacy path that nothing imported before (3.10 and 3.11+)."""
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        from unittest import mock
        compatshim.install()
        warnings.simplefilter("ignore")
        with mock.patch("old.pkg.deep.mod.DEEP", "patched"):
            import canon.pkg.deep.mod
            inside = canon.pkg.deep.mod.DEEP
        _probe.emit([inside, canon.pkg.deep.mod.DEEP])
        """
    )
    assert result.value == ["patched", "deep"]


def test_legacy_pickles_load_and_repickle_canonically(canon_project: Project) -> None:
    """Payloads naming a legacy class load; dumping them again writes the canonical path."""
    result = canon_project.run(
        """
        import pickle, sys, types, warnings, _probe, compatshim
        import canon.pkg

        # Write the payloads the way an older release did, when the class lived at old.pkg.
        class Thing:
            def __init__(self, value=0):
                self.value = value

        Thing.__module__ = "old.pkg"
        sys.modules["old"] = types.ModuleType("old")
        sys.modules["old.pkg"] = types.ModuleType("old.pkg")
        sys.modules["old.pkg"].Thing = Thing
        v2, v4 = pickle.dumps(Thing(5), protocol=2), pickle.dumps(Thing(6), protocol=4)
        del sys.modules["old"], sys.modules["old.pkg"]
        assert b"old.pkg" in v2 and b"old.pkg" in v4 and b"canon" not in v2 + v4
        compatshim.install()
        warnings.simplefilter("ignore")
        a, b = pickle.loads(v2), pickle.loads(v4)
        again = pickle.dumps(a, protocol=4) + pickle.dumps(b, protocol=2)
        cls = pickle.loads(pickle.dumps(__import__("old.pkg", fromlist=["Thing"]).Thing))
        _probe.emit({
            "types": [type(a) is canon.pkg.Thing, type(b) is canon.pkg.Thing],
            "values": [a.value, b.value],
            "canonical": b"canon.pkg" in again and b"old.pkg" not in again,
            "class": cls is canon.pkg.Thing,
        })
        """
    )
    assert result.value == {
        "types": [True, True],
        "values": [5, 6],
        "canonical": True,
        "class": True,
    }


def test_unknown_names_under_an_alias_fail_naming_what_was_looked_for(
    canon_project: Project,
) -> None:
    """Missing submodules and attributes raise the usual errors, naming the legacy path."""
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        out = {}
        try:
            import old.pkg.nope
        except ModuleNotFoundError as e:
            out["module"] = [type(e).__name__, e.name, str(e)]
        try:
            from old.pkg import nope
        except ImportError as e:
            out["from"] = [type(e).__name__, str(e)]
        import old.pkg.sub
        try:
            old.pkg.sub.missing
        except AttributeError as e:
            out["attr"] = str(e)
        try:
            import old.pkg.sub.deeper
        except ModuleNotFoundError as e:
            out["not_a_package"] = str(e)
        _probe.emit(out)
        """
    )
    value = result.value
    assert value["module"][0] == "ModuleNotFoundError"
    assert value["module"][1] == "old.pkg.nope"
    assert "old.pkg.nope" in value["module"][2]
    assert value["from"][0] == "ImportError" and "nope" in value["from"][1]
    assert "'missing'" in value["attr"] and "old.pkg.sub" in value["attr"]
    assert "old.pkg.sub.deeper" in value["not_a_package"]


def test_declared_alias_to_a_missing_module_names_the_canonical_path(project: Project) -> None:
    """Importing an alias whose target does not exist says which target is missing."""
    project.write({"canon/__init__.py": ""}).config(
        """
        [tool.compatshim.aliases]
        "gone.pkg" = "nowhere.pkg"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        try:
            import gone.pkg
        except ModuleNotFoundError as e:
            _probe.emit([e.name, str(e)])
        """
    )
    name, message = result.value
    assert name == "gone.pkg"
    assert "nowhere.pkg" in message


def test_legacy_package_on_disk_keeps_its_real_submodules(project: Project) -> None:
    """Only mapped names are aliased; a mapped name is never loaded from disk as well."""
    from helpers import CANON

    project.write(CANON).write(
        {
            "legacy/__init__.py": "REAL = True\n",
            "legacy/keep.py": "KEPT = 'from disk'\n",
            # Still on disk, but aliased: it must never run.
            "legacy/mod.py": "raise RuntimeError('legacy/mod.py must not run')\n",
        }
    ).config(
        """
        [tool.compatshim.aliases]
        "legacy.mod" = "canon.pkg.sub"
        """
    )
    result = project.run(
        """
        import warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import legacy.keep, legacy.mod, canon.pkg.sub
        _probe.emit({
            "real_pkg": legacy.REAL,
            "kept": legacy.keep.KEPT,
            "aliased": legacy.mod.f is canon.pkg.sub.f,
            "meta_path_first": type(__import__("sys").meta_path[0]).__name__,
        })
        """
    )
    assert result.value == {
        "real_pkg": True,
        "kept": "from disk",
        "aliased": True,
        "meta_path_first": "AliasFinder",
    }


def test_longest_prefix_wins_and_chains_resolve(project: Project) -> None:
    """``old.pkg.special`` overrides ``old.pkg``; ``a -> b -> c`` lands on ``c``."""
    from helpers import CANON

    project.write(CANON).write({"other/__init__.py": "", "other/special.py": "S = 's'\n"}).config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "old.pkg.special" = "other.special"
        "first" = "second"
        "second" = "canon.pkg"
        """
    )
    result = project.run(
        """
        import warnings, _probe, compatshim, sys
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.special, first.sub, other.special, canon.pkg.sub
        _probe.emit({
            "special": old.pkg.special.S is other.special.S,
            "chain": first.sub.f is canon.pkg.sub.f,
            "chain_target": compatshim._runtime.proxy.canonical_of(sys.modules["first"]).__name__,
            "second_loaded": "second" in sys.modules,
        })
        """
    )
    assert result.value == {
        "special": True,
        "chain": True,
        "chain_target": "canon.pkg",
        "second_loaded": False,
    }


def test_legacy_path_after_its_canonical_module_failed_to_import(project: Project) -> None:
    """If the canonical module fails after importing its own legacy path, the legacy path fails
    again too, instead of serving the half-run module (one statement late before 3.13)."""
    project.write(
        {
            "canon/__init__.py": "",
            "canon/e.py": "import old.e\nraise RuntimeError('boom')\nE = 5\n",
        }
    ).config()
    result = project.run(
        """
        import sys, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        outcomes = []
        for statement in ("import canon.e", "import old.e", "import old.e"):
            try:
                exec(statement)
                outcomes.append("imported")
            except RuntimeError as e:
                outcomes.append(str(e))
        _probe.emit(outcomes)
        """
    )
    if sys.version_info >= (3, 13):
        assert result.value == ["boom", "boom", "boom"]
    else:
        # The interpreter swallows errors raised while it serves a module from sys.modules.
        assert result.value == ["boom", "imported", "boom"]


def test_mock_patch_of_a_legacy_child_module(canon_project: Project) -> None:
    """Patching a submodule through its legacy package shows the patch on both paths."""
    result = canon_project.run(
        """
        import warnings, _probe, compatshim
        from unittest import mock
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.sub, canon.pkg
        with mock.patch("old.pkg.sub", "patched"):
            inside = [old.pkg.sub, canon.pkg.sub]
        after = [type(old.pkg.sub).__name__, canon.pkg.sub.__name__]
        _probe.emit([inside, after])
        """
    )
    assert result.value == [["patched", "patched"], ["LegacyModule", "canon.pkg.sub"]]


def test_circular_import_through_a_legacy_path_says_so(project: Project) -> None:
    """A name missing because the canonical module is still running hints at the cycle."""
    project.write(
        {
            "canon/__init__.py": "from canon import helper\nVALUE = 1\n",
            "canon/helper.py": "import old\ntry:\n    old.VALUE\nexcept AttributeError as e:\n"
            "    MESSAGE = str(e)\n",
        }
    ).config()
    result = project.run(
        """
        import warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import canon.helper
        _probe.emit(canon.helper.MESSAGE)
        """
    )
    assert "most likely due to a circular import" in result.value
