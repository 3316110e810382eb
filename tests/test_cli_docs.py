"""docs/cli.md says what the command line does: every option and choice in each command's usage
line is one the parser has, and the parser has no option the page does not show; the exit
statuses, default excludes and thresholds it states are the code's."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from compatshim import cli


PAGE = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()


def _usage(command: str) -> str:
    # The first ```text block after the command's heading.
    heading = PAGE.index(f"## `compatshim {command}`")
    start = PAGE.index("```text\n", heading) + len("```text\n")
    return PAGE[start : PAGE.index("```", start)]


def _subparsers(
    parser: argparse.ArgumentParser | None = None,
) -> dict[str, argparse.ArgumentParser]:
    # Every command, a command with commands of its own by its full name ("export ruff").
    parser = parser or cli._parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: dict[str, argparse.ArgumentParser] = {}
    for name, sub in action.choices.items():
        if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
            found.update({f"{name} {inner}": p for inner, p in _subparsers(sub).items()})
        else:
            found[name] = sub
    return found


def _options(parser: argparse.ArgumentParser) -> dict[str, tuple[str, ...] | None]:
    found: dict[str, tuple[str, ...] | None] = {}
    for action in parser._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                found[option] = tuple(action.choices) if action.choices else None
    return found


COMMANDS = sorted(_subparsers())


def test_every_command_has_a_section() -> None:
    assert COMMANDS == [
        "check",
        "combine",
        "export ruff",
        "migrate",
        "report",
        "run",
        "scan",
        "snapshot",
        "stubs",
    ]
    for command in COMMANDS:
        assert f"## `compatshim {command}`" in PAGE


@pytest.mark.parametrize("command", COMMANDS)
def test_the_usage_line_shows_exactly_the_options(command: str) -> None:
    usage = _usage(command)
    documented = set(re.findall(r"(--[a-z][a-z-]*)", usage))
    options = _options(_subparsers()[command])
    assert documented == set(options), usage
    for action in _subparsers()[command]._actions:
        option = next((o for o in action.option_strings if o.startswith("--")), None)
        if option is None or option == "--help":
            continue
        if isinstance(action, argparse._AppendAction):  # one value each time: [--opt X]...
            assert re.search(re.escape(option) + r" [A-Z]+\]\.\.\.", usage), option
        elif action.nargs == "+":  # several values after one option: [--opt X ...]
            assert re.search(re.escape(option) + r" [A-Z]+ \.\.\.\]", usage), option
    for option, choices in options.items():
        if choices is not None:
            shown = re.search(re.escape(option) + r" ([a-z|]+)", usage)
            assert shown is not None, option
            assert tuple(shown.group(1).split("|")) == choices, option


def test_the_top_usage_line() -> None:
    top = PAGE[PAGE.index("```text\n") : PAGE.index("```\n", PAGE.index("```text\n") + 3)]
    assert "compatshim [--version] COMMAND ..." in top
    assert "python -m compatshim COMMAND ..." in top


def test_default_excludes_are_the_documented_ones() -> None:
    from compatshim._static.files import DEFAULT_EXCLUDES

    files = PAGE[PAGE.index("- Files: `.py` and `.pyi`.") :]
    files = files[: files.index("\n- ")]
    for name in DEFAULT_EXCLUDES:
        assert f"`{name}`" in files, name


def test_stated_figures_are_the_code_s() -> None:
    from compatshim._check.check import FORMAT_VERSION as CHECK_FORMAT
    from compatshim._static.pool import POOL_THRESHOLD
    from compatshim._static.render import FORMAT_VERSION as SCAN_FORMAT

    assert f"Trees of {POOL_THRESHOLD} files or more" in PAGE
    assert f'`{{"format": {SCAN_FORMAT}, "findings"' in PAGE
    assert f'"format": {CHECK_FORMAT},' in PAGE


def test_stubs_with_nothing_to_generate_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.compatshim.aliases]\n"pkg.old" = "pkg.new"\n')
    monkeypatch.chdir(tmp_path)
    assert cli.main(["stubs"]) == 0
    assert capsys.readouterr().err.splitlines()[-1] == "compatshim stubs: nothing to generate."
