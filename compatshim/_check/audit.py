"""The checks ``compatshim check`` runs on one alias, each returning ``(kind, message)`` problems.

A consolidation is done when every legacy path yields the one canonical object, nothing else
still implements it, nothing on disk pretends to be it, the removal schedule is kept, and the
canonical object honours the contract the legacy callers were written against.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import inspect
import os
import sys

from .._base import paths
from .._base.errors import LegacyPathRemoved
from .._model import policy as _policy
from .._runtime import proxy as _proxy
from .protocol import protocol_findings


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._model.alias import Alias

__all__ = ["KINDS", "audit", "category_problems"]

#: Every kind of problem, and what it means (``docs/cli.md`` lists them).
KINDS = {
    "target": "the canonical path cannot be imported",
    "legacy": "the legacy path fails to import",
    "identity": "the legacy path does not yield the canonical object",
    "fragmentation": "the legacy module still defines its own object under the aliased name",
    "overdue": "the removal is due: the alias itself should be deleted",
    "shadowed-file": "a module file at the legacy path is still on disk, and never imported",
    "protocol": "the canonical object does not satisfy the alias's protocol",
    "category": "the alias's warning category cannot be imported or is no Warning subclass",
    "stubs": "a stub generated for the alias is missing or stale (see compatshim stubs)",
    "audit-error": "checking the alias failed unexpectedly (the other aliases are still checked)",
}

_MISSING = object()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _where(obj: Any, module: Any) -> str:
    # "file:line" of a definition when inspect can find it, else the module's file.
    try:
        file = inspect.getsourcefile(obj)
        line = inspect.getsourcelines(obj)[1]
        if file:
            return f"{paths.shown(file)}:{line}"
    except (OSError, TypeError):
        pass
    file = getattr(module, "__file__", None)
    return paths.shown(file) if file else str(getattr(module, "__name__", module))


def shadowed_file(legacy: str) -> str | None:
    """A module file on the path finder's route to ``legacy``, found without importing anything.

    Each level is looked up in the search locations of the level above, entry by entry, with
    each entry's own finder (``pkgutil.get_importer``), as the path finder would. The path finder
    itself cannot be asked below a namespace folder whose package is not imported (it reads the
    parent from ``sys.modules``): an old package folder left on disk with only ``__pycache__/``
    or stubs in it is such a folder.
    """
    parts = legacy.split(".")
    locations: list[object] = list(sys.path)
    spec = None
    for depth in range(1, len(parts) + 1):
        spec = _find_in(".".join(parts[:depth]), locations)
        if spec is None:
            return None
        locations = list(spec.submodule_search_locations or ())
        if depth < len(parts) and not locations:
            return None
    if spec is not None and spec.has_location and spec.origin:
        return paths.shown(spec.origin)
    return None


def _find_in(name: str, locations: list[object]) -> importlib.machinery.ModuleSpec | None:
    # The first module found along ``locations``; the portions of a namespace package merged.
    import pkgutil

    portions: list[str] = []
    for entry in locations:
        if not isinstance(entry, str):
            continue  # sys.path may hold anything; the path finder skips what is not a str
        finder = pkgutil.get_importer(entry or os.getcwd())
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        spec = find(name)
        if spec is None:
            continue
        if spec.loader is not None:
            return spec  # type: ignore[no-any-return]
        portions.extend(spec.submodule_search_locations or ())
    if not portions:
        return None
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = portions
    return spec


def _identity(alias: Alias, target: Any) -> list[tuple[str, str]]:
    legacy_shown = paths.dotted(alias.legacy)
    canonical_shown = paths.dotted(alias.canonical)
    try:
        if alias.kind == "module":
            legacy: Any = importlib.import_module(alias.legacy)
            legacy = _proxy.canonical_of(legacy) or legacy
        else:
            module = importlib.import_module(alias.module)
            own = _MISSING
            if not isinstance(module, _proxy.LegacyModule):
                own = vars(module).get(alias.attr or "", _MISSING)
            if own is not _MISSING and own is not target:
                message = (
                    f"{alias.module} defines its own {alias.attr} ({_where(own, module)}), "
                    f"a second implementation beside {canonical_shown}; delete it so that "
                    f"{legacy_shown} serves the canonical object"
                )
                return [("fragmentation", message)]
            legacy = getattr(module, alias.attr or "")
    except LegacyPathRemoved:
        return []  # reported as overdue
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a failing legacy path is what check reports
        return [("legacy", f"{legacy_shown} fails: {_describe(exc)}")]
    if legacy is not target:
        message = f"{legacy_shown} is {legacy!r}, not the canonical {target!r}"
        return [("identity", message)]
    return []


def category_problems(alias: Alias) -> list[tuple[str, str]]:
    """The problem of the alias's warning category, if it cannot be used."""
    # At run time an unusable category falls back to the default with one diagnostic, so
    # nothing but check tells that the configured one never applies.
    if alias.category is None:
        return []
    try:
        _policy.resolve_category(alias.category)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken category is what check reports
        message = f"category {alias.category!r} cannot be used: {_describe(exc)}"
        return [("category", message)]
    return []


def audit(alias: Alias) -> list[tuple[str, str]]:
    """Every problem of one alias (none when it is sound)."""
    problems: list[tuple[str, str]] = []
    removed = _policy.removal(alias)
    if removed is not None:
        problems.append(("overdue", f"{paths.dotted(alias.legacy)} {removed}: delete the alias"))
    problems.extend(category_problems(alias))
    if alias.kind == "module":
        file = shadowed_file(alias.legacy)
        if file is not None:
            message = (
                f"{file} is at the legacy path {alias.legacy} and is never imported while "
                "the alias exists; delete it (move anything it still needs to the "
                "canonical module)"
            )
            problems.append(("shadowed-file", message))
    try:
        if alias.kind == "module":
            target: Any = importlib.import_module(alias.canonical)
        else:
            target = paths.resolve(alias.canonical)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken target is what check reports
        shown = paths.dotted(alias.canonical)
        problems.append(("target", f"target {shown} cannot be imported: {_describe(exc)}"))
        return problems
    if removed is None:
        problems.extend(_identity(alias, target))
    if alias.protocol:
        problems.extend(protocol_findings(alias.protocol, target, paths.dotted(alias.canonical)))
    return problems
