"""The one walk over a file's expressions: attribute chains and their scopes, string paths.

It collects what can spell a dotted path outside import statements: attribute chains rooted at
a name an import binds (``old.mod.Name``), string annotations read as code, and the string
arguments of the calls in ``_strings``. Every name is read in its scope (``scopes``): each
chain knows the variable it starts from, decided or not. Only names some import binds are ever
looked up, and a hand-written walk visits each node once.
"""

from __future__ import annotations

import ast

from .._base import paths
from .copies import Copy
from .copies import reachable
from .copies import record
from .copies import resolve
from .scopes import CLASS
from .scopes import COMPREHENSION
from .scopes import FUNCTION
from .scopes import MODULE
from .scopes import Scope
from .strings import TYPE_GENERICS
from .strings import call_style
from .strings import generic_name
from .strings import string_annotations
from .strings import string_ref


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .analyze import Analysis
    from .scopes import Symbol

__all__ = ["DEFINITIONS", "FUNCTIONS", "Chain", "expressions"]


class Chain:
    """A name bound by an import, and the attributes read off it: ``old.mod.Name``.

    ``ends[i]`` is the offset where the chain's first ``i`` attributes end (``ends[0]`` is the
    end of the name itself). A bare use of the name is a chain without attributes. ``symbol``
    is the variable the name reads there: its ``path`` when that is decided, else the paths it
    may hold and why it cannot be decided.
    """

    __slots__ = ("attrs", "ends", "root", "start", "symbol")

    def __init__(
        self, root: str, start: int, attrs: list[str], ends: list[int], symbol: Symbol
    ) -> None:
        self.root, self.start, self.attrs, self.ends = root, start, attrs, ends
        self.symbol = symbol

    @property
    def plain(self) -> bool:
        """Whether the name is bound by ``import name[.sub]``: its text spells the path."""
        return self.symbol.plain and self.symbol.path == self.root


def _chain_of(node: ast.Attribute, seen: set[int]) -> tuple[ast.expr, list[ast.Attribute]]:
    # The attribute nodes of a chain, innermost first, and what the chain starts from.
    nodes = [node]
    current: ast.expr = node.value
    while isinstance(current, ast.Attribute):
        seen.add(id(current))
        nodes.append(current)
        current = current.value
    nodes.reverse()
    return current, nodes


# Fields that never hold a node worth visiting (names, flags, contexts, operators).
_LEAF_FIELDS = frozenset(
    {"ctx", "op", "id", "attr", "name", "arg", "module", "level", "kind", "type_comment",
     "is_async", "conversion", "kwd_attrs", "asname", "rest", "simple", "tag"}
)  # fmt: skip
_NO_CHILDREN = (ast.Global, ast.Nonlocal, ast.Constant, getattr(ast, "MatchSingleton", ast.Pass))
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
DEFINITIONS = (*FUNCTIONS, ast.ClassDef)
_MATCH_NAMES = tuple(getattr(ast, n) for n in ("MatchAs", "MatchStar") if hasattr(ast, n))


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        names: tuple[str, ...] = getattr(kind, "_fields", ())
        fields = (
            ()
            if issubclass(kind, _NO_CHILDREN)
            else tuple(f for f in names if f not in _LEAF_FIELDS)
        )
        _CHILD_FIELDS[kind] = fields
    return fields


class _Enter:
    """A mark on the walk's stack: from here on, nodes belong to ``scope``."""

    __slots__ = ("scope",)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _parameters(arguments: ast.arguments) -> list[ast.arg]:
    found = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return found + [a for a in (arguments.vararg, arguments.kwarg) if a is not None]


