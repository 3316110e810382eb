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

    from compatshim._telemetry.history import Snapshot
    from compatshim._telemetry.report import TelemetryReport

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
    from compatshim._base.terminal import plain
    from compatshim._telemetry import history

    report = compatshim.telemetry_report(args.config, args.data or (), include=args.include or ())
    for path, reason in report.skipped:  # names from the data folder: escaped for the terminal
        sys.stderr.write(f"compatshim: skipped {plain(path)}: {plain(reason)}\n")
    since = history.parse_date(args.since) if args.since else None
    root, where = history.locate(args.config, args.history)
    snapshots: list[history.Snapshot] = []
    wanted = args.format == "html" or args.since or args.last
    if args.snapshot or (wanted and where is not None):
        try:
            if args.snapshot:
                snapshots = history.append(history.required(where), history.summarize(report))
            else:
                snapshots = history.read(history.required(where))
        except history.HistoryError as exc:  # the report goes on without its history
            sys.stderr.write(f"compatshim: history skipped: {plain(str(exc))} [{exc.slug}]\n")
    snapshots = history.select(snapshots, since, args.last)
    if args.format == "html":
        return _write_html(args.output or "compatshim-html", report, snapshots, root)
    width = shutil.get_terminal_size((100, 24)).columns
    trend = args.since is not None or args.last is not None
    if args.format == "json" and trend:
        from compatshim._telemetry.trend import trend_json

        text = json.dumps({**report.to_json(), "history": trend_json(snapshots)}, indent=2) + "\n"
    else:
        text = report.render(args.format, width)
        if trend:
            from compatshim._telemetry.trend import render_trend

            text += render_trend(snapshots, args.format)
    if args.output and args.output != "-":
        _write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return OK


def _write_html(
    folder: str, report: TelemetryReport, snapshots: list[Snapshot], root: str | None
) -> int:
    from compatshim._base.safeio import write_replace
    from compatshim._telemetry.htmlpage import INDEX
    from compatshim._telemetry.htmlpage import render_html

    page = render_html(report, snapshots, root)
    target = os.path.join(folder, INDEX)
    try:
        os.makedirs(folder, exist_ok=True)
        write_replace(target, page.encode("utf-8"))  # a link at index.html is replaced
    except OSError as exc:
        raise compatshim.CompatshimError(
            f"cannot write {target}: {exc.strerror or exc}", slug="report-output"
        ) from None
    sys.stderr.write(f"compatshim report: wrote {target}\n")
    return OK


def _snapshot(args: argparse.Namespace) -> int:
    from compatshim._base.terminal import plain
    from compatshim._telemetry import history

    _, where = history.locate(args.config, args.history)
    where = history.required(where)
    existing = history.read(where)  # an unreadable history is never overwritten
    if args.import_:
        found: list[history.Snapshot] = []
        for path in args.import_:
            try:
                found += history.read(path) if os.path.exists(path) else _missing(path)
            except history.HistoryError as exc:
                sys.stderr.write(f"compatshim: skipped {plain(str(exc))} [{exc.slug}]\n")
        merged = history.merge(existing, found)
        history.write(where, merged)
        new = len(merged) - len(existing)
        sys.stderr.write(
            f"compatshim snapshot: {new} new snapshot(s) imported, {len(merged)} in "
            f"{plain(where)}\n"
        )
        return OK
    report = compatshim.telemetry_report(args.config, args.data or ())
    for path, reason in report.skipped:
        sys.stderr.write(f"compatshim: skipped {plain(path)}: {plain(reason)}\n")
    snapshot = history.summarize(report)
    merged = history.merge(existing, [snapshot])
    history.write(where, merged)
    sys.stderr.write(
        f"compatshim snapshot: {len(snapshot.aliases)} legacy paths, {snapshot.hits:,} hits at "
        f"{snapshot.sites:,} sites; {len(merged)} snapshot(s) in {plain(where)}\n"
    )
    return OK


def _missing(path: str) -> list[Snapshot]:
    from compatshim._telemetry.history import HistoryError

    raise HistoryError(f"{path}: no such file")


def _combine(args: argparse.Namespace) -> int:
    from compatshim._base.terminal import plain
    from compatshim._telemetry.combine import combine_data

    merged, skipped = combine_data(args.config, args.paths)
    for path, exc in skipped:  # names from elsewhere: escaped for the terminal
        reason = f"{str(exc).removeprefix(f'{path}: ')} [{exc.slug}]"
        sys.stderr.write(f"compatshim: skipped {plain(path)}: {plain(reason)}\n")
    sys.stdout.write(f"compatshim: combined {merged} data file{'s' * (merged != 1)}\n")
    return ERROR if skipped and not merged else OK


def _write_atomically(path: str, text: str) -> None:
    # A report is either written whole or not at all: never a half-written file. "-" and
    # /dev/stdout are standard output; a device or pipe is written to as is; a symbolic link
    # we did not create is refused (see safeio.write_output).
    from compatshim._base.safeio import LinkRefused
    from compatshim._base.safeio import write_output
    from compatshim._base.terminal import plain

    # The text as a file opened for text would write it (newlines as the platform's).
    data = text.replace("\n", os.linesep).encode("utf-8")
    try:
        write_output(path, data)
    except LinkRefused as exc:
        raise compatshim.CompatshimError(
            f"cannot write {plain(path)}: {exc.strerror}", slug="report-output-link"
        ) from None
    except OSError as exc:
        raise compatshim.CompatshimError(
            f"cannot write {plain(path)}: {exc.strerror or exc}", slug="report-output"
        ) from None


