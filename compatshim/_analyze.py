"""What one source file says about module paths, read with ``ast`` and never imported.

One walk over the tree collects the three places a dotted path can appear: import statements,
attribute chains rooted at a name an import bound (``old.mod.Name``), and string literals passed
to the functions that resolve them (``import_module``, ``mock.patch``, ``monkeypatch.setattr``,
``pkgutil.resolve_name``). It also records how every name is bound, which is what tells
``migrate`` whether a rewrite is safe. ``_findings`` turns this into findings for one alias table.
"""

from __future__ import annotations

import ast

from ._scopes import CLASS
from ._scopes import COMPREHENSION
from ._scopes import FUNCTION
from ._scopes import MODULE
from ._scopes import Scope
from ._source import Source


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from ._scopes import Symbol
    from ._static import StaticTable

__all__ = ["Analysis", "Chain", "ImportStmt", "StringRef", "analyze", "parse"]

# The calls whose first argument is a dotted path, by the name they are called through, and how
# that argument spells it: "module" (a module), "object" (a module then attributes, as
# mock.patch wants), "resolve" (pkgutil.resolve_name's "pkg.mod:Name" or dotted form),
# "toplevel" (__import__ without a fromlist, which returns the top-level package).
STRING_CALLS = {
    "import_module": "module",
    "__import__": "toplevel",
    "patch": "object",
    "multiple": "module",
    "setattr": "object",
    "delattr": "object",
    "resolve_name": "resolve",
}
_TARGET_KEYWORDS = ("name", "target")

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# The fields of statements that hold statements (match cases and except handlers included).
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
# Which of them each statement class has (none for simple statements).
_BODY_FIELDS: dict[type, tuple[str, ...]] = {}

# A name bound by something other than one consistent import.
UNRESOLVED = None


class ImportStmt:
    """One ``import`` or ``from ... import`` statement and where it is in the text."""

    __slots__ = ("_source", "in_class", "level", "module", "names", "node", "scope_node",
                 "star", "symbols", "toplevel")  # fmt: skip

    def __init__(self, node: ast.Import | ast.ImportFrom, source: Source, absolute: str | None):
        self.node = node
        self._source = source
        #: The absolute module of ``from <module> import``; ``None`` for ``import`` statements
        #: and for relative imports that cannot be resolved (the file is not in a package).
        self.module = absolute
        self.level = node.level if isinstance(node, ast.ImportFrom) else 0
        self.names = [(a.name, a.asname) for a in node.names]
        self.star = self.names == [("*", None)]
        #: Whether it runs in the module's own scope (not inside a function or class).
        self.toplevel = False
        #: Whether it runs in a class body: what it binds is a class attribute too.
        self.in_class = False
        #: The function or class whose body it is in (``None``: the module's).
        self.scope_node: ast.AST | None = None
        #: The variable each name binds (see ``_scopes``), once the expressions were walked.
        self.symbols: list[Symbol | None] = [None] * len(self.names)

    @property
    def start(self) -> int:
        """The offset where the statement starts."""
        return self._source.start(self.node)

    @property
    def end(self) -> int:
        """The offset where the statement ends."""
        return self._source.end(self.node)


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


class StringRef:
    """A string literal that names a dotted path, passed to a call in :data:`STRING_CALLS`.

    ``attrs`` are attributes read directly off the call's result
    (``import_module("old.mod").Name``), with ``attr_ends`` as in :class:`Chain`; ``computed``
    marks an f-string or concatenation whose constant prefix is all that is known.
    """

    __slots__ = ("attr_ends", "attrs", "computed", "discarded", "end", "start", "style", "value")

    def __init__(self, start: int, end: int, value: str, style: str, computed: bool) -> None:
        self.start, self.end, self.value, self.style = start, end, value, style
        self.computed = computed
        self.attrs: list[str] = []
        self.attr_ends: list[int] = []
        #: The call is a statement of its own: nothing reads its result.
        self.discarded = False


