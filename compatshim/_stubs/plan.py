"""What ``compatshim stubs`` generates for an alias table, and where (see docs/typing.md).

- A legacy module, and each module of a renamed package that exists canonically, gets a ``.pyi``
  beside the source, in the folder its parent package has (or would have): the canonical
  module's names re-exported, and its functions declared again under ``@deprecated``.
- Moved names on a legacy module that does not exist get a ``.pyi`` holding just them.
- Moved names on a module that really exists get a marked ``if typing.TYPE_CHECKING:`` block at
  the end of that module: a ``.pyi`` beside it would hide the whole module from type checkers.

Classes are always re-exported, never declared again: a new class is a new type to a checker.
Nothing is imported: every fact comes from reading the canonical source (:mod:`.signatures`).
"""

from __future__ import annotations

import ast
import os
import sys

from .._base import paths
from .._model import policy as _policy
from .._static.files import BEGIN
from .._static.files import END
from .._static.files import HEADER
from .declare import Helpers
from .declare import Unresolved
from .declare import declare
from .signatures import Locator


TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._model.alias import Alias
    from .._model.config import Config
    from .._model.table import AliasTable

__all__ = ["Planned", "plan"]


class Planned:
    """One file to generate: a whole ``.pyi`` (``block`` false) or the block of a real module,
    with the legacy keys of the aliases it serves."""

    __slots__ = ("aliases", "block", "path", "text")

    def __init__(self, path: str, text: str, *, block: bool, aliases: set[str]) -> None:
        self.path, self.text, self.block, self.aliases = path, text, block, aliases


class _Module:
    """A legacy module to declare: the module alias mirroring a canonical module into it, and
    the moved names declared on it."""

    __slots__ = ("mirror", "names")

    def __init__(self) -> None:
        self.mirror: tuple[Alias, str] | None = None
        self.names: dict[str, Alias] = {}


def _message(alias: Alias, legacy: str, canonical: str) -> str | None:
    # The runtime's own text for this use; an alias whose policy is "ignore" never warns.
    if alias.policy == "ignore":
        return None
    return _policy.warning_message(alias, legacy, canonical)


