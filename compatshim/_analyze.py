"""What one source file says about module paths, read with ``ast`` and never imported.

One walk over the tree collects the three places a dotted path can appear: import statements,
attribute chains rooted at a name an import bound (``old.mod.Name``), and string literals passed
to the functions that resolve them (``import_module``, ``mock.patch``, ``monkeypatch.setattr``,
``pkgutil.resolve_name``). It also records how every name is bound, which is what tells
``migrate`` whether a rewrite is safe. ``_findings`` turns this into findings for one alias table.
"""

from __future__ import annotations

import ast

from ._source import Source


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Analysis", "Chain", "ImportStmt", "StringRef", "analyze"]

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

# A name bound by something other than one consistent import.
UNRESOLVED = None


class ImportStmt:
    """One ``import`` or ``from ... import`` statement and where it is in the text."""

    __slots__ = ("end", "level", "module", "names", "node", "star", "start", "toplevel")

    def __init__(self, node: ast.Import | ast.ImportFrom, source: Source, absolute: str | None):
        self.node = node
        self.start = source.start(node)
        self.end = source.end(node)
        #: The absolute module of ``from <module> import``; ``None`` for ``import`` statements
        #: and for relative imports that cannot be resolved (the file is not in a package).
        self.module = absolute
        self.level = node.level if isinstance(node, ast.ImportFrom) else 0
        self.names = [(a.name, a.asname) for a in node.names]
        self.star = self.names == [("*", None)]
        #: Whether it runs in the module's own scope (not inside a function or class).
        self.toplevel = False


class Chain:
    """A name bound by an import, and the attributes read off it: ``old.mod.Name``.

    ``ends[i]`` is the offset where the chain's first ``i`` attributes end (``ends[0]`` is the
    end of the name itself). A bare use of the name is a chain without attributes.
    """

    __slots__ = ("attrs", "ends", "root", "start")

    def __init__(self, root: str, start: int, attrs: list[str], ends: list[int]) -> None:
        self.root, self.start, self.attrs, self.ends = root, start, attrs, ends


class StringRef:
    """A string literal that names a dotted path, passed to a call in :data:`STRING_CALLS`.

    ``attrs`` are attributes read directly off the call's result
    (``import_module("old.mod").Name``), with ``attr_ends`` as in :class:`Chain`; ``computed``
    marks an f-string or concatenation whose constant prefix is all that is known.
    """

    __slots__ = ("attr_ends", "attrs", "computed", "end", "start", "style", "value")

    def __init__(self, start: int, end: int, value: str, style: str, computed: bool) -> None:
        self.start, self.end, self.value, self.style = start, end, value, style
        self.computed = computed
        self.attrs: list[str] = []
        self.attr_ends: list[int] = []


class Analysis:
    """Everything :func:`analyze` found in one file."""

    __slots__ = ("bound", "chains", "imports", "plain", "source", "strings")

    def __init__(self, source: Source) -> None:
        self.source = source
        self.imports: list[ImportStmt] = []
        self.chains: list[Chain] = []
        self.strings: list[StringRef] = []
        #: name -> the dotted path its imports bind it to, or UNRESOLVED when it is bound by
        #: anything else too (an assignment, a parameter, imports of different paths).
        self.bound: dict[str, str | None] = {}
        #: names bound by a plain ``import a.b``, whose text is the path itself.
        self.plain: set[str] = set()


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