def _progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def _report_errors(errors: list[tuple[str, str]]) -> None:
    from compatshim._base.paths import shown
    from compatshim._base.terminal import plain

    for path, message in errors:  # names and source text from disk: escaped for the terminal
        sys.stderr.write(f"compatshim: skipped {plain(shown(path))}: {plain(message)}\n")


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
        include=args.include or (),
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
    from compatshim._base.terminal import plain
    from compatshim._base.terminal import plain_lines

    result = compatshim.migrate(
        args.paths or ["."],
        args.config,
        write=args.write,
        exclude=args.exclude or (),
        progress=_progress(),
        include=args.include or (),
        docs=args.docs,
    )
    _report_errors(result.errors)
    if not args.write:
        sys.stdout.write(plain_lines(result.diff()))  # for people: see docs/cli.md
    for f in result.left:
        where = plain(shown(f.file))
        sys.stderr.write(f"{where}:{f.line}:{f.column}: {f.code} {plain(f.message)}\n")
    verb = "rewritten" if args.write else "would be rewritten"
    left = f", {len(result.left)} uses left for you (above)" if result.left else ""
    sys.stderr.write(f"compatshim migrate: {len(result.changed)} files {verb}{left}.\n")
    return OK if result.ok else FOUND


def _stubs(args: argparse.Namespace) -> int:
    result = compatshim.stubs(args.config, write=args.write, include=args.include or ())
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


def _history_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--history",
        metavar="FILE",
        help="the history file (default: history.json beside the data file)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text!r}")
    return value


def _from_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="include",
        metavar="DISTRIBUTION",
        action="append",
        help="also use the alias table this installed distribution ships (repeatable; added to "
        "the configuration's include)",
    )


def _source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files and folders to read")
    _config_option(parser)
    _from_option(parser)
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
    _from_option(report)
    report.add_argument(
        "--data", metavar="PATH", nargs="+", help="read these data files as they are instead"
    )
    report.add_argument("--format", choices=REPORT_FORMATS, default="text")
    report.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write the report to this file, not to stdout (html: to this folder, default "
        "compatshim-html)",
    )
    report.add_argument(
        "--snapshot", action="store_true", help="append this report's summary to the history"
    )
    report.add_argument(
        "--since", metavar="DATE", help="show the trend since DATE (YYYY-MM-DD, UTC)"
    )
    report.add_argument(
        "--last", metavar="N", type=_positive, help="show the trend over the last N snapshots"
    )
    _history_option(report)
    report.set_defaults(func=_report)

    snapshot = commands.add_parser(
        "snapshot",
        help="append a dated summary of the report to the history (or import histories)",
        description="Append a dated summary of the report (per legacy path: hits, sites, "
        "files) to the history beside the data file, for the trend of report --since/--last "
        "and the HTML report's burn-down; or, with --import, merge history files gathered "
        "elsewhere (CI artifacts) into it. Exit 0, or 2 when there is no data or the history "
        "cannot be used.",
    )
    _config_option(snapshot, "the pyproject.toml whose data to read")
    snapshot.add_argument(
        "--data", metavar="PATH", nargs="+", help="read these data files as they are instead"
    )
    snapshot.add_argument(
        "--import",
        dest="import_",
        metavar="FILE",
        nargs="+",
        help="merge these history files into the history instead (each snapshot once)",
    )
    _history_option(snapshot)
    snapshot.set_defaults(func=_snapshot)
    combine = commands.add_parser(
        "combine",
        help="merge telemetry data files gathered from other hosts into the project's",
        description="Merge the data files PATHS (files, or folders whose files are all taken: "
        "CI artifacts, other hosts) into the project's combined data file, each run once: "
        "combining the same files again, or in another order, changes nothing. "
        "[tool.compatshim.paths] maps file names recorded elsewhere onto one. Without PATHS, "
        "the project's own per-process files are combined. Exit 0, or 2 when nothing could be "
        "combined and files were skipped, or on a configuration error.",
    )
    _config_option(combine, "the pyproject.toml whose data file to combine into")
    combine.add_argument("paths", nargs="*", metavar="PATHS", help="data files or folders")
    combine.set_defaults(func=_combine)

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
    _from_option(stubs)
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


class _Terminated(BaseException):
    """SIGTERM, raised where the program is, so that a write in progress is finished or undone
    (its temporary file removed) rather than cut short."""


_main_pid = 0


def _terminate(signum: int, frame: object) -> None:
    if os.getpid() != _main_pid:
        # A forked worker of scan or migrate inherited the handler: it ends as SIGTERM ends a
        # process, as its pool expects, not with a traceback from the middle of its start-up.
        import signal

        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else ERROR
    run: Callable[[argparse.Namespace], int] = args.func
    import signal

    installed, previous = False, None
    global _main_pid
    _main_pid = os.getpid()
    if run is not _run:  # (run's command gets the signals it gets without compatshim)
        try:
            previous = signal.signal(signal.SIGTERM, _terminate)
            installed = True
        except ValueError:  # not the main thread: signals are not ours to handle
            pass
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
    except _Terminated:  # the same for SIGTERM
        sys.stderr.write("compatshim: terminated\n")
        return 128 + signal.SIGTERM
    finally:
        if installed:
            signal.signal(signal.SIGTERM, previous)
