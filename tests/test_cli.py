"""The command line: exit codes, output formats, and one clear line for user mistakes."""

from __future__ import annotations

import json

import pytest
from helpers import CANON
from helpers import Project

from compatshim import cli


@pytest.fixture
def checked(project: Project) -> Project:
    project.write(CANON).write(
        {
            "app/__init__.py": "",
            # A second, divergent implementation under the aliased name.
            "app/ws.py": "class Manager:\n    pass\n",
        }
    )
    return project


def test_check_passes_when_every_alias_is_identical(checked: Project) -> None:
    """Exit 0 and an ok line per alias when every legacy path yields its target."""
    checked.config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "app.moved:Thing" = "canon.pkg:Thing"
        """
    )
    result = checked.command(["-m", "compatshim", "check"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "  ok    old -> canon\n" in result.stdout
    assert "2 aliases checked: 2 ok, 0 with problems" in result.stdout
    assert result.stderr == ""


def test_check_reports_broken_aliases_as_json(checked: Project) -> None:
    """Exit 1; the JSON names each alias, whether it is ok, and its problems."""
    checked.config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "gone" = "nowhere"
        "app.ws:Manager" = "canon.pkg:Thing"
        """
    )
    result = checked.command(["-m", "compatshim", "check", "--format", "json"])
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["format"] == 3 and report["ok"] is False
    assert report["config"] == str(checked.root / "pyproject.toml")
    by_legacy = {a["legacy"]: a for a in report["aliases"]}
    assert by_legacy["old"] == {
        "legacy": "old",
        "canonical": "canon",
        "ok": True,
        "problems": [],
        "kinds": [],
    }
    assert by_legacy["gone"]["ok"] is False
    # Problems are strings, as in format 1, each led by its kind; "kinds" lists them in order.
    assert by_legacy["gone"]["kinds"] == ["target"]
    (problem,) = by_legacy["gone"]["problems"]
    assert problem.startswith("target: ")
    assert "target nowhere cannot be imported" in problem
    assert by_legacy["app.ws:Manager"]["kinds"] == ["fragmentation"]
    (problem,) = by_legacy["app.ws:Manager"]["problems"]
    assert problem.startswith("fragmentation: app.ws defines its own Manager (app/ws.py:1)")


def test_config_errors_exit_2_with_one_line_and_no_traceback(checked: Project) -> None:
    """A user's mistake is one line on stderr, ending with a pointer to its slug."""
    checked.config('[tool.compatshim]\npolicy = "sometimes"\n')
    result = checked.command(["-m", "compatshim", "check"])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("compatshim: error: ") and "pyproject.toml:2" in line
    assert line.endswith(
        " (see https://github.com/compatshim/compatshim/blob/main/docs/messages.md#config-bad-value)"
    )


def test_check_with_explicit_config_from_another_directory(checked: Project) -> None:
    """``--config`` reads that file and imports the project next to it."""
    checked.config('[tool.compatshim.aliases]\n"old" = "canon"\n')
    sub = checked.root / "elsewhere"
    sub.mkdir()
    result = checked.command(
        ["-m", "compatshim", "check", "--config", str(checked.root / "pyproject.toml")]
    )
    assert result.returncode == 0, result.stderr


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown commands and options are usage errors (exit 2); --help and --version exit 0."""
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["check", "--format", "xml"]) == 2
    assert cli.main(["--version"]) == 0
    assert cli.main(["--help"]) == 0
    assert "check" in capsys.readouterr().out


def test_console_script_and_module_entry_points_agree(checked: Project) -> None:
    """``python -m compatshim`` runs the same main() as the console script."""
    result = checked.command(["-m", "compatshim", "--version"])
    assert result.returncode == 0
    import compatshim

    assert result.stdout.strip() == compatshim.__version__


def test_ctrl_c_is_one_line_and_the_shells_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupted command prints one line, no traceback, and exits 130 (SIGINT's status)."""

    def interrupted() -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cwd", interrupted)
    assert cli.main(["scan", "."]) == 130
    assert capsys.readouterr().err == "compatshim: interrupted\n"