class Analysis:
    """Everything :func:`analyze` found in one file."""

    __slots__ = ("bound", "chains", "declared", "imported", "imports", "plain", "source", "strings")

    def __init__(self, source: Source) -> None:
        self.source = source
        self.imports: list[ImportStmt] = []
        self.chains: list[Chain] = []
        self.strings: list[StringRef] = []
        #: name -> the dotted path its imports bind it to anywhere in the file, or UNRESOLVED
        #: when anything else binds it too, in any scope (an assignment, a parameter, imports
        #: of different paths). Which binding each *use* reads is the chains' ``symbol``.
        self.bound: dict[str, str | None] = {}
        #: names bound by a plain ``import a.b``, whose text is the path itself.
        self.plain: set[str] = set()
        #: Every (name, path) an import binds, whatever else binds the name.
        self.imported: set[tuple[str, str]] = set()
        #: scope node (a function or class definition) -> its global and nonlocal declarations.
        self.declared: dict[int, dict[str, str]] = {}


def absolute(module: str | None, is_package: bool, level: int, name: str | None) -> str | None:
    """Resolve the module of a relative ``from`` import in ``module``; ``None`` if impossible."""
    if not level:
        return name
    if not module:
        return None
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(parts) or (level - 1 == len(parts) and not name):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, name] if name else base) or None


def _bind(analysis: Analysis, name: str, path: str | None) -> None:
    bound = analysis.bound
    if name in bound and bound[name] != path:
        bound[name] = UNRESOLVED
    else:
        bound[name] = path


def _call_style(call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return STRING_CALLS.get(name) if name else None


def _string_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg in _TARGET_KEYWORDS:
            return keyword.value
    return None


def _has_fromlist(call: ast.Call) -> bool:
    # __import__("a.b", g, l, ["x"]) returns a.b itself; without a fromlist it returns a.
    fromlist = call.args[3] if len(call.args) > 3 else None
    for keyword in call.keywords:
        if keyword.arg == "fromlist":
            fromlist = keyword.value
    if fromlist is None or (isinstance(fromlist, ast.Constant) and not fromlist.value):
        return False
    return not (isinstance(fromlist, (ast.List, ast.Tuple)) and not fromlist.elts)


def _relative(call: ast.Call) -> bool:
    # __import__(name, globals, locals, fromlist, level) with a level that is not 0: the name is
    # relative to the calling package, not an absolute path.
    level = call.args[4] if len(call.args) > 4 else None
    for keyword in call.keywords:
        if keyword.arg == "level":
            level = keyword.value
    return level is not None and not (isinstance(level, ast.Constant) and level.value == 0)


def _string_ref(call: ast.Call, style: str, source: Source) -> StringRef | None:
    if style == "toplevel" and _relative(call):
        return None
    if style == "toplevel" and _has_fromlist(call):
        style = "module"
    argument = _string_argument(call)
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        value = argument.value
        if style == "object" and "." not in value:
            return None  # builtin setattr(obj, "name", ...) and the like
        return StringRef(source.start(argument), source.end(argument), value, style, False)
    # An f-string or "prefix" + name: only its constant prefix is known.
    first: ast.expr | None = None
    if isinstance(argument, ast.JoinedStr) and argument.values:
        first = argument.values[0]
    elif isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Add):
        first = argument.left
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value:
        assert argument is not None
        prefix = first.value.rpartition(".")[0].replace(":", ".")
        return StringRef(source.start(argument), source.end(argument), prefix, style, True)
    return None


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
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFINITIONS = (*_FUNCTIONS, ast.ClassDef)
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