class _Planner:
    def __init__(self, config: Config, table: AliasTable | None = None) -> None:
        self.config = config
        self.table = config.table if table is None else table
        # The project's own legacy paths: the others come from included distributions.
        self.own = {alias.legacy for alias in config.table}
        self.root = config.root
        # The project's source folders: its own, src/, and those of its editable installs.
        roots = [self.root, os.path.join(self.root, "src"), *filter(self._ours, sys.path)]
        self.project = Locator(roots)
        # Canonical code may also be installed: read (never written) wherever Python finds it.
        self.reader = Locator([*self.project.roots, *(p for p in sys.path if p)])
        self.notes: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str, set[str]]] = []
        self.modules: dict[str, _Module] = {}

    def _ours(self, folder: str) -> bool:
        if not folder or {"site-packages", "dist-packages"} & set(folder.split(os.sep)):
            return False
        relative = os.path.relpath(os.path.abspath(folder), self.root)
        return not relative.startswith(os.pardir) and not os.path.isabs(relative)

    def note(self, message: str, *, slug: str) -> None:
        if (slug, message) not in self.notes:
            self.notes.append((slug, message))

    def refuse(self, message: str, keys: set[str], *, slug: str) -> None:
        self.refused.append((slug, message, keys))

    # -- what to declare ----------------------------------------------------------------------

    def collect(self) -> None:
        for alias in self.table:
            if alias.kind == "name":
                self.modules.setdefault(alias.module, _Module()).names[alias.attr or ""] = alias
            elif self.reader.find(alias.canonical) is None:
                self.note(
                    f"{alias.canonical}, the target of {alias.legacy}, is not found in the "
                    "project or on sys.path: no stub for it",
                    slug="stubs-not-found",
                )
            else:
                self._mirror(alias, alias.legacy, alias.canonical)

    def _mirror(self, alias: Alias, legacy: str, canonical: str) -> None:
        hit = self.table.resolve_module(legacy)
        if hit is None or hit[0] is not alias:
            return  # a longer alias takes this subtree over (and declares it itself)
        self.modules.setdefault(legacy, _Module()).mirror = (alias, canonical)
        for child in self.reader.children(canonical):
            self._mirror(alias, f"{legacy}.{child}", f"{canonical}.{child}")

    # -- where it goes ------------------------------------------------------------------------

    def folder(self, package: str) -> str:
        """The folder the modules of ``package`` are (or would be) in."""
        located = self.project.find(package)
        if located is not None and located.folders:
            return located.folders[0]
        parent, _, name = package.rpartition(".")
        return os.path.join(self.folder(parent) if parent else self.top(package), name)

    def top(self, name: str) -> str:
        """The source folder a new top-level legacy package or module ``name`` goes in: the
        one holding the package its first alias points to, else the project's folder."""
        for alias in self.table:
            if paths.root(alias.legacy) != name:
                continue
            top = self.project.find(paths.root(alias.canonical))
            if top is not None and top.folders:
                return os.path.dirname(top.folders[0])
            if top is not None and top.path is not None:
                return os.path.dirname(top.path)
        return self.root

    def _outside(self, legacy: str) -> bool:
        # A legacy path below a package installed outside the project cannot get a stub here.
        top = legacy.partition(".")[0]
        return self.project.find(top) is None and self.reader.find(top) is not None

    # -- what it says -------------------------------------------------------------------------

    def _names(self, module: _Module, legacy: str) -> dict[str, tuple[str, str, str | None]]:
        # legacy attribute -> (canonical module, canonical attribute, deprecation message)
        names: dict[str, tuple[str, str, str | None]] = {}
        moved = dict(module.names)
        if module.mirror is not None:
            alias, canonical = module.mirror
            message = _message(alias, legacy, canonical)
            for name in self.reader.facts(canonical).exports():
                names[name] = (canonical, name, message)
            # Moved names the canonical module serves itself are reachable here too.
            moved = {**self.table.names(canonical), **moved}
        for attr, alias in moved.items():
            module_name, target = paths.split(alias.canonical)
            names[attr] = (module_name, target, _message(alias, alias.legacy, alias.canonical))
        return names

    def body(self, legacy: str, module: _Module, *, block: bool) -> list[str]:
        """The declarations of one legacy module: import lines first, then the names."""
        indent = "    " if block else ""
        names = self._names(module, legacy)
        # Where each declared name is defined (a type variable it is needs no second import).
        origins: dict[str, tuple[str, str]] = {}
        for attr, (module_name, target, _) in names.items():
            facts, defined, _binding = self.reader.resolve(module_name, target)
            origins[attr] = (facts.name, defined)
        helpers = Helpers(names=None if block else origins)
        imports: list[str] = []
        lines: list[str] = []
        if module.mirror is not None:
            canonical = module.mirror[1]
            facts = self.reader.facts(canonical)
            if facts.error is not None:
                self.note(
                    f"{canonical} cannot be read ({facts.error}): {legacy} re-exports it with "
                    f"'from {canonical} import *', without deprecations",
                    slug="stubs-no-source",
                )
                imports.append(f"from {canonical} import *")
            # Without a static __all__, what a module star-imports from its own package is
            # part of what it offers (and cannot be listed without reading further).
            top = canonical.partition(".")[0]
            stars = facts.bindings.get("*", ()) if facts.static_all is None else ()
            imports.extend(
                f"from {b.module} import *" for b in stars if b.module.partition(".")[0] == top
            )
        for attr, (module_name, target, message) in names.items():
            declared = self._declare(attr, module_name, target, message, helpers, indent)
            if declared.startswith("from "):
                imports.append(declared)
            else:
                lines.append(declared)
        head = [indent + line for line in [*helpers.lines(), *imports]]
        return [*head, *([""] if head and lines else []), *lines]

    def _declare(
        self,
        attr: str,
        module: str,
        target: str,
        message: str | None,
        helpers: Helpers,
        indent: str,
    ) -> str:
        """One name: a function declared again under ``@deprecated``, else a re-export."""
        facts, name, binding = self.reader.resolve(module, target.partition(".")[0])
        owner = facts.name
        if "." in target or binding is None or facts.error is not None:
            owner, name = module, target
            if facts.error is not None and message is not None:
                self.note(
                    f"{facts.name} cannot be read ({facts.error}): {attr} is re-exported "
                    "without a deprecation",
                    slug="stubs-no-source",
                )
            elif (
                binding is None
                and not {"*", "__getattr__"} & set(facts.bindings)
                and self.reader.find(f"{module}.{target}") is None
            ):
                missing = f"{module}.{target}, declared as {attr}, is not found"
                self.note(missing, slug="stubs-not-found")
        elif binding.kind == "def" and message is not None:
            nodes = [
                b.node
                for b in facts.bindings[name]
                if isinstance(b.node, (ast.FunctionDef, ast.AsyncFunctionDef))
            ]
            try:
                return "\n".join(declare(self.reader, facts, nodes, attr, message, helpers, indent))
            except Unresolved as exc:
                self.note(
                    f"{owner}.{name} is re-exported as {attr} without a deprecation: {exc}",
                    slug="stubs-signature",
                )
        if attr == name and not indent and "." not in name:
            return f"from {owner} import {name} as {name}"
        return f"{indent}{attr} = {helpers.alias(owner)}.{name}"

    # -- the files ----------------------------------------------------------------------------

    def files(self) -> list[Planned]:
        planned: list[Planned] = []
        packages = {name.rpartition(".")[0] for name in self.modules}
        for legacy in sorted(self.modules):
            module = self.modules[legacy]
            keys = {a.legacy for a in module.names.values()}
            if module.mirror is not None:
                keys.add(module.mirror[0].legacy)
            if self._outside(legacy) and not keys & self.own:
                top = legacy.partition(".")[0]
                message = (
                    f"{top}: its legacy paths come from an included distribution's table, "
                    "in a package installed outside the project: their stubs ship with it"
                )
                self.note(message, slug="stubs-included")
                continue
            if self._outside(legacy):
                message = f"{legacy} is in a package installed outside the project"
                self.refuse(message, keys, slug="stubs-outside-project")
                continue
            real = self.project.find(legacy) if module.mirror is None else None
            if real is not None and real.compiled:
                message = f"{legacy} is a compiled module: declare its moved names in a .pyi"
                self.refuse(message, keys, slug="stubs-compiled")
            elif real is not None and real.path is not None:
                if real.path.endswith(".py"):
                    body = self.body(legacy, self._undefined(legacy, module), block=True)
                    text = "\n".join(_block(body)) + "\n"
                    planned.append(Planned(real.path, text, block=True, aliases=keys))
                else:
                    # The user's stub is what checkers read: the names it declares itself (as
                    # stubs-handwritten asks) need nothing more.
                    own = self.project.facts(legacy)
                    missing = sorted(a for a in module.names if own.first(a) is None)
                    for attr, alias in sorted(module.names.items()):
                        binding = own.first(attr)
                        if binding is not None and binding.kind == "class":
                            self.note(
                                f"{real.path} declares the class {attr} itself, not as "
                                f"{alias.canonical}: checkers see another type than the one "
                                "served",
                                slug="stubs-defined",
                            )
                    if missing:
                        message = (
                            f"{real.path} is a hand-written stub: declare the moved names "
                            f"{', '.join(missing)} in it"
                        )
                        self.refuse(message, keys, slug="stubs-handwritten")
            else:
                path = self._stub_path(legacy, module, legacy in packages)
                planned.append(Planned(path, self._stub(legacy, module), block=False, aliases=keys))
        return planned

    def _undefined(self, legacy: str, module: _Module) -> _Module:
        # A name the real module still binds itself is what it serves at run time (a second
        # implementation, which check reports): declaring it again would clash.
        own = self.project.facts(legacy)
        kept = _Module()
        for attr, alias in module.names.items():
            if own.first(attr) is None:
                kept.names[attr] = alias
            else:
                message = f"{legacy} still defines {attr} itself; its block does not declare it"
                self.note(message, slug="stubs-defined")
        return kept

    def _stub_path(self, legacy: str, module: _Module, has_children: bool) -> str:
        canonical = self.reader.find(module.mirror[1]) if module.mirror is not None else None
        here = self.project.find(legacy)  # a folder left at the legacy path keeps its files
        if has_children or any(m is not None and m.package for m in (canonical, here)):
            return os.path.join(self.folder(legacy), "__init__.pyi")
        parent, _, name = legacy.rpartition(".")
        return os.path.join(self.folder(parent) if parent else self.top(legacy), name + ".pyi")

    def _stub(self, legacy: str, module: _Module) -> str:
        what = module.mirror[1] if module.mirror is not None else "moved names only"
        head = [f"{HEADER} from pyproject.toml; do not edit.", f"# {legacy}: {what}"]
        body = self.body(legacy, module, block=False)
        lines = [*head, "# ruff: noqa", "# fmt: off", *([""] if body else []), *body]
        return "\n".join(lines) + "\n"


def _block(body: list[str]) -> list[str]:
    return [
        BEGIN,
        "# fmt: off",
        "# isort: off",
        "import typing  # noqa: E402",
        "",
        "if typing.TYPE_CHECKING:",
        *body,
        "# isort: on",
        "# fmt: on",
        END,
    ]


def plan(
    config: Config, table: AliasTable | None = None
) -> tuple[list[Planned], list[tuple[str, str]], list[tuple[str, str, set[str]]]]:
    """The files to generate for ``config``, the notes to show, and what cannot be generated.

    :param table: the table with the aliases of included distributions (default: the
        configuration's own); their legacy paths in installed packages get no stubs here.
    """
    import gc

    # Syntax trees hold no reference cycles, yet building them sets off the cycle collector
    # again and again (a fifth of the parse time, as in scan): paused while reading.
    enabled = gc.isenabled()
    gc.disable()
    try:
        planner = _Planner(config, table)
        planner.collect()
        files = planner.files()
        if config.ship is not None:
            from .ship import plan_ship  # it imports Planned from here

            plan_ship(config, files, planner.refused)
    finally:
        if enabled:
            gc.enable()
    return files, planner.notes, planner.refused
