"""The ``compatshim`` command: a thin skin over the public API.

``main(argv)`` parses the arguments, calls the API and returns the exit code: 0 all good, 1 the
command found problems, 2 a usage or configuration error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys

import compatshim
from compatshim._errors import MESSAGES_PAGE


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


def _parser() -> argparse.ArgumentParser:
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
    check.add_argument(
        "--config", metavar="PATH", help="the pyproject.toml to read (default: the nearest one)"
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(func=_check)
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
        return run(args)
    except compatshim.CompatshimError as exc:
        sys.stderr.write(f"compatshim: error: {exc}\n  (see {MESSAGES_PAGE}#{exc.slug})\n")
        return ERROR
