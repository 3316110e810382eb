"""Does a canonical object still honour the contract its legacy callers were written against?

An alias may name a ``typing.Protocol`` (``protocol = "pkg.protocols:Manager"``). ``check``
then asks, for every member of the protocol, whether the canonical object has it and whether
each method accepts every call the protocol's method accepts: the same positional parameters in
the same order, the same keyword names, defaults where the protocol has defaults, ``*args`` and
``**kwargs`` where it has them, and nothing extra that is required. Members come from
``typing_extensions.get_protocol_members`` (the backport of Python 3.13's function).
"""

from __future__ import annotations

import inspect

from .._base.compat import own_annotations
from .._base.compat import signature


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["protocol_findings", "protocol_problems"]

_MISSING = object()
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _incompatibility(expected: inspect.Signature, actual: inspect.Signature) -> str | None:
    # Why ``actual`` does not accept every call ``expected`` accepts, or None.
    kinds = inspect.Parameter
    want = list(expected.parameters.values())
    have = list(actual.parameters.values())
    have_args = any(p.kind is kinds.VAR_POSITIONAL for p in have)
    have_kwargs = any(p.kind is kinds.VAR_KEYWORD for p in have)
    have_positional = [p for p in have if p.kind in _POSITIONAL]
    by_name = {p.name: p for p in have if p.kind is not kinds.POSITIONAL_ONLY}
    used: set[str] = set()
    for index, param in enumerate(p for p in want if p.kind in _POSITIONAL):
        if index >= len(have_positional):
            if not have_args:
                return f"it takes no positional parameter {param.name!r}"
            continue
        other = have_positional[index]
        used.add(other.name)
        if param.kind is kinds.POSITIONAL_OR_KEYWORD and other.name != param.name:
            return f"parameter {index + 1} is named {other.name!r}, not {param.name!r}"
        if param.default is not kinds.empty and other.default is kinds.empty:
            return f"parameter {other.name!r} has no default"
    for param in want:
        if param.kind is kinds.KEYWORD_ONLY:
            named = by_name.get(param.name)
            if named is None:
                if not have_kwargs:
                    return f"it takes no keyword parameter {param.name!r}"
                continue
            used.add(named.name)
            if param.default is not kinds.empty and named.default is kinds.empty:
                return f"parameter {named.name!r} has no default"
        elif param.kind is kinds.VAR_POSITIONAL and not have_args:
            return "it takes no *args"
        elif param.kind is kinds.VAR_KEYWORD and not have_kwargs:
            return "it takes no **kwargs"
    for other in have:
        if (
            other.name not in used
            and other.kind not in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD)
            and other.default is kinds.empty
        ):
            return f"it requires {other.name!r}, which the protocol does not pass"
    return None


def _signature(value: Any) -> inspect.Signature | None:
    try:
        return signature(value)  # (Python 3.14: annotations naming absent names do not raise)
    except (TypeError, ValueError):  # builtins without a signature: nothing to compare
        return None


def protocol_problems(protocol: Any, obj: Any) -> list[str]:
    """What ``obj`` (a class or a module) lacks to satisfy ``protocol``, one line per member."""
    from typing_extensions import get_protocol_members

    try:
        members = get_protocol_members(protocol)
    except TypeError:
        return [f"{protocol!r} is not a typing.Protocol class"]
    problems: list[str] = []
    is_class = isinstance(obj, type)
    annotations: set[str] = set()
    for klass in type(obj).__mro__ if not is_class else obj.__mro__:
        annotations.update(own_annotations(klass))
    for name in sorted(members):
        expected: Any = getattr(protocol, name, _MISSING)
        actual: Any = getattr(obj, name, _MISSING)
        if actual is _MISSING:
            if name in annotations and not callable(expected):
                continue  # an annotated attribute, set on instances
            problems.append(f"lacks {name!r}")
            continue
        if expected is _MISSING or not callable(expected) or isinstance(expected, type):
            continue  # an attribute: having it is all a protocol can say
        if not callable(actual):
            problems.append(f"{name!r} is not callable")
            continue
        want, have = _signature(expected), _signature(actual)
        if want is None or have is None:
            continue
        if not is_class and inspect.isfunction(expected):
            # The protocol's method takes self; a module's function does not.
            want = want.replace(parameters=list(want.parameters.values())[1:])
        reason = _incompatibility(want, have)
        if reason is not None:
            problems.append(f"{name}{have} does not accept every call of {name}{want}: {reason}")
    return problems


def protocol_findings(protocol_path: str, obj: Any, shown: str) -> list[tuple[str, str]]:
    """``check``'s ``protocol`` problems of ``obj`` (named ``shown`` in them) against the
    protocol at ``protocol_path``: one if it cannot be imported, else one per member lacking."""
    from .._base import paths

    try:
        protocol = paths.resolve(protocol_path)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's module may raise anything
        why = f"{type(exc).__name__}: {exc}"
        return [("protocol", f"protocol {paths.dotted(protocol_path)} cannot be imported: {why}")]
    return [
        ("protocol", f"{shown} {problem} ({paths.dotted(protocol_path)})")
        for problem in protocol_problems(protocol, obj)
    ]
