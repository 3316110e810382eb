"""Python's scopes for one module: which binding each use of a name reads, decided statically.

A name used in a function is that function's own variable if the function binds it anywhere
(an assignment, a parameter, an import, a ``for`` target, ``del``...), unless it is declared
``global`` or ``nonlocal``; otherwise it is looked up in the enclosing functions, then in the
module. Class bodies are scopes too, but the functions and comprehensions inside a class do not
see them. Comprehensions and lambdas are functions; a comprehension's first iterable and a
function's defaults, annotations and decorators belong to the enclosing scope; an assignment
expression in a comprehension binds in the enclosing function.

Each variable is a :class:`Symbol`: the import paths that bind it, and whether anything else
binds it too. The order of statements is not followed, so a name bound by an import of one path
and by anything else in the same scope (another import, an assignment, a parameter), or bound
from another scope through ``global`` or ``nonlocal``, holds a module only sometimes: compatshim
cannot decide its uses, and says so (``Symbol.why``) rather than guess.
"""

from __future__ import annotations


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .analyze import ImportStmt

__all__ = ["CLASS", "COMPREHENSION", "FUNCTION", "MODULE", "Scope", "Symbol"]

MODULE, FUNCTION, CLASS, COMPREHENSION = "module", "function", "class", "comprehension"
_NONE: dict[str, str] = {}  # no declarations (shared, never written)


class Symbol:
    """One variable: a name in one scope, and everything that binds it."""

    __slots__ = ("imports", "name", "other", "paths", "plain")

    def __init__(self, name: str) -> None:
        self.name = name
        #: The module paths imports bind it to (``None`` for a relative import that cannot be
        #: resolved), without repeats.
        self.paths: list[str] = []
        #: Bound by a plain ``import name`` or ``import name.sub`` (the text spells the path).
        self.plain = False
        #: What else binds it, and where: the first such binding, as (what, line).
        self.other: tuple[str, int] | None = None
        #: The import statements that bind it.
        self.imports: list[ImportStmt] = []

    @property
    def path(self) -> str | None:
        """The one module path the name holds, when imports of that path alone bind it."""
        paths = self.paths
        return paths[0] if self.other is None and len(paths) == 1 else None

    @property
    def undecidable(self) -> bool:
        """Whether the name is bound to a module path by an import, but not only by that."""
        return bool(self.paths) and (self.other is not None or len(self.paths) > 1)

    @property
    def why(self) -> str:
        """Why its uses cannot be decided: ``'pkg' is also a parameter (line 4)``."""
        if self.other is not None:
            what, line = self.other
            also = "" if what.startswith("assigned from") and not self.imports else " also"
            return f"'{self.name}' is{also} {what}" + (f" (line {line})" if line else "")
        return f"'{self.name}' is imported from {' and from '.join(self.paths)}"

    def add_import(self, stmt: ImportStmt, path: str | None, plain: bool) -> None:
        if path is None:
            self.other = self.other or ("imported by a relative import outside a package",
                                        stmt.node.lineno)  # fmt: skip
        elif path not in self.paths:
            self.paths.append(path)
        self.plain = self.plain or plain
        self.imports.append(stmt)

    def __repr__(self) -> str:
        return f"<Symbol {self.name} {self.paths} other={self.other}>"


