"""String literals that name a dotted path: the first argument of the calls that resolve one.

``importlib.import_module("old.mod")``, ``__import__``, ``mock.patch("old.mod.Name")``,
``mock.patch.multiple``, ``monkeypatch.setattr``/``delattr`` and ``pkgutil.resolve_name`` take a
path as a string; :func:`string_ref` reads it from such a call, with how the call spells it.
"""

from __future__ import annotations

import ast

from .._base import paths


TYPE_CHECKING = False
if TYPE_CHECKING:
    from .source import Source

__all__ = ["STRING_CALLS", "StringRef", "call_style", "string_ref"]

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
