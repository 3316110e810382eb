"""String literals that name a dotted path: the first argument of the calls that resolve one,
and the string annotations that code spells as strings.

``importlib.import_module("old.mod")``, ``__import__``, ``mock.patch("old.mod.Name")``,
``mock.patch.multiple``, ``monkeypatch.setattr``/``delattr`` and ``pkgutil.resolve_name`` take a
path as a string; :func:`string_ref` reads it from such a call, with how the call spells it.
A string annotation (``x: "old.mod.Name"``) is code in a string: :func:`string_annotations`
parses it, so that the walk reads it as code (``walk``).
"""

from __future__ import annotations

import ast

from .._base import paths
from .source import parse


TYPE_CHECKING = False
if TYPE_CHECKING:
    from .source import Source

__all__ = [
    "STRING_CALLS",
    "TYPE_GENERICS",
    "StringRef",
    "call_style",
    "generic_name",
    "string_annotations",
    "string_ref",
]

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


def call_style(call: ast.Call) -> str | None:
    """How the call named like one of :data:`STRING_CALLS` spells its path, if it is one."""
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


def string_ref(call: ast.Call, style: str, source: Source) -> StringRef | None:
    """The path the call's first argument names, or ``None`` (not a path, or a relative one)."""
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
        prefix = paths.dotted(first.value.rpartition(".")[0])
        return StringRef(source.start(argument), source.end(argument), prefix, style, True)
    return None


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


def generic_name(node: ast.expr) -> str | None:
    """The name a generic is read by: ``"Union"`` for ``Union`` and ``typing.Union``."""
    if node.__class__ is ast.Name:
        return node.id
    if node.__class__ is ast.Attribute:
        return node.attr
    return None


def string_annotations(
    annotation: ast.expr, source: Source, seen: set[int], names: frozenset[str] | None = None
) -> list[ast.expr]:
    """The expressions spelled by the string literals of a type expression (``"old.mod.Name"``,
    or ``Optional["old.mod.Name"]``): ``typing.get_type_hints`` evaluates them, so they use the
    names they mention. Their nodes get the positions of their text inside the file, so that
    they read as ordinary code.

    Only plain one-line literals, whose text is exactly their value, that mention one of
    ``names`` (the names an import binds: no chain starts elsewhere); not the values of
    ``Literal[...]`` nor the metadata of ``Annotated[...]``. ``seen`` holds the literals already
    read (an annotation's subscripts are met again).
    """
    found: list[ast.expr] = []
    pending: list[ast.AST] = [annotation]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Subscript):
            generic = generic_name(node.value)
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
