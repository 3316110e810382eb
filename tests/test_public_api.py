"""The public surface: cheap to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import Project


def test_import_is_cheap_and_pulls_in_nothing_heavy(project: Project) -> None:
    """``import compatshim`` (and install without a config) loads no sqlite3, argparse, pytest,
    libcst, typing or logging."""
    result = project.run(
        """
        import sys, _probe
        before = set(sys.modules)
        import compatshim
        compatshim.install()
        heavy = ["sqlite3", "argparse", "pytest", "libcst", "typing", "logging", "dataclasses",
                 "inspect", "pathlib", "json", "tomllib", "tomli"]
        _probe.emit(sorted(m for m in heavy if m in sys.modules and m not in before))
        """
    )
    assert result.value == []


def test_import_loads_the_facade_alone(project: Project) -> None:
    """``import compatshim`` loads no module but the facade and the version (which flit reads
    from the facade's namespace): not one more of compatshim's own (each costs a finder lookup,
    a stat, an unmarshal) nor of the standard library. Its names load their modules when first
    read (``__getattr__``)."""
    result = project.run(
        """
        import sys
        before = set(sys.modules)
        import compatshim
        loaded = sorted(set(sys.modules) - before)
        from _probe import emit
        emit(loaded)
        """
    )
    assert result.value == ["compatshim", "compatshim._base", "compatshim._base.version"]


def test_every_public_name_loads_when_first_read(project: Project) -> None:
    """Each name of ``__all__`` is there for an attribute read, ``from compatshim import`` and
    ``dir()``, and is the object its module defines; an unknown name is an AttributeError."""
    result = project.run(
        """
        import sys
        import compatshim
        from compatshim import install, flush, LegacyModule
        found = {}
        for name in compatshim.__all__:
            found[name] = getattr(compatshim, name) is not None
        try:
            compatshim.no_such_name
        except AttributeError as exc:
            missing = str(exc)
        from _probe import emit
        emit({
            "found": sorted(n for n, ok in found.items() if ok),
            "dir": dir(compatshim) == sorted(compatshim.__all__),
            "same": install is compatshim.install
            and install is sys.modules["compatshim._runtime.install"].install
            and flush is sys.modules["compatshim._telemetry.recorder"].flush
            and LegacyModule is sys.modules["compatshim._runtime.proxy"].LegacyModule,
            "missing": missing,
        })
        """
    )
    import compatshim

    assert result.value == {
        "found": sorted(compatshim.__all__),
        "dir": True,
        "same": True,
        "missing": "module 'compatshim' has no attribute 'no_such_name'",
    }


#: The modules of compatshim that ``install()`` loads, with a cached configuration and telemetry
#: on (the default): the runtime, the configuration's reader, the recorder and its flusher.
#: Loading one more costs every program that installs compatshim; a module needed only on a
#: rare path is imported there.
INSTALLED = [
    "compatshim",
    "compatshim._base", "compatshim._base.cells", "compatshim._base.compat",
    "compatshim._base.diagnostics", "compatshim._base.errors", "compatshim._base.locks",
    "compatshim._base.paths", "compatshim._base.resets", "compatshim._base.safeio",
    "compatshim._base.version",
    "compatshim._model", "compatshim._model.alias", "compatshim._model.cache",
    "compatshim._model.config", "compatshim._model.environ", "compatshim._model.options",
    "compatshim._model.policy", "compatshim._model.state", "compatshim._model.table",
    "compatshim._model.validate",
    "compatshim._runtime", "compatshim._runtime.finder", "compatshim._runtime.frames",
    "compatshim._runtime.hooks", "compatshim._runtime.install", "compatshim._runtime.proxy",
    "compatshim._runtime.scope", "compatshim._runtime.spec", "compatshim._runtime.state",
    "compatshim._runtime.uses",
    "compatshim._telemetry", "compatshim._telemetry.flushing", "compatshim._telemetry.recorder",
]  # fmt: skip


def test_install_loads_the_runtime_and_no_more(project: Project) -> None:
    """``import compatshim; compatshim.install()`` with a few aliases, the configuration cached:
    exactly the modules of :data:`INSTALLED`, and none of the standard library's modules that
    cost more than they serve here (importlib and operator: the import system's own modules
    and ``_operator`` do; nor the heavy ones)."""
    project.write({"canon/__init__.py": "X = 1\n"}).config(
        '[tool.compatshim.aliases]\n"old" = "canon"\n"old2" = "canon"\n"canon:Y" = "canon:X"\n'
    )
    script = """
        import sys
        before = set(sys.modules)
        import compatshim
        compatshim.install()
        loaded = sorted(set(sys.modules) - before)
        from _probe import emit
        emit(loaded)
        """
    project.run(script)  # writes the configuration cache
    loaded = project.run(script).value
    assert [m for m in loaded if m.partition(".")[0] == "compatshim"] == INSTALLED
    unwanted = ["importlib", "importlib.machinery", "importlib.util", "operator", "typing",
                "logging", "threading", "pathlib", "re", "json", "sqlite3", "tomllib", "tomli",
                "hashlib", "socket", "collections", "functools", "enum"]  # fmt: skip
    assert [m for m in unwanted if m in loaded] == []


def test_flit_reads_the_version_when_it_builds() -> None:
    """flit takes the version from the facade's namespace (it imports ``__init__.py`` under a
    name of its own and reads its ``__dict__``): a lazily imported name would not be there."""
    import compatshim

    root = Path(compatshim.__file__).resolve().parent.parent
    code = (
        "import sys, pathlib; from flit_core.common import Module, get_info_from_module; "
        "print(get_info_from_module(Module('compatshim', pathlib.Path(sys.argv[1])))['version'])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == compatshim.__version__