def parse(text: str, mode: str = "exec") -> ast.AST:
    """``ast.parse``, without the warnings the compiler emits about the code (invalid escape
    sequences, ``is`` with a literal...): they concern the scanned code, not the scan, and would
    name no file. A syntax error still raises."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, mode=mode)
    except SyntaxError as exc:
        if exc.lineno is None and "\0" in text:  # 3.11+: null bytes, without a line
            exc.lineno = text.count("\n", 0, text.index("\0")) + 1
        raise
    except ValueError as exc:  # 3.9, 3.10: null bytes
        if "\0" not in text:
            raise
        error = SyntaxError(str(exc))
        error.lineno = text.count("\n", 0, text.index("\0")) + 1
        raise error from None
    except (RecursionError, MemoryError) as exc:
        # CPython's own parser gives up on this code (it cannot compile it either).
        error = SyntaxError(f"too deeply nested for Python's parser ({type(exc).__name__})")
        error.lineno = _most_complex_line(text)
        raise error from None


def _most_complex_line(text: str) -> int | None:
    # Where the statement with the most tokens starts: what made the parser give up, most likely.
    import io
    import tokenize

    best, best_count, start, count = None, 0, None, 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if start is None:
                start = token.start[0]
            count += 1
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if count > best_count:
                    best, best_count = start, count
                start, count = None, 0
    except (SyntaxError, tokenize.TokenError):
        return best
    return best


def analyze(
    text: str,
    module: str | None = None,
    is_package: bool = False,
    static: StaticTable | None = None,
    *,
    present: Sequence[str] | None = None,
) -> Analysis:
    """Read one file's source.

    :param module: the file's dotted module name, to resolve relative imports.
    :param present: the first components of ``static``'s paths that the text contains, when
        the caller knows them (the pre-filter found them): only they are looked for in quotes.
    :param static: if given, only what can concern its paths is collected: when no name is
        bound to such a path and no string spells one, the expressions are not even walked.
    :raises SyntaxError: if the text does not parse.
    """
    tree = parse(text)
    assert isinstance(tree, ast.Module)
    analysis = Analysis(Source(text))
    _statements(analysis, tree, module, is_package)
    roots = static.all_roots if static is not None else None
    if static is None or _worth_walking(analysis, text, static, present):
        _expressions(analysis, tree, roots)
    return analysis


def _worth_walking(
    analysis: Analysis, text: str, static: StaticTable, present: Sequence[str] | None
) -> bool:
    # Attribute chains matter for names bound to a path that is, or leads to, a legacy path (or
    # to a canonical one, to count its uses); strings for files that quote such a path. Every
    # import counts, even of a name bound otherwise too: its uses are reported as unresolved.
    for name, path in analysis.imported:
        if name in analysis.plain and path == name:
            if name in static.all_roots:
                return True
        elif static.leads_to_legacy(path):
            return True
    quoted = static.quoted_roots
    if quoted is None:
        return True
    if present is not None:
        return any(f"{quote}{root}" in text for root in present for quote in "\"'")
    return any(needle in text for needle in quoted)


def _statements(analysis: Analysis, tree: ast.Module, module: str | None, is_package: bool) -> None:
    # Every import statement, wherever it is, whether it runs in the module's own scope, and the
    # function or class whose body holds it; and the global and nonlocal declarations.
    source = analysis.source
    bind = _bind
    imported = analysis.imported
    pending: list[tuple[Any, bool, bool, Any]] = [
        (node, True, False, None) for node in reversed(tree.body)
    ]
    while pending:
        node, toplevel, in_class, scope = pending.pop()
        kind = node.__class__
        if kind is ast.Import:
            stmt = ImportStmt(node, source, None)
            for alias in node.names:
                if alias.asname:
                    bind(analysis, alias.asname, alias.name)
                    imported.add((alias.asname, alias.name))
                else:
                    top = alias.name.partition(".")[0]
                    bind(analysis, top, top)
                    imported.add((top, top))
                    analysis.plain.add(top)
        elif kind is ast.ImportFrom:
            path = absolute(module, is_package, node.level, node.module)
            stmt = ImportStmt(node, source, path)
            for alias in node.names:
                if alias.name != "*":
                    bound = f"{path}.{alias.name}" if path else UNRESOLVED
                    bind(analysis, alias.asname or alias.name, bound)
                    if bound is not None:
                        imported.add((alias.asname or alias.name, bound))
        else:
            fields = _BODY_FIELDS.get(kind)
            if fields is None:
                fields = _BODY_FIELDS[kind] = tuple(f for f in _BODIES if f in kind._fields)
            if fields:  # a compound statement
                inner = toplevel and not isinstance(node, _SCOPES)
                body_of_class = kind is ast.ClassDef or (in_class and kind not in _FUNCTIONS)
                body_scope = node if kind in _DEFINITIONS else scope
                for field in fields:
                    children = getattr(node, field)
                    if children:
                        pending.extend(
                            (child, inner, body_of_class, body_scope)
                            for child in reversed(children)
                        )
            elif kind is ast.Global or kind is ast.Nonlocal:
                # The function binds a module-level (or enclosing) name: no longer one import's.
                declaration = "global" if kind is ast.Global else "nonlocal"
                declared = analysis.declared.setdefault(id(scope), {})
                for name in node.names:
                    bind(analysis, name, UNRESOLVED)
                    declared[name] = declaration
            continue
        stmt.toplevel = toplevel
        stmt.in_class = in_class
        stmt.scope_node = scope
        analysis.imports.append(stmt)
    if analysis.imports:
        analysis.imports.sort(key=_in_text_order)


def _in_text_order(stmt: ImportStmt) -> tuple[int, int]:
    return stmt.node.lineno, stmt.node.col_offset


#: Generic types whose subscripts are type expressions, even outside annotations (type aliases
#: such as ``Handler = Union["old.mod.Handler", None]``); ``Literal`` and ``Annotated``'s
#: metadata hold values, so neither is here.
TYPE_GENERICS = frozenset(
    {"Union", "Optional", "List", "Dict", "Set", "FrozenSet", "Tuple", "Type", "Callable",
     "ClassVar", "Final", "Sequence", "MutableSequence", "Mapping", "MutableMapping", "Iterable",
     "Iterator", "Generator", "AsyncIterator", "AsyncIterable", "AsyncGenerator", "Awaitable",
     "Coroutine", "Collection", "Container", "DefaultDict", "OrderedDict", "Deque", "TypeGuard",
     "TypeIs", "Required", "NotRequired", "ReadOnly", "list", "dict", "set", "frozenset",
     "tuple", "type"}
)  # fmt: skip


def _generic_name(node: ast.expr) -> str | None:
    # "Union" for Union and typing.Union.
    if node.__class__ is ast.Name:
        return node.id
    if node.__class__ is ast.Attribute:
        return node.attr
    return None


def _string_annotations(
    annotation: ast.expr, source: Source, seen: set[int], names: frozenset[str] | None = None
) -> list[ast.expr]:
    # The expressions spelled by the string literals of a type expression ("old.mod.Name", or
    # Optional["old.mod.Name"]): typing.get_type_hints evaluates them, so they use the names
    # they mention. Their nodes get the positions of their text inside the file, so that they
    # read as ordinary code. Only plain one-line literals, whose text is exactly their value,
    # that mention one of ``names`` (the names an import binds: no chain starts elsewhere);
    # not the values of Literal[...] nor the metadata of Annotated[...]. ``seen`` holds the
    # literals already read (an annotation's subscripts are met again).
    found: list[ast.expr] = []
    pending: list[ast.AST] = [annotation]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Subscript):
            generic = _generic_name(node.value)
            if generic == "Literal":
                continue
            if generic == "Annotated" and isinstance(node.slice, ast.Tuple):
                pending.extend(node.slice.elts[:1])
                continue
        if not isinstance(node, ast.Constant):
            pending.extend(ast.iter_child_nodes(node))
            continue
        value = node.value
        if value.__class__ is not str or id(node) in seen:
            continue
        seen.add(id(node))
        if names is not None and not any(name in value for name in names):
            continue
        if node.end_lineno != node.lineno:
            continue
        start = source.start(node)
        quote = source.text[start : start + 1]
        if quote not in ("'", '"'):
            continue
        if source.text[start : source.end(node)] != f"{quote}{value}{quote}":
            continue
        try:
            expression = parse(value, mode="eval").body  # type: ignore[attr-defined]
        except SyntaxError:
            continue  # not a type expression; nothing it names is used
        shift = node.col_offset + 1  # UTF-8 columns, as ast gives them
        for inner in ast.walk(expression):
            if isinstance(inner, ast.expr):
                inner.lineno = inner.end_lineno = node.lineno
                inner.col_offset += shift
                inner.end_col_offset = (inner.end_col_offset or 0) + shift
        found.append(expression)
    return found


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
        _bind(analysis, parameter.arg, UNRESOLVED)
        if parameter.arg in names:
            scope.bind(parameter.arg, "a parameter", parameter.lineno)
        if parameter.annotation is not None:
            outer.append(parameter.annotation)
            outer += _string_annotations(parameter.annotation, source, typed, names)
    if kind is ast.Lambda:
        return scope, [node.body], outer
    if node.name in names:
        current.bind(node.name, "a function", node.lineno)
    outer += node.decorator_list
    if node.returns is not None:
        outer.append(node.returns)
        outer += _string_annotations(node.returns, source, typed, names)
    for parameter in getattr(node, "type_params", ()):
        if parameter.name in names:
            scope.bind(parameter.name, "a type parameter", node.lineno)
    return scope, node.body, outer


def _expressions(analysis: Analysis, tree: ast.Module, roots: frozenset[str] | None) -> None:
    source = analysis.source
    calls: list[tuple[ast.Call, str]] = []
    discarded: set[int] = set()  # calls whose result nothing reads
    typed: set[int] = set()  # string literals read as type expressions
    bind = _bind
    # Only names some import binds can start a chain: no other name is ever looked up.
    names = frozenset(
        name for name, path in analysis.imported if roots is None or path.partition(".")[0] in roots
    )
    module = current = Scope(MODULE, None)
    scopes = [module]
    by_node: dict[int, Scope] = {}  # definition -> its scope, for the imports in its body
    loads, attributes = current.loads, current.attributes
    # A hand-written walk: ast.walk's generators cost more than the rest of the analysis.
    stack: list[Any] = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    Name, Attribute, Call, Load, Store = ast.Name, ast.Attribute, ast.Call, ast.Load, ast.Store
    imports = (ast.Import, ast.ImportFrom)
    new_scope = (*_DEFINITIONS, ast.Lambda, *_COMPREHENSIONS)
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
                bind(analysis, node.id, UNRESOLVED)
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
            if kind in _DEFINITIONS:
                bind(analysis, node.name, UNRESOLVED)
                by_node[id(node)] = scope
            scopes.append(scope)
            push(_Enter(current))
            extend(inner)
            push(_Enter(scope))
            extend(outer)
            continue
        if kind is Call:
            style = _call_style(node)
            if style is not None:
                calls.append((node, style))
        elif kind is ast.Expr and node.value.__class__ is Call:
            discarded.add(id(node.value))
        elif kind is ast.Subscript and _generic_name(node.value) in TYPE_GENERICS:
            extend(_string_annotations(node.slice, source, typed, names))  # Union["a.B", C]
        elif kind in imports:
            continue  # read by _statements
        elif kind is ast.NamedExpr:
            # In a comprehension, it binds in the enclosing function (or module).
            target = current
            while target.kind == COMPREHENSION and target.parent is not None:
                target = target.parent
            bind(analysis, node.target.id, UNRESOLVED)
            if node.target.id in names:
                target.bind(node.target.id, "assigned", node.lineno)
            push(node.value)
            continue
        elif kind is ast.AnnAssign:
            extend(_string_annotations(node.annotation, source, typed, names))
        elif (kind is ast.ExceptHandler or kind in _MATCH_NAMES) and node.name:
            bind(analysis, node.name, UNRESOLVED)
            if node.name in names:
                current.bind(node.name, "assigned", node.lineno)
        elif kind.__name__ == "MatchMapping" and node.rest:
            bind(analysis, node.rest, UNRESOLVED)
            if node.rest in names:
                current.bind(node.rest, "assigned", node.lineno)
        for field in _CHILD_FIELDS.get(kind) or _child_fields(kind):
            value = getattr(node, field, None)
            if value.__class__ is list:
                extend(value)
            elif value is not None:
                push(value)
    _bind_imports(analysis, module, by_node)
    for scope in scopes:
        if scope.redirected:
            scope.apply_redirected()
    _collect_chains(analysis, scopes, calls, roots, discarded, names)


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
        ref = _string_ref(call, style, source)
        first = ref.value.replace(":", ".").split(".", 1)[0] if ref is not None else ""
        if ref is None or (roots is not None and first not in roots):
            continue
        ref.discarded = id(call) in discarded
        following = after_call.get(id(call))
        if following and style == "module" and not ref.computed:
            ref.attrs = [n.attr for n in following]
            ref.attr_ends = [source.end(n) for n in following]
        analysis.strings.append(ref)