def _enter(
    node: Any, current: Scope, analysis: Analysis, typed: set[int], names: frozenset[str]
) -> tuple[Scope, list[Any], list[Any]]:
    # A function, lambda, class or comprehension: its own scope, the nodes evaluated in it, and
    # the nodes evaluated in the enclosing scope (defaults, annotations, decorators, bases, the
    # first iterable). Names the definition binds are bound here.
    kind = node.__class__
    source = analysis.source
    declared = analysis.declared.get(id(node))
    if kind in _COMPREHENSIONS:
        scope = Scope(COMPREHENSION, current)
        first, *others = node.generators
        inner: list[Any] = [node.key, node.value] if kind is ast.DictComp else [node.elt]
        inner += [first.target, *first.ifs]
        for generator in others:
            inner += [generator.target, generator.iter, *generator.ifs]
        return scope, inner, [first.iter]
    # (Only names some import binds need a variable: no other name is ever looked up.)
    if kind is ast.ClassDef:
        if node.name in names:
            current.bind(node.name, "a class", node.lineno)
        scope = Scope(CLASS, current, declared)
        outer = [*node.decorator_list, *node.bases, *node.keywords]
        for parameter in getattr(node, "type_params", ()):
            if parameter.name in names:
                scope.bind(parameter.name, "a type parameter", node.lineno)
        return scope, node.body, outer
    scope = Scope(FUNCTION, current, declared)
    arguments = node.args
    outer = [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]
    for parameter in _parameters(arguments):
        analysis.bind(parameter.arg, None)
        if parameter.arg in names:
            scope.bind(parameter.arg, "a parameter", parameter.lineno)
        if parameter.annotation is not None:
            outer.append(parameter.annotation)
            outer += string_annotations(parameter.annotation, source, typed, names)
    if kind is ast.Lambda:
        return scope, [node.body], outer
    if node.name in names:
        current.bind(node.name, "a function", node.lineno)
    outer += node.decorator_list
    if node.returns is not None:
        outer.append(node.returns)
        outer += string_annotations(node.returns, source, typed, names)
    for parameter in getattr(node, "type_params", ()):
        if parameter.name in names:
            scope.bind(parameter.name, "a type parameter", node.lineno)
    return scope, node.body, outer


def expressions(analysis: Analysis, tree: ast.Module, roots: frozenset[str] | None) -> None:
    """Walk the expressions of ``tree``: its chains and string paths go to ``analysis``."""
    # Only names some import binds, and their copies (``p = pkg``), can start a chain: no other
    # name is ever looked up. Copies of copies are only known after a walk: then one more.
    names = frozenset(
        name for name, path in analysis.imported if roots is None or path.partition(".")[0] in roots
    )
    copies: list[Copy] = []
    walked = _walk(analysis, tree, names, copies)
    more = reachable(copies, names)
    if more != names:
        names, copies = more, []
        walked = _walk(analysis, tree, names, copies)
    module, scopes, by_node, calls, discarded = walked
    _bind_imports(analysis, module, by_node)
    for scope in scopes:
        if scope.redirected:
            scope.apply_redirected()
    if copies:
        resolve(copies)
    _collect_chains(analysis, scopes, calls, roots, discarded, names)


def _walk(
    analysis: Analysis, tree: ast.Module, names: frozenset[str], copies: list[Copy]
) -> tuple[Scope, list[Scope], dict[int, Scope], list[tuple[ast.Call, str]], set[int]]:
    # The one walk: every scope with its loads and attributes, the calls that may name a path,
    # and every copy of a name (``target = name.attr...``).
    source = analysis.source
    calls: list[tuple[ast.Call, str]] = []
    discarded: set[int] = set()  # calls whose result nothing reads
    typed: set[int] = set()  # string literals read as type expressions
    bind = analysis.bind
    module = current = Scope(MODULE, None)
    scopes = [module]
    by_node: dict[int, Scope] = {}  # definition -> its scope, for the imports in its body
    loads, attributes = current.loads, current.attributes
    # A hand-written walk: ast.walk's generators cost more than the rest of the analysis.
    stack: list[Any] = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    Name, Attribute, Call, Load, Store = ast.Name, ast.Attribute, ast.Call, ast.Load, ast.Store
    imports = (ast.Import, ast.ImportFrom)
    new_scope = (*DEFINITIONS, ast.Lambda, *_COMPREHENSIONS)
    while stack:
        node = pop()
        if node is None:
            continue
        kind = node.__class__
        if kind is Name:
            context = node.ctx.__class__
            if context is Load:
                if node.id in names:
                    loads.append(node)
            elif context is Store:
                bind(node.id, None)
                if node.id in names:
                    current.bind(node.id, "assigned", node.lineno)
            elif node.id in names:
                current.local(node.id)  # del: a variable of this scope, bound to nothing new
            continue
        if kind is Attribute:
            attributes.append(node)
            push(node.value)
            continue
        if kind is _Enter:
            current = node.scope
            loads, attributes = current.loads, current.attributes
            continue
        if kind in new_scope:
            # Its own nodes run between two marks; the enclosing scope's run first, as they are.
            scope, inner, outer = _enter(node, current, analysis, typed, names)
            if kind in DEFINITIONS:
                bind(node.name, None)
                by_node[id(node)] = scope
            scopes.append(scope)
            push(_Enter(current))
            extend(inner)
            push(_Enter(scope))
            extend(outer)
            continue
        if kind is Call:
            style = call_style(node)
            if style is not None:
                calls.append((node, style))
        elif kind is ast.Expr and node.value.__class__ is Call:
            discarded.add(id(node.value))
        elif kind is ast.Subscript and generic_name(node.value) in TYPE_GENERICS:
            extend(string_annotations(node.slice, source, typed, names))  # Union["a.B", C]
        elif kind in imports:
            continue  # read by _statements
        elif kind is ast.NamedExpr:
            # In a comprehension, it binds in the enclosing function (or module).
            target = current
            while target.kind == COMPREHENSION and target.parent is not None:
                target = target.parent
            bind(node.target.id, None)
            if node.target.id in names:
                target.bind(node.target.id, "assigned", node.lineno)
            record(copies, node.target, node.value, current, target)
            push(node.value)
            continue
        elif kind is ast.Assign:
            for assigned in node.targets:
                record(copies, assigned, node.value, current, current)
        elif kind is ast.AnnAssign:
            extend(string_annotations(node.annotation, source, typed, names))
            if node.value is not None:
                record(copies, node.target, node.value, current, current)
        elif (kind is ast.ExceptHandler or kind in _MATCH_NAMES) and node.name:
            bind(node.name, None)
            if node.name in names:
                current.bind(node.name, "assigned", node.lineno)
        elif kind.__name__ == "MatchMapping" and node.rest:
            bind(node.rest, None)
            if node.rest in names:
                current.bind(node.rest, "assigned", node.lineno)
        for field in _CHILD_FIELDS.get(kind) or _child_fields(kind):
            value = getattr(node, field, None)
            if value.__class__ is list:
                extend(value)
            elif value is not None:
                push(value)
    return module, scopes, by_node, calls, discarded


