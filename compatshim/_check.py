"""``compatshim check``: import every alias and its target and verify they are one object."""

from __future__ import annotations

import os
import sys

from . import _install
from . import _policy
from . import _proxy
from . import _sites
from ._config import load_config
from ._errors import LegacyPathRemoved


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._alias import Alias

__all__ = ["AliasCheck", "CheckReport", "check"]

#: Version of the JSON written by ``compatshim check --format json``.
#: 1: first version ({"ok", "aliases": [{"legacy", "canonical", "ok", "problems"}]}).
FORMAT_VERSION = 1


class AliasCheck:
    """The verdict on one alias: ``problems`` is empty when it works."""

    __module__ = "compatshim"

    def __init__(self, alias: Alias, problems: list[str]) -> None:
        self.alias = alias
        self.problems = problems

    @property
    def ok(self) -> bool:
        """Whether the alias works: target importable and the legacy path identical to it."""
        return not self.problems

    def __repr__(self) -> str:
        return f"<AliasCheck {self.alias.legacy!r} ok={self.ok}>"


class CheckReport:
    """The result of :func:`check` for every alias of one configuration."""

    __module__ = "compatshim"

    def __init__(self, config_path: str | None, results: list[AliasCheck]) -> None:
        self.config_path = config_path
        self.results = results

    @property
    def ok(self) -> bool:
        """Whether every alias works."""
        return all(result.ok for result in self.results)

    def to_json(self) -> dict[str, Any]:
        """The report as the ``--format json`` document."""
        return {
            "format": FORMAT_VERSION,
            "ok": self.ok,
            "aliases": [
                {
                    "legacy": r.alias.legacy,
                    "canonical": r.alias.canonical,
                    "ok": r.ok,
                    "problems": list(r.problems),
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
            lines.extend(f"        {problem}" for problem in r.problems)
        bad = sum(not r.ok for r in self.results)
        lines.append(
            f"{len(self.results)} aliases checked: {len(self.results) - bad} ok, {bad} with problems"
        )
        return "\n".join(lines) + "\n"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _check_one(alias: Alias) -> list[str]:
    import importlib

    problems: list[str] = []
    try:
        if alias.kind == "module":
            target: Any = importlib.import_module(alias.canonical)
        else:
            target = _sites.resolve_object(alias.canonical)
    except Exception as exc:  # noqa: BLE001 - a broken target is what check reports
        return [f"target {_policy.display(alias.canonical)} cannot be imported: {_describe(exc)}"]
    try:
        if alias.kind == "module":
            legacy: Any = importlib.import_module(alias.legacy)
            legacy = _proxy.canonical_of(legacy) or legacy
        else:
            legacy = getattr(importlib.import_module(alias.module), alias.attr or "")
    except LegacyPathRemoved as exc:
        problems.append(f"removal is due: {exc}; delete the alias")
        return problems
    except Exception as exc:  # noqa: BLE001 - likewise for the legacy path
        return [f"legacy path {_policy.display(alias.legacy)} fails: {_describe(exc)}"]
    if legacy is not target:
        problems.append(
            f"{_policy.display(alias.legacy)} is {legacy!r}, not the canonical {target!r}"
        )
    return problems


def check(pyproject: str | os.PathLike[str] | None = None) -> CheckReport:
    """Import every configured alias and its target, and verify that each pair is one object.

    This installs compatshim with that configuration in the current process, imports the
    project's modules (with the configuration's directory on ``sys.path``) and silences the
    warnings while it checks.

    :raises ConfigError: if the configuration is invalid.
    """
    import warnings

    config = load_config(pyproject)
    if config.root not in sys.path:
        sys.path.insert(0, config.root)
    _install.install(pyproject if pyproject is not None else config.path)
    previous = _policy.get_override()
    _policy.set_override("ignore")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = [AliasCheck(alias, _check_one(alias)) for alias in config.table]
    finally:
        _policy.set_override(previous)
    return CheckReport(config.path, results)
