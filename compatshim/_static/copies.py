"""Module objects copied to other names: ``p = pkg``, ``q = p``, ``s, t = pkg, 1``,
``(w := pkg)``, ``m = pkg.old``.

A legacy path read through such a copy (``p.old.f()``) is a legacy use all the same. The order
of statements is not followed, so what the copy holds when a use runs cannot be decided: each
copy gets the module paths of the name it copies, and the reason, and its uses are reported as
unresolved (``CS106``) and left by ``migrate``, never dropped. Names are followed through
copies of copies, in their scopes.
"""

from __future__ import annotations

import ast


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .scopes import Scope

__all__ = ["Copy", "reachable", "record", "resolve"]

# A copy of a copy of itself (``p = p.sub``) would grow its paths forever: at most this many.
_MAX_PATHS = 16


class Copy:
    """``target = root.attr...``: the name ``target`` (in ``target_scope``) holds what
    ``root`` (read in ``scope``) holds, or an attribute of it."""

    __slots__ = ("attrs", "line", "root", "scope", "target", "target_scope")

    def __init__(
        self, target: str, root: str, attrs: list[str], scope: Scope, target_scope: Scope, line: int
    ) -> None:
        self.target, self.root, self.attrs, self.line = target, root, attrs, line
        self.scope, self.target_scope = scope, target_scope

    @property
    def source(self) -> str:
        """What is copied, as the code spells it (``pkg.old``)."""
        return ".".join([self.root, *self.attrs])


def _dotted(value: ast.expr) -> tuple[str, list[str]] | None:
    # ``name`` or ``name.a.b``: the name and the attributes; ``None`` for anything else.
    attrs: list[str] = []
    while isinstance(value, ast.Attribute):
        attrs.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name):
        return None
    attrs.reverse()
    return value.id, attrs


def record(
    copies: list[Copy], target: ast.expr, value: ast.expr, scope: Scope, target_scope: Scope
) -> None:
    """Record the copies ``target = value`` makes (element by element for tuples and lists of
    the same length, without starred items)."""
    if isinstance(target, ast.Name):
        dotted = _dotted(value)
        if dotted is not None:
            root, attrs = dotted
            copies.append(Copy(target.id, root, attrs, scope, target_scope, target.lineno))
    elif (
        isinstance(target, (ast.Tuple, ast.List))
        and isinstance(value, (ast.Tuple, ast.List))
        and len(target.elts) == len(value.elts)
        and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))
    ):
        for element, item in zip(target.elts, value.elts):
            record(copies, element, item, scope, target_scope)


def reachable(copies: Iterable[Copy], names: frozenset[str]) -> frozenset[str]:
    """``names`` and every name that copies one of them, however indirectly (by name only:
    the scopes are read later)."""
    found = set(names)
    pending = list(copies)
    while True:
        more = [c for c in pending if c.root in found and c.target not in found]
        if not more:
            return frozenset(found)
        found.update(c.target for c in more)
        pending = [c for c in pending if c.target not in found]


def resolve(copies: list[Copy]) -> None:
    """Give every copied name the module paths of what it copies, and the reason its uses
    cannot be decided (once imports and declarations are bound in their scopes)."""
    for _ in range(len(copies) + 1):
        changed = False
        for copy in copies:
            source = copy.scope.lookup(copy.root)
            symbol = copy.target_scope.lookup(copy.target)
            if source is None or symbol is None or source is symbol or not source.paths:
                continue
            for path in source.paths:
                full = ".".join([path, *copy.attrs])
                if full not in symbol.paths and len(symbol.paths) < _MAX_PATHS:
                    symbol.paths.append(full)
                    changed = True
            if symbol.other is None or symbol.other == ("assigned", copy.line):
                symbol.other = (f"assigned from '{copy.source}'", copy.line)
        if not changed:
            return