def _bind_imports(analysis: Analysis, module: Scope, by_node: dict[int, Scope]) -> None:
    # Each import binds its names in the scope of the body that holds it.
    for stmt in analysis.imports:
        node = stmt.scope_node
        scope = by_node.get(id(node), module) if node is not None else module
        for index, (name, asname) in enumerate(stmt.names):
            if name == "*":
                continue
            if stmt.module is None and stmt.level == 0:  # import a.b [as c]
                if asname:
                    symbol = scope.bind_import(asname, stmt, name, False)
                else:
                    top = name.partition(".")[0]
                    symbol = scope.bind_import(top, stmt, top, True)
            else:
                path = f"{stmt.module}.{name}" if stmt.module else None
                symbol = scope.bind_import(asname or name, stmt, path, False)
            stmt.symbols[index] = symbol


def _concerns(symbol: Symbol, roots: frozenset[str] | None) -> bool:
    # Whether a variable may hold a module path that can concern the table.
    if roots is None:
        return bool(symbol.paths)
    return any(path.partition(".")[0] in roots for path in symbol.paths)


def _chain_start(chain: Chain) -> int:
    return chain.start


def _collect_chains(
    analysis: Analysis,
    scopes: list[Scope],
    calls: list[tuple[ast.Call, str]],
    roots: frozenset[str] | None,
    discarded: set[int],
    names: frozenset[str],
) -> None:
    source = analysis.source
    seen: set[int] = set()
    in_chain: set[int] = set()
    after_call: dict[int, list[ast.Attribute]] = {}
    chains = analysis.chains
    for scope in scopes:
        lookup = scope.lookup
        for node in scope.attributes:  # outermost first: the walk visits a node before its children
            if id(node) in seen:
                continue
            base, nodes = _chain_of(node, seen)
            if isinstance(base, ast.Name):
                in_chain.add(id(base))
                if base.id in names:
                    symbol = lookup(base.id)
                    if symbol is not None and _concerns(symbol, roots):
                        ends = [source.end(base), *(source.end(n) for n in nodes)]
                        attrs = [n.attr for n in nodes]
                        chains.append(Chain(base.id, source.start(base), attrs, ends, symbol))
            elif isinstance(base, ast.Call):
                after_call[id(base)] = nodes
        for name in scope.loads:  # (only names some import binds)
            if id(name) not in in_chain:
                symbol = lookup(name.id)
                if symbol is not None and _concerns(symbol, roots):
                    start, end = source.start(name), source.end(name)
                    chains.append(Chain(name.id, start, [], [end], symbol))
    chains.sort(key=_chain_start)
    for call, style in calls:
        ref = string_ref(call, style, source)
        first = paths.root(ref.value) if ref is not None else ""
        if ref is None or (roots is not None and first not in roots):
            continue
        ref.discarded = id(call) in discarded
        following = after_call.get(id(call))
        if following and style == "module" and not ref.computed:
            ref.attrs = [n.attr for n in following]
            ref.attr_ends = [source.end(n) for n in following]
        analysis.strings.append(ref)
