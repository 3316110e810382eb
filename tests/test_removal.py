"""The removal schedule: ``removed_in`` against the installed version, and ``remove_after``."""

from __future__ import annotations

import pytest
from helpers import CANON
from helpers import Project


def _dist(project: Project, name: str, version: str, top_level: str) -> None:
    # A minimal installed distribution on sys.path, as pip would leave it.
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    project.write(
        {
            f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            f"{info}/top_level.txt": f"{top_level}\n",
        }
    )


REMOVED = """
    import _probe, compatshim
    compatshim.install()
    try:
        import old.pkg
        outcome = ["imported"]
    except ImportError as e:
        outcome = [type(e).__name__, str(e), isinstance(e, compatshim.LegacyPathError)]
    _probe.emit(outcome)
"""


@pytest.mark.parametrize(
    ("installed", "removed_in", "removed"),
    [("2.9", "3.0", False), ("3.0", "3.0", True), ("3.0rc1", "3.0", False), ("3.1.2", "3.0", True)],
)
def test_removed_in_compares_the_installed_distribution(
    project: Project, installed: str, removed_in: str, removed: bool
) -> None:
    """The distribution that installs the canonical package decides (found by top level)."""
    project.write(CANON)
    _dist(project, "canon-dist", installed, "canon")
    project.config(
        f"""
        [tool.compatshim.aliases]
        "old" = {{ target = "canon", removed_in = "{removed_in}" }}
        """
    )
    result = project.run(REMOVED)
    if removed:
        assert result.value == [
            "LegacyPathRemoved",
            (
                f"old was removed in {removed_in} (version {installed} is installed); "
                "import canon instead"
            ),
            True,
        ]
    else:
        assert result.value == ["imported"]


def test_package_names_the_distribution_explicitly(project: Project) -> None:
    """``package = "dist"`` compares that distribution's version instead."""
    project.write(CANON)
    _dist(project, "canon-dist", "1.0", "canon")
    _dist(project, "umbrella", "5.0", "unrelated")
    project.config(
        """
        [tool.compatshim.aliases]
        "old" = { target = "canon", removed_in = "5.0", package = "umbrella" }
        """
    )
    assert project.run(REMOVED).value[0] == "LegacyPathRemoved"


def test_project_version_stands_in_for_an_uninstalled_application(project: Project) -> None:
    """With no distribution for the canonical package, ``[project] version`` is used."""
    project.write(CANON).config(
        """
        [project]
        name = "app"
        version = "3.0.1"

        [tool.compatshim.aliases]
        "old" = { target = "canon", removed_in = "3.0" }
        """
    )
    assert project.run(REMOVED).value[0] == "LegacyPathRemoved"


def test_unknown_version_never_removes(project: Project) -> None:
    """Without any version to compare, the legacy path keeps working."""
    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "old" = { target = "canon", removed_in = "3.0", policy = "ignore" }
        """
    )
    assert project.run(REMOVED).value == ["imported"]


@pytest.mark.parametrize(("date", "removed"), [("2000-01-01", True), ("2999-12-31", False)])
def test_remove_after_date(project: Project, date: str, removed: bool) -> None:
    """``remove_after`` (a TOML date) removes the path once that day is over."""
    project.write(CANON).config(
        f"""
        [tool.compatshim.aliases]
        "old" = {{ target = "canon", remove_after = {date}, policy = "ignore" }}
        """
    )
    value = project.run(REMOVED).value
    if removed:
        assert value[:2] == [
            "LegacyPathRemoved",
            f"old was removed after {date}; import canon instead",
        ]
    else:
        assert value == ["imported"]


def test_removed_name_alias_raises_on_use(project: Project) -> None:
    """A removed moved name raises at the line that uses it; probes only see it missing."""
    project.write(CANON).config(
        """
        [tool.compatshim.aliases]
        "gone:helper" = { target = "canon.pkg:helper", remove_after = 2000-01-01 }
        """
    )
    result = project.run(
        """
        import inspect, _probe, compatshim
        compatshim.install()
        import gone
        members = dict(inspect.getmembers(gone))
        try:
            from gone import helper
        except compatshim.LegacyPathRemoved as e:
            _probe.emit([str(e), "helper" in members])
        """
    )
    assert result.value == [
        "gone.helper was removed after 2000-01-01; use canon.pkg.helper instead",
        False,
    ]
