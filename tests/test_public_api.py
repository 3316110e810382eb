"""The public surface: cheap to import."""

from __future__ import annotations

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
    """``import compatshim`` loads no module but the facade: not one of compatshim's own (each
    costs a finder lookup, a stat, an unmarshal) nor of the standard library. Its names load
    their modules when first read (``__getattr__``)."""
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
    assert result.value == ["compatshim"]


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