class Scope:
    """A module, function, class or comprehension body, and what it binds and reads."""

    __slots__ = ("attributes", "cache", "declared", "kind", "loads", "parent", "redirected",
                 "symbols")  # fmt: skip

    def __init__(self, kind: str, parent: Scope | None, declared: dict[str, str] | None = None):
        self.kind = kind
        self.parent = parent
        self.symbols: dict[str, Symbol] = {}
        #: name -> "global" or "nonlocal", as the body declares it.
        self.declared = declared or _NONE
        #: Bindings of declared names, applied to their scope's symbol once all is known.
        self.redirected: list[tuple[str, str, int, ImportStmt | None, str | None, bool]] = []
        #: The Name loads (of names an import binds) and the Attribute nodes read in this scope
        #: (filled by the walk).
        self.loads: list[Any] = []
        self.attributes: list[Any] = []
        self.cache: dict[str, Symbol | None] | None = None

    def bind(self, name: str, what: str, line: int) -> None:
        """Bind ``name`` here (or where ``global``/``nonlocal`` sends it) by something other
        than an import: ``what`` says what (``a parameter``) for messages."""
        if name in self.declared:
            self.redirected.append((name, what, line, None, None, False))
            return
        symbol = self.symbols.get(name)
        if symbol is None:
            symbol = self.symbols[name] = Symbol(name)
        if symbol.other is None:
            symbol.other = (what, line)

    def local(self, name: str) -> None:
        """Make ``name`` a variable of this scope without binding a value (``del name``)."""
        if name not in self.declared and name not in self.symbols:
            self.symbols[name] = Symbol(name)

    def bind_import(self, name: str, stmt: ImportStmt, path: str | None, plain: bool) -> Symbol:
        """Bind ``name`` by an import of ``path`` (after the walk: declarations are known)."""
        if name in self.declared:
            self.redirected.append((name, "", stmt.node.lineno, stmt, path, plain))
            return self._target(name)
        symbol = self.symbols.get(name)
        if symbol is None:
            symbol = self.symbols[name] = Symbol(name)
        symbol.add_import(stmt, path, plain)
        return symbol

    def apply_redirected(self) -> None:
        """Apply the bindings of names declared ``global`` or ``nonlocal``: each makes the
        variable it binds undecidable (whether that code ran first is not known)."""
        for name, what, line, stmt, path, plain in self.redirected:
            symbol = self._target(name)
            declaration = self.declared[name]
            if stmt is not None:
                symbol.add_import(stmt, path, plain)
                what = "imported"
            if symbol.other is None:
                symbol.other = (f"{what} in another scope through `{declaration}`", line)

    def _target(self, name: str) -> Symbol:
        # The variable a declared name refers to (created at module level if need be).
        scope: Scope = self
        while name in scope.declared:
            if scope.declared[name] == "global":
                while scope.parent is not None:
                    scope = scope.parent
                break
            assert scope.parent is not None
            scope = scope.parent
            while scope.kind == CLASS and scope.parent is not None:
                scope = scope.parent
            if name in scope.symbols and name not in scope.declared:
                break
        symbol = scope.symbols.get(name)
        if symbol is None:
            symbol = scope.symbols[name] = Symbol(name)
        return symbol

    # -- reading ------------------------------------------------------------------------------

    def lookup(self, name: str) -> Symbol | None:
        """The variable a use of ``name`` here reads; ``None`` for a builtin or a name that
        nothing in the module binds."""
        cache = self.cache
        if cache is None:
            cache = self.cache = {}
        elif name in cache:
            return cache[name]
        found = self._lookup(name)
        cache[name] = found
        return found

    def _lookup(self, name: str) -> Symbol | None:
        if name in self.declared:
            return self._target(name)
        symbol = self.symbols.get(name)
        if self.kind == MODULE:
            return symbol
        if self.kind == CLASS:
            # A class body reads its own namespace, and falls back to the enclosing scopes
            # for a name not (yet) set there: both, when the class binds it too.
            outer = self._outer(name)
            if symbol is None or outer is None or not outer.paths:
                return symbol if symbol is not None else outer
            both = Symbol(name)
            both.paths = [*symbol.paths, *(p for p in outer.paths if p not in symbol.paths)]
            both.plain = symbol.plain or outer.plain
            both.other = symbol.other or outer.other or ("bound in the class body", 0)
            return both
        return symbol if symbol is not None else self._outer(name)

    def _outer(self, name: str) -> Symbol | None:
        scope = self.parent
        while scope is not None and scope.kind == CLASS:
            scope = scope.parent  # functions and comprehensions do not see class bodies
        return scope.lookup(name) if scope is not None else None
