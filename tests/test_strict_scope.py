"""strict_scope: the error policy raises for the project's own code, and warns for a dependency's.

The classification of files is tested in process (it is pure); what a use does is tested in
fresh interpreters, with a third-party module in a ``site-packages`` folder outside the project.
"""

from __future__ import annotations

import os
import string
import textwrap
from pathlib import Path

import pytest
from helpers import CANON
from helpers import Project
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim._runtime.scope import Layout
from compatshim._runtime.scope import classify


ROOT = "/work/proj"
ENV = "/opt/env"
LAYOUT = Layout(
    installed=[
        f"{ENV}/lib/python3.11/site-packages",
        "/home/u/.local/lib/python3.11/site-packages",
    ],
    stdlib=["/usr/lib/python3.11"],
    prefixes=[ENV, "/usr", f"{ROOT}/.venv"],
)

_parts = st.lists(
    st.text(string.ascii_lowercase + string.digits + "_-.", min_size=1, max_size=8).filter(
        lambda p: p not in (".", "..", "site-packages", "dist-packages", ".venv")
    ),
    min_size=1,
    max_size=5,
)


def _join(*parts: str) -> str:
    return "/".join(parts)


@settings(deadline=None)  # pure, but the machine is shared: no timing
@given(_parts)
def test_files_under_the_project_root_are_the_project(parts: list[str]) -> None:
    assert classify(_join(ROOT, *parts), ROOT, LAYOUT) == "project"
    # co_filename relative to the project (a script run by a relative path)
    assert classify(_join(*parts), ROOT, LAYOUT) == "project"


@settings(deadline=None)  # pure, but the machine is shared: no timing
@given(_parts)
def test_installed_packages_are_site_packages_wherever_they_are(parts: list[str]) -> None:
    assert classify(_join(ENV, "lib/python3.11/site-packages", *parts), ROOT, LAYOUT) == (
        "site-packages"
    )
    # a virtual environment inside the project, and any folder of that name
    assert classify(_join(ROOT, ".venv/lib/python3.11/site-packages", *parts), ROOT, LAYOUT) == (
        "site-packages"
    )
    assert classify(_join("/srv/x/dist-packages", *parts), ROOT, LAYOUT) == "site-packages"
    assert classify(_join("/usr/lib/python3.11/site-packages", *parts), ROOT, LAYOUT) == (
        "site-packages"
    )


@settings(deadline=None)  # pure, but the machine is shared: no timing
@given(_parts)
def test_the_standard_library_and_the_environment_are_not_the_project(parts: list[str]) -> None:
    assert classify(_join("/usr/lib/python3.11", *parts), ROOT, LAYOUT) == "stdlib"
    # the virtual environment's scripts (.venv/bin/pytest) are not the project's code
    assert classify(_join(ROOT, ".venv", *parts), ROOT, LAYOUT) == "outside"


@settings(deadline=None)  # pure, but the machine is shared: no timing
@given(_parts)
def test_files_elsewhere_are_outside(parts: list[str]) -> None:
    assert classify(_join("/elsewhere", *parts), ROOT, LAYOUT) == "outside"
    # matching is by whole folder names: /work/proj2 is not under /work/proj
    assert classify(_join(ROOT + "2", *parts), ROOT, LAYOUT) == "outside"


@settings(deadline=None)  # pure, but the machine is shared: no timing
@given(st.text(min_size=0, max_size=20).filter(lambda t: ">" not in t))
def test_pseudo_files_are_frozen_or_have_no_file(name: str) -> None:
    assert classify(f"<frozen {name}>", ROOT, LAYOUT) == "frozen"
    if not name.startswith("frozen "):
        assert classify(f"<{name}>", ROOT, LAYOUT) == "no-file"


def test_the_real_layout_places_the_standard_library_and_this_test() -> None:
    from compatshim._runtime.scope import layout

    here = layout()
    assert classify(os.__file__, str(Path(__file__).parent), here) == "stdlib"
    assert classify(pytest.__file__, str(Path(__file__).parent), here) == "site-packages"
    assert classify(__file__, str(Path(__file__).parent.parent), here) == "project"


# A third-party package, installed: it still imports a legacy path.
THIRDPARTY = """
import old.pkg

VALUE = old.pkg.CONSTANT
"""


def _installed_dependency(tmp_path: Path) -> Path:
    site = tmp_path / "env" / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "thirdparty_pkg.py").write_text(THIRDPARTY.lstrip(), encoding="utf-8")
    return site


def _config(scope: str | None) -> str:
    line = f'strict_scope = "{scope}"\n' if scope else ""
    return (
        f'[tool.compatshim]\npolicy = "error"\n{line}\n[tool.compatshim.aliases]\n"old" = "canon"\n'
    )


USE_BOTH = """
import warnings
import compatshim, _probe
compatshim.install()
seen = {}
with _probe.record() as caught:
    try:
        import thirdparty_pkg
        seen["dependency"] = thirdparty_pkg.VALUE
    except ImportError as exc:
        seen["dependency"] = type(exc).__name__
    try:
        import old.pkg
        seen["project"] = old.pkg.CONSTANT
    except ImportError as exc:
        seen["project"] = type(exc).__name__
from compatshim._telemetry.report import process_hits
seen["warned"] = sorted({w["file"] for w in caught.simple()})
seen["sites"] = sorted({row[2].rsplit("/", 1)[-1].split(":")[0] for row in process_hits()})
_probe.emit(seen)
"""


