"""What the process is started with: ``COMPATSHIM_*`` variables and the current folder.

A variable set to a value it does not accept is a ConfigError (``env-bad-value``), like a
mistake in ``pyproject.toml``: never silently read as something else. A current folder that no
longer exists is no reason to break a program: ``install()`` says so once and goes on.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from helpers import Project

from compatshim import ConfigError
from compatshim import cli
from compatshim._base.compat import toml_loads
from compatshim._base.errors import MESSAGES_URL
from compatshim._model import environ as _environ
from compatshim._model import policy as _policy
from compatshim._model.table import RESERVED


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COMPATSHIM_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COMPATSHIM_TELEMETRY", "disabled"),
        ("COMPATSHIM_TELEMETRY", "2"),
        ("COMPATSHIM_DISABLE", "please"),
        ("COMPATSHIM_POLICY", "loud"),
        ("COMPATSHIM_RUN", "maybe"),
    ],
)
def test_an_unknown_value_is_an_error_for_every_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    """``COMPATSHIM_TELEMETRY=disabled`` used to leave telemetry on; now it stops every command."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        _environ.check()
    assert info.value.slug == "env-bad-value"
    assert str(info.value).startswith(f"{name} must be one of ") and f"not {value!r}" in str(
        info.value
    )
    for command in (["report"], ["scan"], ["check"], ["run", "--", "true"]):
        assert cli.main(command) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.endswith(f"(see {MESSAGES_URL}#env-bad-value)") and name in line


@pytest.mark.parametrize("value", ["", "0", "false", "No", " OFF ", "1", "true", "yes", "on"])
def test_the_documented_values_are_accepted(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """Every documented spelling, in any case and with spaces, means what the docs say."""
    for name in ("COMPATSHIM_TELEMETRY", "COMPATSHIM_DISABLE", "COMPATSHIM_RUN"):
        monkeypatch.setenv(name, value)
    _environ.check()
    assert _environ.telemetry_off() == (value.strip().lower() in ("0", "false", "no", "off"))
    assert _environ.disabled() == (value.strip().lower() in ("1", "true", "yes", "on"))


def test_install_raises_for_a_bad_variable_like_for_a_bad_setting(canon_project: Project) -> None:
    """In a program, the same ConfigError as COMPATSHIM_POLICY always gave, before any change."""
    result = canon_project.run(
        """
        import _probe, sys, compatshim
        try:
            compatshim.install()
        except compatshim.ConfigError as e:
            _probe.emit([e.slug, str(e), compatshim.installed() is None])
        """,
        env={"COMPATSHIM_TELEMETRY": "disabled"},
    )
    assert result.value == [
        "env-bad-value",
        "COMPATSHIM_TELEMETRY must be one of 1, true, yes, on, 0, false, no, off, not 'disabled'",
        True,
    ]


def test_disable_wins_over_every_other_variable(canon_project: Project) -> None:
    """The kill switch works even when another variable is wrong: nothing is checked then."""
    result = canon_project.run(
        "import _probe, compatshim\n_probe.emit(repr(compatshim.install()))\n",
        env={"COMPATSHIM_DISABLE": "1", "COMPATSHIM_POLICY": "loud"},
    )
    assert result.value == "<Installation disabled (COMPATSHIM_DISABLE)>"


def test_every_variable_is_documented() -> None:
    """docs/config.md lists every variable compatshim reads, and no other."""
    page = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    section = page.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(COMPATSHIM_[A-Z]+)", section))
    assert documented == {variable.name for variable in _environ.VARIABLES}
    for variable in _environ.VARIABLES:
        assert variable.doc in section, variable.name


# -- the current folder is gone --------------------------------------------------------------

_GONE = """
import os, sys, tempfile, logging
logging.basicConfig(format="%(message)s")
gone = tempfile.mkdtemp()
os.chdir(gone)
os.rmdir(gone)
"""


def test_install_goes_on_when_the_current_folder_is_gone(project: Project) -> None:
    """Before: FileNotFoundError from install() into the host program."""
    result = project.run(
        _GONE
        + "import compatshim\ninst = compatshim.install()\nprint('RESULT', len(inst.aliases))\n"
        + "compatshim.alias('mylib.old', 'json', policy='ignore')\nimport mylib.old\nprint('RESULT', 'went on')\n"
    )
    assert result.stdout.splitlines() == ["RESULT 0", "RESULT went on"]
    (line,) = result.stderr.splitlines()
    assert line.startswith("compatshim: the current folder cannot be found") and line.endswith(
        "the program goes on [cwd-missing]"
    )


def test_an_explicit_configuration_still_works_without_a_current_folder(
    canon_project: Project,
) -> None:
    """``COMPATSHIM_CONFIG`` (absolute, as ``compatshim run`` sets it) needs no current folder."""
    result = canon_project.run(
        _GONE + "import compatshim\nprint('RESULT', len(compatshim.install().aliases))\n",
        env={"COMPATSHIM_CONFIG": str(canon_project.root / "pyproject.toml")},
    )
    assert result.stdout.splitlines() == ["RESULT 1"] and result.stderr == ""


@pytest.mark.parametrize("command", [["check"], ["report"], ["scan"], ["migrate", "--diff"]])
def test_commands_exit_2_when_the_current_folder_is_gone(
    project: Project, command: list[str]
) -> None:
    """Before: tracebacks from check, report and scan."""
    result = project.run(
        _GONE + f"from compatshim.cli import main\nsys.exit(main({command!r}))\n", check=False
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("compatshim: error: the current folder cannot be found")
    assert line.endswith(f"(see {MESSAGES_URL}#cwd-missing)")


# -- what the configuration side exposes for `check` -----------------------------------------


def test_a_category_whose_module_is_missing_is_a_problem_check_can_report() -> None:
    """``check_category`` (configuration) accepts the spelling; ``resolve_category`` imports."""
    assert _policy.check_category("nosuchmodule_xyz:Warn") is None
    with pytest.raises(ModuleNotFoundError, match="nosuchmodule_xyz"):
        _policy.resolve_category("nosuchmodule_xyz:Warn")
    with pytest.raises(TypeError, match="is not a Warning subclass"):
        _policy.resolve_category("os:path")
    assert _policy.resolve_category("FutureWarning") is FutureWarning
    assert _policy.resolve_category("compatshim:CompatshimDeprecationWarning") is not None


# -- packages compatshim runs on -------------------------------------------------------------


def test_every_runtime_dependency_is_reserved() -> None:
    """The refused packages cover compatshim's own dependencies, as pyproject.toml lists them."""
    project = toml_loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[ <>=!;\[]", requirement, maxsplit=1)[0]
        assert name.replace("-", "_").lower() in RESERVED, name
    assert {"compatshim", "pytest", "_pytest", "pluggy", "zipp"} <= RESERVED
    assert sys.modules["compatshim"].__name__ in RESERVED
