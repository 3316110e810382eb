"""The ``compatshim`` command: a thin skin over the public API.

``main(argv)`` parses the arguments, calls the API and returns the exit code: 0 all good, 1 the
command found problems, 2 a usage or configuration error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import compatshim
from compatshim._base.errors import pointer
from compatshim._model.config import cwd
from compatshim._model.environ import check as check_environment
from compatshim._runtime.run import run


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Sequence

__all__ = ["main"]

OK, FOUND, ERROR = 0, 1, 2


def _check(args: argparse.Namespace) -> int:
    report = compatshim.check(args.config)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(report.to_text())
    return OK if report.ok else FOUND


def _report(args: argparse.Namespace) -> int:
    from compatshim._telemetry.render import plain

    report = compatshim.telemetry_report(args.config, args.data or ())
    for path, reason in report.skipped:  # names from the data folder: escaped for the terminal
        sys.stderr.write(f"compatshim: skipped {plain(path)}: {plain(reason)}\n")
    width = shutil.get_terminal_size((100, 24)).columns
    text = report.render(args.format, width)
    if args.output:
        _write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return OK


def _write_atomically(path: str, text: str) -> None:
    # A report is either written whole or not at all: never a half-written file. A symbolic
    # link is written through (its target is replaced); a device or pipe is written to as is.
    from compatshim._base.safeio import write_replace

    target = os.path.realpath(path)
    try:
        if os.path.exists(target) and not os.path.isfile(target):
            with open(target, "w", encoding="utf-8") as file:
                file.write(text)
            return
        # The text as a file opened for text would write it (newlines as the platform's).
        write_replace(target, text.replace("\n", os.linesep).encode("utf-8"))
    except OSError as exc:
        raise compatshim.CompatshimError(
            f"cannot write {path}: {exc.strerror}", slug="report-output"
        ) from None


def _progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def _report_errors(errors: list[tuple[str, str]]) -> None:
    from compatshim._base.paths import shown

    for path, message in errors:
        sys.stderr.write(f"compatshim: skipped {shown(path)}: {message}\n")


def _scan(args: argparse.Namespace) -> int:
    # Streamed: the findings are written as they come, never all held (millions of them).
    from compatshim._static.render import write
    from compatshim._static.scan import stream

    result = compatshim.ScanResult()
    paths = args.paths or ["."]
    found = stream(
        result,
        paths,
        args.config,
        exclude=args.exclude or (),
        progress=_progress(),
        show_suppressed=args.show_suppressed,
        select=args.select,
    )
    if (args.write_baseline or args.update_baseline) and not args.baseline:
        raise compatshim.CompatshimError(
            "--write-baseline and --update-baseline need --baseline FILE", slug="baseline-missing"
        )
    baseline = None
    if args.baseline:
        from compatshim._static.baseline import Baseline

        if args.write_baseline:
            baseline = Baseline(args.baseline, record=True)
        else:
            baseline = Baseline.load(args.baseline)
        found = baseline.filter(result, found, paths)
    write(result, found, args.format, sys.stdout.write)
    _report_errors(result.errors)
    if baseline is not None:
        lines = baseline.conclude(write=args.write_baseline, update=args.update_baseline)
        sys.stderr.write("".join(f"compatshim: baseline: {line}\n" for line in lines))
    return OK if result.ok or args.exit_zero else FOUND


def _migrate(args: argparse.Namespace) -> int:
    from compatshim._base.paths import shown

    result = compatshim.migrate(
        args.paths or ["."],
        args.config,
        write=args.write,
        exclude=args.exclude or (),
        progress=_progress(),
        docs=args.docs,
    )
    _report_errors(result.errors)
    if not args.write:
        sys.stdout.write(result.diff())
    for f in result.left:
        sys.stderr.write(f"{shown(f.file)}:{f.line}:{f.column}: {f.code} {f.message}\n")
    verb = "rewritten" if args.write else "would be rewritten"
    left = f", {len(result.left)} uses left for you (above)" if result.left else ""
    sys.stderr.write(f"compatshim migrate: {len(result.changed)} files {verb}{left}.\n")
    return OK if result.ok else FOUND


def _stubs(args: argparse.Namespace) -> int:
    result = compatshim.stubs(args.config, write=args.write)
    for line in result.messages():
        sys.stderr.write(f"compatshim stubs: {line}\n")
    if args.diff:
        sys.stdout.write(result.diff())
    elif not args.write:
        sys.stdout.write("".join(f"{line}\n" for line in result.lines()))
    sys.stderr.write(result.summary())
    return OK if result.ok else FOUND


def _export(args: argparse.Namespace) -> int:
    from compatshim._stubs.ruffexport import export_command

    current, lines = export_command(args.config, write=args.write)
    sys.stderr.write("".join(f"compatshim export {line}\n" for line in lines))
    return OK if current else FOUND


def _run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise compatshim.CompatshimError("compatshim run needs a command to run", slug="run-usage")
    return run(command, args.config)


def _config_option(
    parser: argparse.ArgumentParser,
    help: str = "the pyproject.toml to read (default: the nearest one)",
) -> None:
    parser.add_argument("--config", metavar="PATH", help=help)


def _source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files and folders to read")
    _config_option(parser)
    parser.add_argument(
        "--exclude",
        metavar="GLOB",
        action="append",
        help="skip files and folders matching GLOB (repeatable), besides the default excludes",
    )


def _codes(value: str) -> frozenset[str]:
    from compatshim._static.findings import CODES

    codes = {code.strip().upper() for code in value.split(",") if code.strip()}
    if "ALL" in codes:
        return frozenset(CODES)
    unknown = sorted(codes - set(CODES))
    if unknown or not codes:
        raise argparse.ArgumentTypeError(
            f"unknown code {', '.join(unknown) or repr(value)} (codes: {', '.join(CODES)}, ALL)"
        )
    return frozenset(codes)


def _parser() -> argparse.ArgumentParser:
    from compatshim._check.check import FORMATS as CHECK_FORMATS
    from compatshim._static.render import FORMATS as SCAN_FORMATS
    from compatshim._telemetry.render import FORMATS as REPORT_FORMATS

    parser = argparse.ArgumentParser(
        prog="compatshim",
        description="Keep legacy import paths working while you consolidate code.",
    )
    parser.add_argument("--version", action="version", version=compatshim.__version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser(
        "check",
        help="import every alias and its target and verify they are the same object",
        description="Import every alias and its target and verify they are the same object. "
        "Exit 0 when all aliases work, 1 when one is broken, 2 on a configuration error.",
    )
    _config_option(check)
    check.add_argument("--format", choices=CHECK_FORMATS, default="text")
    check.set_defaults(func=_check)

    report = commands.add_parser(
        "report",
        help="show which code still uses which legacy path, from the telemetry",
        description="Combine the telemetry of every process and show, per legacy path, its hits "
        "and the sites that use it, busiest first. Exit 0, or 2 when there is no data.",
    )
    _config_option(report, "the pyproject.toml whose data to read")
    report.add_argument(
        "--data", metavar="PATH", nargs="+", help="read these data files as they are instead"
    )
    report.add_argument("--format", choices=REPORT_FORMATS, default="text")
    report.add_argument("--output", metavar="FILE", help="write the report here, not to stdout")
    report.set_defaults(func=_report)

    scan = commands.add_parser(
        "scan",
        help="find every use of a legacy path in source files, without importing them",
        description="Find every use of a legacy path in the source files under PATHS (default: "
        "the current folder), and how far each alias's migration has come. Exit 0 when none "
        "is found, 1 when some are, 2 on a usage or configuration error.",
    )
    _source_options(scan)
    scan.add_argument("--format", choices=SCAN_FORMATS, default="text")
    scan.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when legacy paths are found"
    )
    scan.add_argument(
        "--select",
        metavar="CODES",
        type=_codes,
        help="report only these codes, comma-separated (ALL: every one); CS107, legacy paths "
        "named in comments, docstrings and .md/.rst files, is reported only when selected",
    )
    scan.add_argument(
        "--baseline",
        metavar="FILE",
        help="fail only on findings not recorded in FILE, and name the recorded ones now gone",
    )
    ratchet = scan.add_mutually_exclusive_group()
    ratchet.add_argument(
        "--write-baseline", action="store_true", help="record every finding in the --baseline FILE"
    )
    ratchet.add_argument(
        "--update-baseline",
        action="store_true",
        help="remove the entries no longer found from the --baseline FILE (never adds)",
    )
    scan.add_argument(
        "--show-suppressed",
        action="store_true",
        help="also list the findings a # noqa or # compatshim: ignore comment silences",
    )
    scan.set_defaults(func=_scan)

    migrate = commands.add_parser(
        "migrate",
        help="rewrite legacy paths to canonical ones (--diff to preview, --write to apply)",
        description="Rewrite every use of a legacy path under PATHS to its canonical path, "
        "keeping formatting and comments. Exit 0 when nothing is left to do, 1 when --diff "
        "shows changes or some uses must be migrated by hand, 2 on an error.",
    )
    _source_options(migrate)
    mode = migrate.add_mutually_exclusive_group(required=True)
    mode.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    mode.add_argument("--write", action="store_true", help="rewrite the files in place")
    migrate.add_argument(
        "--docs",
        action="store_true",
        help="also rewrite legacy paths named in comments, docstrings and .md/.rst files",
    )
    migrate.set_defaults(func=_migrate)

    stubs = commands.add_parser(
        "stubs",
        help="generate the stubs that let type checkers see every legacy path",
        description="Compare the stubs type checkers need for every legacy path with the "
        "files on disk (--check, the default), show the difference (--diff) or write them "
        "(--write). Exit 0 when they are current (or written), 1 when some are missing or "
        "stale, or cannot be written, 2 on a configuration error.",
    )
    _config_option(stubs)
    stubs_mode = stubs.add_mutually_exclusive_group()
    stubs_mode.add_argument("--write", action="store_true", help="write the stubs")
    stubs_mode.add_argument("--diff", action="store_true", help="print a unified diff")
    stubs_mode.add_argument(
        "--check", action="store_true", help="list missing and stale files (the default)"
    )
    stubs.set_defaults(func=_stubs)

    export = commands.add_parser(
        "export",
        help="write the alias table into another tool's settings (ruff)",
        description="Write the alias table into another tool's settings, in a region of its "
        "configuration file that compatshim owns.",
    )
    tools = export.add_subparsers(dest="tool", metavar="TOOL")
    tools.required = True
    ruff = tools.add_parser(
        "ruff",
        help="ruff's banned-api entries (rule TID251), in pyproject.toml or ruff.toml",
        description="Compare ruff's banned-api entries for every legacy path with the file "
        "(--check, the default) or write them (--write), in compatshim's marked region of "
        "pyproject.toml (ruff.toml when the project has one). Exit 0 when current (or "
        "written), 1 when missing or stale, 2 on an error.",
    )
    _config_option(ruff)
    ruff_mode = ruff.add_mutually_exclusive_group()
    ruff_mode.add_argument("--write", action="store_true", help="write the region")
    ruff_mode.add_argument(
        "--check", action="store_true", help="report a missing or stale region (the default)"
    )
    ruff.set_defaults(func=_export)

    runner = commands.add_parser(
        "run",
        help="run a command with compatshim active in it and in every Python subprocess",
        description="Run COMMAND with compatshim installed in every Python process it starts "
        "(the configuration travels in the environment). The exit status is the command's.",
        usage="compatshim run [--config PATH] -- COMMAND [ARGS ...]",
    )
    _config_option(runner, "the pyproject.toml to use")
    runner.add_argument("command", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    runner.set_defaults(func=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else ERROR
    run: Callable[[argparse.Namespace], int] = args.func
    try:
        cwd()  # every command resolves paths from the current folder: it must still exist
        check_environment()  # a bad COMPATSHIM_* variable stops every command, not only some
        return run(args)
    except compatshim.CompatshimError as exc:
        sys.stderr.write(f"compatshim: error: {exc} {pointer(exc.slug)}\n")
        return ERROR
    except KeyboardInterrupt:
        # Ctrl-C is the user's decision, not a crash: one line, and the shell's status for
        # SIGINT. Writes in progress are atomic (each file is left old or new).
        sys.stderr.write("compatshim: interrupted\n")
        return 130
