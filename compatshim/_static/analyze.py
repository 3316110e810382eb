"""What one source file says about module paths, read with ``ast`` and never imported.

Three places can spell a dotted path: import statements (read here, in one pass over the
statements), attribute chains rooted at a name an import bound (``old.mod.Name``), and string
literals passed to the functions that resolve them (``import_module``, ``mock.patch``,
``monkeypatch.setattr``, ``pkgutil.resolve_name``): those two are collected by the walk over
the expressions (``walk``), only in files where they can matter. It also records how every
name is bound, in its scope, which is what tells ``migrate`` whether a rewrite is safe.
``findings`` turns this into findings for one alias table.
"""

from __future__ import annotations

import ast

from .source import Source
from .source import parse
from .strings import StringRef
from .walk import DEFINITIONS
from .walk import FUNCTIONS
from .walk import Chain
from .walk import expressions


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from .scopes import Symbol
    from .table import StaticTable

__all__ = ["Analysis", "Chain", "ImportStmt", "StringRef", "analyze", "parse"]

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
        #: The variable each name binds (see ``scopes``), once the expressions were walked.
        self.symbols: list[Symbol | None] = [None] * len(self.names)

    @property
    def start(self) -> int:
        """The offset where the statement starts."""
        return self._source.start(self.node)

    @property
    def end(self) -> int:
        """The offset where the statement ends."""
        return self._source.end(self.node)


class Analysis:
    """Everything :func:`analyze` found in one file."""

    __slots__ = ("bound", "chains", "declared", "fallbacks", "imported", "imports", "plain",
                 "source", "strings")  # fmt: skip

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
        #: The spans of ``except ImportError:`` handlers (and of those catching any exception):
        #: what runs there when an import failed.
        self.fallbacks: list[tuple[int, int]] = []

    def in_fallback(self, offset: int) -> bool:
        """Whether ``offset`` is in an ``except`` handler that catches ``ImportError``."""
        return any(start <= offset < end for start, end in self.fallbacks)

    def bind(self, name: str, path: str | None) -> None:
        """Record, file-wide, that ``name`` is bound to ``path`` (``None``: to anything else)."""
        bound = self.bound
        if name in bound and bound[name] != path:
            bound[name] = UNRESOLVED
        else:
            bound[name] = path


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
        expressions(analysis, tree, roots)
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
                    analysis.bind(alias.asname, alias.name)
                    imported.add((alias.asname, alias.name))
                else:
                    top = alias.name.partition(".")[0]
                    analysis.bind(top, top)
                    imported.add((top, top))
                    analysis.plain.add(top)
        elif kind is ast.ImportFrom:
            path = absolute(module, is_package, node.level, node.module)
            stmt = ImportStmt(node, source, path)
            for alias in node.names:
                if alias.name != "*":
                    bound = f"{path}.{alias.name}" if path else UNRESOLVED
                    analysis.bind(alias.asname or alias.name, bound)
                    if bound is not None:
                        imported.add((alias.asname or alias.name, bound))
        else:
            fields = _BODY_FIELDS.get(kind)
            if fields is None:
                fields = _BODY_FIELDS[kind] = tuple(f for f in _BODIES if f in kind._fields)
            if fields:  # a compound statement
                inner = toplevel and not isinstance(node, _SCOPES)
                body_of_class = kind is ast.ClassDef or (in_class and kind not in FUNCTIONS)
                body_scope = node if kind in DEFINITIONS else scope
                for field in fields:
                    children = getattr(node, field)
                    if children:
                        pending.extend(
                            (child, inner, body_of_class, body_scope)
                            for child in reversed(children)
                        )
            if kind is ast.ExceptHandler and _catches_import_error(node.type):
                analysis.fallbacks.append((source.start(node), source.end(node)))
            elif kind is ast.Global or kind is ast.Nonlocal:
                # The function binds a module-level (or enclosing) name: no longer one import's.
                declaration = "global" if kind is ast.Global else "nonlocal"
                declared = analysis.declared.setdefault(id(scope), {})
                for name in node.names:
                    analysis.bind(name, UNRESOLVED)
                    declared[name] = declaration
            continue
        stmt.toplevel = toplevel
        stmt.in_class = in_class
        stmt.scope_node = scope
        analysis.imports.append(stmt)
    if analysis.imports:
        analysis.imports.sort(key=_in_text_order)


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(kind: ast.expr | None) -> bool:
    # except:, except ImportError:, except (ImportError, OSError):, except builtins.Exception:
    if kind is None:
        return True
    if isinstance(kind, ast.Tuple):
        return any(_catches_import_error(element) for element in kind.elts)
    if isinstance(kind, ast.Name):
        return kind.id in _IMPORT_ERRORS
    return isinstance(kind, ast.Attribute) and kind.attr in _IMPORT_ERRORS


def _in_text_order(stmt: ImportStmt) -> tuple[int, int]:
    return stmt.node.lineno, stmt.node.col_offset
