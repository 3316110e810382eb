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