def _bound_names(node: ast.AST) -> Iterator[str]:
    # Names a node binds other than through an import.
    if isinstance(node, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            yield node.id
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name
    elif isinstance(node, ast.arg):
        yield node.arg
    elif isinstance(node, ast.ExceptHandler):
        if node.name:
            yield node.name
    elif type(node).__name__ in ("MatchAs", "MatchStar", "MatchMapping"):
        name = getattr(node, "name", None) or getattr(node, "rest", None)
        if name:
            yield name


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


def _string_ref(call: ast.Call, style: str, source: Source) -> StringRef | None:
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


def analyze(text: str, module: str | None = None, is_package: bool = False) -> Analysis:
    """Read one file's source.

    :param module: the file's dotted module name, to resolve relative imports.
    :raises SyntaxError: if the text does not parse.
    """
    tree = ast.parse(text)
    source = Source(text)
    analysis = Analysis(source)
    attributes: list[ast.Attribute] = []
    loads: list[ast.Name] = []
    calls: list[tuple[ast.Call, str]] = []
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Attribute:
            attributes.append(node)  # type: ignore[arg-type]
        elif kind is ast.Name:
            if isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                loads.append(node)  # type: ignore[arg-type]
            else:
                _bind(analysis, node.id, UNRESOLVED)  # type: ignore[attr-defined]
        elif kind is ast.Call:
            style = _call_style(node)  # type: ignore[arg-type]
            if style is not None:
                calls.append((node, style))  # type: ignore[arg-type]
        elif kind is ast.Import:
            analysis.imports.append(ImportStmt(node, source, None))  # type: ignore[arg-type]
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.asname:
                    _bind(analysis, alias.asname, alias.name)
                else:
                    top = alias.name.partition(".")[0]
                    _bind(analysis, top, top)
                    analysis.plain.add(top)
        elif kind is ast.ImportFrom:
            path = absolute(module, is_package, node.level, node.module)  # type: ignore[attr-defined]
            analysis.imports.append(ImportStmt(node, source, path))  # type: ignore[arg-type]
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.name != "*":
                    bound = f"{path}.{alias.name}" if path else UNRESOLVED
                    _bind(analysis, alias.asname or alias.name, bound)
        else:
            for name in _bound_names(node):
                _bind(analysis, name, UNRESOLVED)
    _mark_toplevel(analysis, tree)
    _collect_chains(analysis, attributes, loads, calls)
    return analysis


def _mark_toplevel(analysis: Analysis, tree: ast.Module) -> None:
    # Imports in the module's scope: under if/try/with/loops, never inside a def or class.
    found: set[int] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.add(id(node))
        elif isinstance(node, ast.stmt) and not isinstance(node, _SCOPES):
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                pending.extend(getattr(node, field, ()))
        elif isinstance(node, (ast.ExceptHandler, getattr(ast, "match_case", ast.ExceptHandler))):
            pending.extend(node.body)  # type: ignore[attr-defined]
    for stmt in analysis.imports:
        stmt.toplevel = id(stmt.node) in found


def _collect_chains(
    analysis: Analysis,
    attributes: list[ast.Attribute],
    loads: list[ast.Name],
    calls: list[tuple[ast.Call, str]],
) -> None:
    source = analysis.source
    bound = analysis.bound
    seen: set[int] = set()
    in_chain: set[int] = set()
    after_call: dict[int, list[ast.Attribute]] = {}
    for node in attributes:  # outermost first: ast.walk is breadth-first
        if id(node) in seen:
            continue
        base, nodes = _chain_of(node, seen)
        if isinstance(base, ast.Name):
            in_chain.add(id(base))
            if bound.get(base.id) is not None:
                ends = [source.end(base), *(source.end(n) for n in nodes)]
                attrs = [n.attr for n in nodes]
                analysis.chains.append(Chain(base.id, source.start(base), attrs, ends))
        elif isinstance(base, ast.Call):
            after_call[id(base)] = nodes
    for name in loads:
        if id(name) not in in_chain and bound.get(name.id) is not None:
            analysis.chains.append(Chain(name.id, source.start(name), [], [source.end(name)]))
    for call, style in calls:
        ref = _string_ref(call, style, source)
        if ref is None:
            continue
        following = after_call.get(id(call))
        if following and style == "module" and not ref.computed:
            ref.attrs = [n.attr for n in following]
            ref.attr_ends = [source.end(n) for n in following]
        analysis.strings.append(ref)
