"""Direct constructions in source: a class with a factory rule, called outside its factory.

``scan`` reports ``Manager(...)`` as finding ``CS108`` wherever the called name is the rule's
class: bound by an import of its canonical path, of a legacy path or moved name leading to it
(the alias table's chains followed), or under an ``import ... as`` name, and read as a name or
an attribute chain (``chat.ws.Manager(...)``, ``ws.Manager(...)``). The factory's own module is
where the class is meant to be constructed, and is never reported. ``migrate`` cannot rewrite a
construction (the factory's signature is not the class's) and lists it as left for a person.

A name that the file binds in more than one way (an import and an assignment, two imports of
different paths) is not followed: what it holds when the call runs depends on the order things
ran in. Calls through a variable holding the class (``cls = Manager; cls()``) are not seen.
"""

from __future__ import annotations

import ast
import re

from .._base import paths
from .analyze import absolute
from .findings import Finding
from .source import parse


TYPE_CHECKING = False
if TYPE_CHECKING:
    from .source import Source
    from .table import StaticTable

__all__ = ["NOTE", "Rule", "find_constructions", "rules_of"]

#: Why ``migrate`` leaves a construction for a person.
NOTE = "construct it through the factory by hand: its signature is not the class's"

#: One factory rule as the static tools need it: (class, factory, factory module, key), the
#: paths spelled as code spells them, the key as the report's (``pkg.mod:Class()``).
Rule = tuple[str, str, str, str]


def rules_of(factories: object) -> tuple[Rule, ...]:
    """The rules of a :class:`~compatshim._model.factory.FactoryTable` (``None``: none)."""
    return tuple(
        (
            paths.dotted(rule.cls),
            paths.dotted(rule.factory),
            rule.factory_module,
            rule.alias.legacy,
        )
        for rule in factories or ()  # type: ignore[attr-defined]
    )


# The pattern of the last table asked about (a worker reads every file with one table).
_compiled: list[tuple[StaticTable, re.Pattern[str]]] = []


def _needles(static: StaticTable) -> re.Pattern[str] | None:
    # The names a construction of a rule's class can be spelled with: the class's own name,
    # and the last component of every legacy path whose chain ends at the class.
    rules = static.factories
    if not rules:
        return None
    if _compiled and _compiled[0][0] is static:
        return _compiled[0][1]
    classes = {cls for cls, _, _, _ in rules}
    words = {cls.rpartition(".")[2] for cls in classes}
    for legacy, canonical in static.canonical.items():
        if paths.dotted(canonical) in classes:
            words.add(paths.parts(legacy)[-1])
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b")
    _compiled[:] = [(static, pattern)]
    return pattern


def find_constructions(
    text: str, source: Source, module: str | None, is_package: bool, static: StaticTable
) -> list[Finding]:
    """The direct constructions of ``text`` (the source of ``module``), as ``CS108`` findings
    whose column holds their offset until placed. A text that cannot name a rule's class
    costs one regular-expression search."""
    needles = _needles(static)
    if needles is None or needles.search(text) is None:
        return []
    rules = {cls: rule for rule in static.factories for cls in (rule[0],)}
    tree = parse(text)
    bound = _imports(tree, module, is_package)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        spelled = _dotted(node.func, bound)
        if spelled is None:
            continue
        canonical = _canonical(spelled, static)
        rule = rules.get(canonical)
        if rule is None or rule[2] == module:
            continue
        _, factory, _, key = rule
        found.append(
            Finding("CS108", source.start(node), f"{spelled}()", f"{factory}()", key, NOTE)
        )
    return found


def _imports(tree: ast.AST, module: str | None, is_package: bool) -> dict[str, str | None]:
    # name -> the dotted path its imports bind it to anywhere in the file (None: bound to
    # different paths, or also by something other than an import).
    bound: dict[str, str | None] = {}
    other: set[str] = set()

    def bind(name: str, path: str | None) -> None:
        bound[name] = path if bound.get(name, path) == path else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bind(alias.asname, alias.name)
                else:
                    top = alias.name.partition(".")[0]
                    bind(top, top)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(module, is_package, node.level, node.module)
            for alias in node.names:
                if alias.name != "*":
                    bind(alias.asname or alias.name, f"{base}.{alias.name}" if base else None)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            other.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(node.name)
        elif isinstance(node, ast.arg):
            other.add(node.arg)
    for name in other & bound.keys():
        bound[name] = None
    return bound


def _dotted(func: ast.expr, bound: dict[str, str | None]) -> str | None:
    # The dotted path a called expression spells, from a name an import bound.
    attrs = []
    while isinstance(func, ast.Attribute):
        attrs.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    root = bound.get(func.id)
    if root is None:
        return None
    return ".".join([root, *reversed(attrs)])


def _canonical(spelled: str, static: StaticTable) -> str:
    # Where a dotted path leads once the aliases' chains are followed.
    parts = spelled.split(".")
    match = static.legacy(parts)
    if match is None:
        return spelled
    return ".".join([*match.replacement, *parts[match.consumed :]])
