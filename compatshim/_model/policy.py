"""What happens when a legacy path is used: warn, raise, or stay quiet, and with which words.

The decision combines the alias's own ``policy``, a process-wide override (``COMPATSHIM_POLICY``,
pytest's ``--compatshim-strict``) and the removal schedule, which wins over everything.
"""

from __future__ import annotations

import builtins

from .._base import diagnostics as _diagnostics
from .._base import paths
from .._base import resets
from .._base.errors import CompatshimDeprecationWarning
from .._base.errors import LegacyPathError
from .._base.errors import LegacyPathRemoved
from .._base.errors import shown
from .._base.locks import ForkSafeLock


TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime

    from .alias import Alias
    from .alias import Policy

__all__ = ["action", "set_override", "warning_category", "warning_message"]

PLACEHOLDERS = ("legacy", "canonical", "since", "removed_in")
_BRACED = tuple(f"{{{name}}}" for name in PLACEHOLDERS)

_override: Policy | None = None
_lock = ForkSafeLock()
# Removal by version is decided once per alias and process: the installed version does not change
# under a running program, and looking it up reads package metadata.
_removed_by_version: dict[str, str | None] = {}
_categories: dict[str | None, type[Warning]] = {None: CompatshimDeprecationWarning}
# (alias, legacy path, canonical path) -> warning text: every site of a path says the same.
_messages: dict[tuple[Alias, str, str], str] = {}


def set_override(policy: Policy | None) -> None:
    """Make every alias use ``policy`` (``None`` restores each alias's own policy)."""
    global _override
    _override = policy


def get_override() -> Policy | None:
    """The process-wide policy override, if one is set."""
    return _override


@resets.on_uninstall
def forget() -> None:
    """Drop the override, the cached removal decisions and categories (uninstall)."""
    set_override(None)
    with _lock:
        _removed_by_version.clear()
        _messages.clear()
        _categories.clear()
        _categories[None] = CompatshimDeprecationWarning


def instead(canonical: str) -> str:
    """``"import pkg.mod instead"`` for a module, ``"use pkg.mod.Name instead"`` for a name."""
    verb = "use" if paths.kind(canonical) == "name" else "import"
    return f"{verb} {paths.dotted(canonical)} instead"


def removal(alias: Alias, today: datetime.date | None = None) -> str | None:
    """Why ``alias`` is removed (its ``removed_in`` version is installed or ``remove_after`` is past).

    :returns: a sentence for the error message, or ``None`` while the alias is still alive.
    """
    after = alias.remove_after
    if after is not None:
        if today is None:
            import datetime

            today = datetime.date.today()
        if today > after:
            return f"was removed after {after.isoformat()}"
    if alias.removed_in is None:
        return None
    key = alias.legacy
    if key not in _removed_by_version:
        from . import versions  # only for removal by version: it reads package metadata

        installed = versions.installed_version(alias)
        reason = None
        if installed is not None and versions.reached(installed, alias.removed_in):
            reason = f"was removed in {alias.removed_in} (version {installed} is installed)"
        with _lock:
            _removed_by_version[key] = reason
    return _removed_by_version[key]


def action(alias: Alias) -> Policy:
    """The policy that applies to a use of ``alias`` now.

    :raises LegacyPathRemoved: when the alias has been removed.
    """
    reason = removal(alias)
    if reason is not None:
        raise LegacyPathRemoved(
            f"{paths.dotted(alias.legacy)} {reason}; {instead(alias.canonical)}",
            legacy=alias.legacy,
            canonical=alias.canonical,
        )
    return _override or alias.policy


def error(alias: Alias, legacy: str, canonical: str, where: str = "") -> LegacyPathError:
    """The error for a use of a legacy path under ``policy = "error"`` (at ``where``)."""
    at = f" (used at {where})" if where else ""
    return LegacyPathError(
        f"{paths.dotted(legacy)} is no longer allowed (compatshim policy 'error'); "
        f"{instead(canonical)}{at}",
        legacy=legacy,
        canonical=canonical,
    )


def warning_message(alias: Alias, legacy: str, canonical: str) -> str:
    """The warning text for a use of ``legacy`` (a path covered by ``alias``)."""
    key = (alias, legacy, canonical)
    text = _messages.get(key)
    if text is None:
        text = _messages[key] = _format_message(alias, legacy, canonical)
    return text


