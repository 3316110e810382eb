"""``compatshim check``: audit every alias of a configuration (see ``audit`` for the checks)."""

from __future__ import annotations

import os
import sys

from .._model import policy as _policy
from .._model.config import load_config
from .._runtime import install as _install


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any
    from typing import Literal

    from .._model.alias import Alias
    from .._model.config import Config

    #: The formats of ``compatshim check``.
    CheckFormat = Literal["text", "json"]

__all__ = ["AliasCheck", "CheckReport", "check"]

#: Every :data:`CheckFormat` (the choices of ``--format``).
FORMATS: tuple[CheckFormat, ...] = ("text", "json")
#: Version of the JSON written by ``compatshim check --format json``.
#: 1: first version ({"ok", "aliases": [{"legacy", "canonical", "ok", "problems"}]}).
#: 2: "format", "config" and, per alias, "kinds" added (the kind of each problem, in order);
#:    each problem string starts with its kind ("fragmentation: ..."). Readers of 1 still work.
#: 3: "problems": the project's own problems, not any one alias's ("ruff-export: ..."), as
#:    strings starting with their kind; "ok" is false when there is one. Readers of 2 still work.
FORMAT_VERSION = 3


class AliasCheck:
    """The verdict on one alias: ``problems`` holds ``(kind, message)`` pairs, empty when sound."""

    __module__ = "compatshim"

    def __init__(self, alias: Alias, problems: list[tuple[str, str]]) -> None:
        self.alias = alias
        self.problems = problems

    @property
    def ok(self) -> bool:
        """Whether the alias has no problem."""
        return not self.problems

    def __repr__(self) -> str:
        return f"<AliasCheck {self.alias.legacy!r} ok={self.ok}>"


class CheckReport:
    """The result of :func:`check` for every alias of one configuration."""

    __module__ = "compatshim"

    def __init__(self, config_path: str | None, results: list[AliasCheck]) -> None:
        self.config_path = config_path
        self.results = results
        #: The project's own problems, as ``(kind, message)`` pairs: a stale ruff export.
        self.problems: list[tuple[str, str]] = []

    @property
    def ok(self) -> bool:
        """Whether every alias is sound, and the project has no problem of its own."""
        return all(result.ok for result in self.results) and not self.problems

    def to_json(self) -> dict[str, Any]:
        """The report as the ``--format json`` document."""
        return {
            "format": FORMAT_VERSION,
            "config": self.config_path,
            "ok": self.ok,
            "problems": [f"{kind}: {message}" for kind, message in self.problems],
            "aliases": [
                {
                    "legacy": r.alias.legacy,
                    "canonical": r.alias.canonical,
                    "ok": r.ok,
                    "problems": [f"{kind}: {message}" for kind, message in r.problems],
                    "kinds": [kind for kind, _ in r.problems],
                }
                for r in self.results
            ],
        }

    def to_text(self) -> str:
        """The report as readable text, one alias per line and its problems below it."""
        lines = [f"compatshim check: {self.config_path or '(no configuration found)'}"]
        for r in self.results:
            mark = "ok  " if r.ok else "FAIL"
            lines.append(f"  {mark}  {r.alias.legacy} -> {r.alias.canonical}")
            lines.extend(f"        {kind}: {message}" for kind, message in r.problems)
        for kind, message in self.problems:
            lines.append(f"  FAIL  {kind}: {message}")
        bad = sum(not r.ok for r in self.results)
        lines.append(
            f"{len(self.results)} aliases checked: {len(self.results) - bad} ok, {bad} with problems"
        )
        return "\n".join(lines) + "\n"


def _audited(item: Any, audit: Callable[[Any], list[tuple[str, str]]]) -> list[tuple[str, str]]:
    # Whatever goes wrong while one alias is checked is that alias's problem, never a traceback
    # that hides the verdict on every other alias (KeyboardInterrupt still stops the check).
    try:
        return audit(item)
    except (Exception, SystemExit) as exc:  # noqa: BLE001
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            where = f" (at {os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno})"
        return [("audit-error", f"checking it failed: {type(exc).__name__}: {exc}{where}")]


def check(pyproject: str | os.PathLike[str] | None = None) -> CheckReport:
    """Audit every configured alias: the canonical path imports, the legacy path yields the
    identical object, no second implementation or stale module file remains, the removal is not
    overdue, and the canonical object satisfies the alias's ``protocol``; and every factory
    rule: its class and factory exist, the factory's return annotation admits the class, and
    the class satisfies the rule's ``protocol``.

    This installs compatshim with that configuration in the current process, imports the
    project's modules (with the configuration's directory on ``sys.path``) and silences the
    warnings while it checks. It records no telemetry: what it probes is not adoption.

    :raises ConfigError: if the configuration is invalid.
    """
    import contextlib
    import warnings

    from .audit import audit  # inspect and the path finder: only when checking

    config = load_config(pyproject)
    if config.root not in sys.path:
        sys.path.insert(0, config.root)
    _install.install(pyproject if pyproject is not None else config.path, telemetry=False)
    previous = _policy.get_override()
    _policy.set_override("ignore")
    try:
        # What the project's modules print while they are imported is theirs, not the report's:
        # it goes to stderr, so that ``--format json`` stays one JSON document on stdout.
        with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
            warnings.simplefilter("ignore")
            results = [AliasCheck(alias, _audited(alias, audit)) for alias in config.table]
            if config.factories:
                from .factories import audit_factory

                results += [
                    AliasCheck(rule.alias, _audited(rule, audit_factory))
                    for rule in config.factories
                ]
    finally:
        _policy.set_override(previous)
    _add_stub_problems(config, results)
    report = CheckReport(config.path, results)
    _add_export_problems(config, report)
    return report


def _add_export_problems(config: Config, report: CheckReport) -> None:
    # Once a project exports its table to ruff, a stale export is the project's problem.
    from .._base.errors import CompatshimError
    from .._base.paths import shown
    from .._stubs.ruffexport import export_ruff
    from .._stubs.ruffexport import exported

    if config.path is None or not exported(config):
        return
    try:
        export = export_ruff(config)
    except CompatshimError as exc:
        report.problems.append(("ruff-export", f"{exc} [{exc.slug}]"))
        return
    if export.status == "stale":
        report.problems.append(
            (
                "ruff-export",
                (
                    f"{shown(export.path)}: the banned-api export is stale; "
                    "run compatshim export ruff --write"
                ),
            )
        )


def _add_stub_problems(config: Config, results: list[AliasCheck]) -> None:
    # Once a project generates stubs, each alias whose stubs fell behind has a "stubs" problem.
    from .._stubs.generate import audit as stubs_audit  # reads source: only when checking

    problems = stubs_audit(config)
    for result in results:
        result.problems.extend(("stubs", p) for p in problems.get(result.alias.legacy, ()))
