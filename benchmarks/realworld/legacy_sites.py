"""The ground truth: every use of a legacy path in a test suite, by a plain walk of the syntax
tree, written apart from compatshim's own analysis so that each can check the other.

A *site* is a place in the source that names a legacy path:

* ``import`` / ``moved-name``: an import statement whose module, or one of whose imported
  names, is a legacy path (``import old.mod``, ``from old import mod``, ``from mod import Moved``);
* ``attribute``: a dotted chain rooted at an imported module that spells a legacy path
  (``old.mod.Name``, ``pkg.old_child``, ``mod.Moved``);
* ``string``: a string naming a legacy path passed to ``mock.patch``, ``import_module`` and the
  like;
* ``through-alias``: an attribute read through a name that an import bound to a legacy module
  (``from pkg import old as m`` ... ``m.f``). The text names no legacy path, so ``scan`` does not
  report it (migrating the import fixes it), but at run time it reads through the legacy module,
  so telemetry counts it (dunder reads such as ``m.__all__`` excepted: introspection).

Names follow Python's scopes in the simplest way that is right for test suites: a name bound in
a function (a parameter, an assignment, a loop or ``with`` target) hides the module's, ``global``
names are the module's, class bodies do not leak into their methods. A name bound both by an
import and by something else in one scope is left out, as ambiguous.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


_STRING_CALLS = {"patch", "import_module", "__import__", "resolve_name", "setattr", "delattr"}


@dataclass(frozen=True)
class Site:
    """One legacy use: its file, the line of the node, the lines of the statement header that
    holds it (what runs when it runs), its kind, and the legacy path (as configured)."""

    file: str
    line: int
    first: int
    last: int
    kind: str
    legacy: str


class Aliases:
    """The legacy paths of a ``[tool.compatshim.aliases]`` table."""

    def __init__(self, table: dict[str, str]) -> None:
        self.modules = {key for key in table if ":" not in key}
        self.names = {tuple(key.split(":")) for key in table if ":" in key}

    def module(self, dotted: str) -> str | None:
        """The aliased module ``dotted`` is or lies under."""
        for module in self.modules:
            if dotted == module or dotted.startswith(module + "."):
                return module
        return None

    def exact(self, dotted: str) -> str | None:
        """The alias ``dotted`` spells exactly: a moved name, or an aliased module itself."""
        module, _, name = dotted.rpartition(".")
        if (module, name) in self.names:
            return f"{module}:{name}"
        return dotted if dotted in self.modules else None

    def string(self, text: str) -> str | None:
        """The legacy path a dotted string names (``old.mod``, ``old.mod.f``, ``mod.Moved.x``)."""
        parts = text.split(".")
        for end in range(1, len(parts) + 1):
            found = self.exact(".".join(parts[:end]))
            if found:
                return found
        return None


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_SCOPES = (*_FUNCTIONS, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a scope's body, not descending into nested scopes (their decorators,
    defaults and bases belong to this scope, their bodies do not)."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        todo: list[ast.AST] = list(scope.body)
    elif isinstance(scope, ast.Lambda):
        todo = [scope.body]
    elif isinstance(scope, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        todo = [*scope.generators]
        todo += [scope.key, scope.value] if isinstance(scope, ast.DictComp) else [scope.elt]
    elif isinstance(scope, (ast.Module, ast.ClassDef)):
        todo = list(scope.body)
    else:
        todo = []
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            todo += node.decorator_list + node.args.defaults
            todo += [d for d in node.args.kw_defaults if d is not None]
        elif isinstance(node, ast.ClassDef):
            todo += [*node.decorator_list, *node.bases, *node.keywords]
        elif isinstance(node, ast.Lambda):
            todo += [d for d in (*node.args.defaults, *node.args.kw_defaults) if d is not None]
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            todo.append(node.generators[0].iter)
        else:
            todo += ast.iter_child_nodes(node)


def _bindings(scope: ast.AST) -> dict[str, tuple[str, bool] | None]:
    """What each name bound in ``scope`` means: the dotted path an import gave it and whether it
    is certainly a module (``import a.b as m``), or ``None`` (bound otherwise, or both)."""
    imported: dict[str, set[tuple[str, bool]]] = {}
    other: set[str] = set()
    globals_: set[str] = set()
    if isinstance(scope, _FUNCTIONS):
        args = scope.args
        other |= {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        other |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    for node in _own_nodes(scope):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported.setdefault(alias.asname, set()).add((alias.name, True))
                else:
                    top = alias.name.partition(".")[0]
                    imported.setdefault(top, set()).add((top, True))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    path = f"{node.module}.{alias.name}"
                    imported.setdefault(alias.asname or alias.name, set()).add((path, False))
        elif isinstance(node, ast.ImportFrom):
            other |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            other.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(node.name)
        elif isinstance(node, ast.ExceptHandler):
            other.update([node.name] if node.name else [])
        elif isinstance(node, ast.Global):
            globals_ |= set(node.names)
    meaning: dict[str, tuple[str, bool] | None] = dict.fromkeys(other)
    for name, paths in imported.items():
        meaning[name] = paths.pop() if len(paths) == 1 and name not in other else None
    for name in globals_:
        meaning.pop(name, None)
    return meaning


class _Walker:
    def __init__(self, file: str, aliases: Aliases) -> None:
        self.file = file
        self.aliases = aliases
        self.sites: list[Site] = []
        self.scopes: list[tuple[ast.AST, dict[str, tuple[str, bool] | None]]] = []
        self.statement: tuple[int, int] = (0, 0)

    def resolve(self, name: str) -> tuple[str, bool] | None:
        innermost = self.scopes[-1][0]
        for scope, meaning in reversed(self.scopes):
            if isinstance(scope, ast.ClassDef) and scope is not innermost:
                continue  # a class body's names are not visible in its methods
            if name in meaning:
                return meaning[name]
        return None

    def add(self, node: ast.AST, kind: str, legacy: str) -> None:
        line = getattr(node, "lineno", self.statement[0])
        self.sites.append(Site(self.file, line, *self.statement, kind, legacy))

    def walk(self, node: ast.AST) -> None:
        # A statement's header is the statement of every node in it until the walk leaves it:
        # a decorator, walked after the body of its function, is the ``def``'s, not the body's
        # last statement's.
        enclosing = self.statement
        if isinstance(node, ast.stmt):
            self.statement = _header(node)
        if isinstance(node, (ast.Module, *_SCOPES)):
            self.scopes.append((node, _bindings(node)))
        handled = False
        if isinstance(node, ast.Import):
            self.imports(node)
        elif isinstance(node, ast.ImportFrom):
            self.import_from(node)
        elif isinstance(node, ast.Attribute):
            handled = self.chain(node)
        elif isinstance(node, ast.Call):
            self.call(node)
        if not handled:
            for child in ast.iter_child_nodes(node):
                self.walk(child)
        if isinstance(node, (ast.Module, *_SCOPES)):
            self.scopes.pop()
        self.statement = enclosing

    def imports(self, node: ast.Import) -> None:
        for alias in node.names:
            found = self.aliases.module(alias.name)
            if found:
                self.add(node, "import", found)

    def import_from(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        found = self.aliases.module(node.module)
        if found:
            self.add(node, "import", found)
        for alias in node.names:
            path = f"{node.module}.{alias.name}"
            moved = self.aliases.exact(path)
            if moved and ":" in moved:
                self.add(alias if hasattr(alias, "lineno") else node, "moved-name", moved)
            elif not found and self.aliases.module(path):
                self.add(node, "import", self.aliases.module(path) or path)

    def chain(self, node: ast.Attribute) -> bool:
        """Record the legacy path an attribute chain spells; True when the chain was handled
        (its root is an imported name)."""
        levels: list[ast.Attribute] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            levels.append(current)
            current = current.value
        if not isinstance(current, ast.Name):
            return False
        bound = self.resolve(current.id)
        if bound is None:
            return False
        root, is_module = bound
        legacy_root = root in self.aliases.modules or (is_module and self.aliases.module(root))
        path = root
        for level in reversed(levels):
            path = f"{path}.{level.attr}"
            found = self.aliases.exact(path)
            if found and (":" in found or not legacy_root):
                self.add(level, "attribute", found)
                return True
        first = levels[-1].attr
        if legacy_root and not (first.startswith("__") and first.endswith("__")):
            # Dunder reads (``m.__all__``) are introspection, which compatshim does not count.
            self.add(node, "through-alias", self.aliases.module(root) or root)
        return True

    def call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in _STRING_CALLS or not node.args:
            return
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found = self.aliases.string(first.value)
            if found:
                self.add(first, "string", found)


def _header(node: ast.stmt) -> tuple[int, int]:
    """The lines of a statement that run when it starts: a compound statement's header (with
    its decorators), a simple statement whole."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        return first, max(first, body[0].lineno - 1)
    return first, node.end_lineno or node.lineno


def legacy_sites(root: Path, folder: str, table: dict[str, str]) -> list[Site]:
    """Every legacy site in the ``.py`` files under ``root/folder`` (file names relative to
    ``root``, POSIX style), in file and line order."""
    aliases = Aliases(table)
    sites: list[Site] = []
    for path in sorted((root / folder).rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        walker = _Walker(rel, aliases)
        walker.walk(ast.parse(path.read_bytes(), filename=str(path)))
        sites += walker.sites
    return sorted(sites, key=lambda s: (s.file, s.line, s.kind))