def _format_message(alias: Alias, legacy: str, canonical: str) -> str:
    fields = {
        "legacy": paths.dotted(legacy),
        "canonical": paths.dotted(canonical),
        "since": alias.since or "an unspecified version",
        "removed_in": alias.removed_in or "a future version",
    }
    if alias.message is not None:
        problem = check_template(alias.message)  # validated already, unless built by hand
        if problem is None:
            return "".join(
                literal + (fields[name] if name is not None else "")
                for literal, name, _, _ in parse_template(alias.message)
            )
        _diagnostics.report_once(
            "bad-message",
            f"the message of alias {alias.legacy!r} cannot be used ({problem}); "
            "using the default message",
            key=alias.legacy,
        )
    text = fields["legacy"] + " is deprecated"
    if alias.since:
        text += f" since {alias.since}"
    if alias.removed_in:
        text += f" and will be removed in {alias.removed_in}"
    elif alias.remove_after:
        text += f" and will be removed after {alias.remove_after.isoformat()}"
    return f"{text}; {instead(canonical)}"


def parse_template(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """``string.Formatter().parse(template)``: (literal text, field, format spec, conversion).

    :raises ValueError: for unbalanced braces.
    """
    try:
        # What string.Formatter.parse calls; importing string would import re (4 ms at start-up).
        from _string import formatter_parser  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - an interpreter without it
        import string

        formatter_parser = string.Formatter().parse
    return list(formatter_parser(template))


def check_template(template: str) -> str | None:
    """Return why ``template`` is not a valid message template, or ``None``.

    Only the documented placeholders are allowed, as they are: no format specs (a width of a
    billion characters would be built at every start), conversions, attribute or index access
    (``{legacy.__class__}``), or positional fields. Messages are then rendered by plain
    substitution, never with ``str.format``.
    """
    try:
        pieces = parse_template(template)
    except ValueError as exc:
        return f"invalid template: {exc}"
    for _, name, spec, conversion in pieces:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            braced = shown("{" + name + "}")[1:-1]
            if name.split(".", 1)[0].split("[", 1)[0] in PLACEHOLDERS:
                return (
                    f"invalid template: {braced} reads an attribute or item; "
                    f"only the plain placeholders {', '.join(_BRACED)} are allowed"
                )
            return f"unknown placeholder {braced}; use {', '.join(_BRACED)}"
        if spec or conversion:
            return (
                f"invalid template: {{{name}}} has a format spec or conversion; only the plain "
                f"placeholders {', '.join(_BRACED)} are allowed"
            )
    return None


def check_category(spec: str) -> str | None:
    """Return why ``spec`` cannot name a warning category, or ``None`` if it may.

    Builtin names are checked now; ``"pkg.mod:Name"`` is imported at the first warning.
    """
    if paths.kind(spec) == "name":
        module, name = paths.split(spec)
        if module and name and all(p.isidentifier() for p in [*module.split("."), name]):
            return None
        return f"{spec!r} is neither a builtin warning nor 'package.module:Name'"
    candidate = getattr(builtins, spec, None)
    if isinstance(candidate, type) and issubclass(candidate, Warning):
        return None
    return f"{spec!r} is not a builtin Warning subclass; write 'package.module:Name' for others"


def resolve_category(spec: str) -> type[Warning]:
    """The warning class ``spec`` names (a builtin name or ``"package.module:Name"``).

    :raises Exception: what importing or reading it raises; ``TypeError`` if it is no
        ``Warning`` subclass.
    """
    found = paths.resolve(spec) if paths.kind(spec) == "name" else getattr(builtins, spec)
    if not (isinstance(found, type) and issubclass(found, Warning)):
        raise TypeError(f"{found!r} is not a Warning subclass")
    return found


def warning_category(alias: Alias) -> type[Warning]:
    """The category of the warning for ``alias``; an unusable one falls back to the default once."""
    spec = alias.category
    category = _categories.get(spec)
    if category is not None:
        return category
    category = CompatshimDeprecationWarning
    try:
        category = resolve_category(str(spec))
    except Exception as exc:  # noqa: BLE001 - a bad category must not break the import
        _diagnostics.report_once(
            "bad-category",
            f"cannot use category {spec!r} of alias {alias.legacy!r} ({exc}); "
            f"using CompatshimDeprecationWarning",
        )
    _categories[spec] = category
    return category