@pytest.mark.parametrize("scope", [None, "project"])
def test_the_error_policy_raises_for_the_project_and_warns_for_a_dependency(
    tmp_path: Path, scope: str | None
) -> None:
    project = Project(tmp_path / "app").write(CANON).config(_config(scope))
    site = _installed_dependency(tmp_path)
    result = project.run(USE_BOTH, env={"PYTHONPATH": f"{project.root}{os.pathsep}{site}"})
    assert result.value == {
        "dependency": 42,
        "project": "LegacyPathError",
        "warned": ["thirdparty_pkg.py"],
        "sites": ["thirdparty_pkg.py"],
    }


def test_strict_scope_all_raises_for_a_dependency_too(tmp_path: Path) -> None:
    project = Project(tmp_path / "app").write(CANON).config(_config("all"))
    site = _installed_dependency(tmp_path)
    result = project.run(USE_BOTH, env={"PYTHONPATH": f"{project.root}{os.pathsep}{site}"})
    assert result.value["dependency"] == "LegacyPathError"
    assert result.value["project"] == "LegacyPathError"


def test_the_environment_variable_policy_is_scoped_too(tmp_path: Path) -> None:
    project = Project(tmp_path / "app").write(CANON).config()
    site = _installed_dependency(tmp_path)
    env = {"PYTHONPATH": f"{project.root}{os.pathsep}{site}", "COMPATSHIM_POLICY": "error"}
    result = project.run(USE_BOTH, env=env)
    assert result.value["dependency"] == 42
    assert result.value["project"] == "LegacyPathError"


@pytest.mark.parametrize(("policy", "warned"), [("ignore", []), ("warn", ["thirdparty_pkg.py"])])
def test_under_the_environment_variable_a_dependency_keeps_the_aliass_own_policy(
    tmp_path: Path, policy: str, warned: list[str]
) -> None:
    """COMPATSHIM_POLICY=error makes the project's uses raise, and leaves a dependency's as the
    configuration has them: counted, and warned only where the alias warns. (A project whose
    pytest configuration has filterwarnings = error, policy = "ignore", and a dependency still
    on the old path, python-dateutil's suite with freezegun, failed to collect under the
    variable: the dependency's use warned, which the variable had promised it would not fail.)"""
    config = (
        f'[tool.compatshim]\npolicy = "{policy}"\n\n[tool.compatshim.aliases]\n"old" = "canon"\n'
    )
    project = Project(tmp_path / "app").write(CANON).config(config)
    site = _installed_dependency(tmp_path)
    env = {"PYTHONPATH": f"{project.root}{os.pathsep}{site}", "COMPATSHIM_POLICY": "error"}
    result = project.run(USE_BOTH, env=env)
    assert result.value == {
        "dependency": 42,
        "project": "LegacyPathError",
        "warned": warned,
        "sites": ["thirdparty_pkg.py"],
    }


def test_a_bad_scope_is_a_configuration_error(tmp_path: Path) -> None:
    import compatshim

    (tmp_path / "pyproject.toml").write_text(
        '[tool.compatshim]\nstrict_scope = "mine"\n', encoding="utf-8"
    )
    with pytest.raises(compatshim.ConfigError) as info:
        compatshim.load_config(tmp_path / "pyproject.toml")
    assert info.value.slug == "config-bad-value"
    assert "strict_scope must be one of project, all, not 'mine'" in str(info.value)


SUITE_TEST = """
import thirdparty_pkg

def test_own_code_is_clean():
    import canon.pkg
    assert canon.pkg.CONSTANT == thirdparty_pkg.VALUE
"""


@pytest.mark.parametrize(("scope", "outcome"), [(None, "passed"), ("all", "errors")])
def test_pytest_strict_fails_only_for_the_suites_own_code(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch, scope: str | None, outcome: str,
) -> None:  # fmt: skip
    """--compatshim-strict: a clean suite whose dependency imports a legacy path passes under
    strict_scope "project" (the default) and fails under "all"."""
    for name, text in CANON.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    line = f'strict_scope = "{scope}"\n' if scope else ""
    pytester.makefile(
        ".toml", pyproject=f'[tool.compatshim]\n{line}[tool.compatshim.aliases]\n"old" = "canon"\n'
    )
    pytester.makepyfile(test_suite=SUITE_TEST)
    site = _installed_dependency(tmp_path_factory.mktemp("dependency"))
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--compatshim-strict")
    if outcome == "passed":
        result.assert_outcomes(passed=1)
        # still counted: the summary names the dependency's line
        result.stdout.fnmatch_lines(
            ["*compatshim: legacy import paths used*", "*thirdparty_pkg.py:1*"]
        )
    else:
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            ["*LegacyPathError: old.pkg is no longer allowed*thirdparty_pkg.py:1)*"]
        )


def test_a_probe_that_loads_a_legacy_module_stays_strict(tmp_path: Path) -> None:
    """find_spec("old.pkg") loads old from the standard library's frame, on the project's
    behalf: under the error policy it raises, as it did before strict_scope."""
    project = Project(tmp_path / "app").write(CANON).config(_config(None))
    result = project.run(
        """
        import importlib.util, compatshim, _probe
        compatshim.install()
        try:
            importlib.util.find_spec("old.pkg")
            outcome = "loaded"
        except ImportError as exc:
            outcome = type(exc).__name__
        _probe.emit(outcome)
        """
    )
    assert result.value == "LegacyPathError"
