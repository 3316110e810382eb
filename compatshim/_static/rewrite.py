"""``migrate`` for one file: every legacy path rewritten to its canonical path, or left and said why.

The rules that keep a rewrite from changing what the program does:

* a bound name never changes: ``from old.mod import Old`` becomes
  ``from new.mod import New as Old``; ``import old.mod as m`` becomes ``import new.mod as m``;
* every name a module binds at module level stays bound, to the canonical object (other modules
  may import it from there): ``import mock`` becomes ``from unittest import mock`` (its uses
  stay as they are); ``import old.mod`` becomes ``import new.mod`` together with every
  ``old.mod.X``, and ``old`` stays bound (``import old``, or ``import new as old`` when ``old``
  itself is legacy); a legacy module serving moved names, bound at module level, is left, as
  its canonical module lacks them;
* in a function, ``import old.mod`` becomes ``import new.mod`` only together with every
  ``old.mod.X`` in it, and only if nothing else there still needs ``old``;
* a rewrite never binds a name the file already uses for something else;
* a module that serves moved names is only rewritten where every use of it is visible
  (``m.OldName`` becomes ``m.NewName``); passed around as a value, it is left alone;
* star imports, computed strings and ``__import__`` of a dotted name are reported, not touched;
* the result must parse, or the file is left as it was.
"""

from __future__ import annotations

import ast
import re

from .._base import paths
from .._base.errors import RewriteError
from . import importedit as _importedit
from .analyze import analyze
from .findings import chain_match
from .findings import find
from .findings import plan_import
from .findings import string_parts
from .imports import parse_import
from .source import parse
from .suppress import suppressions


TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analyze import Analysis
    from .analyze import Chain
    from .analyze import ImportStmt
    from .analyze import StringRef
    from .findings import Finding
    from .findings import ImportPlan
    from .findings import NamePlan
    from .importedit import Edit
    from .scopes import Symbol
    from .table import StaticTable

__all__ = ["rewrite"]

_SPLIT = "split"
# What a legacy module answers itself, and its canonical module answers otherwise: its identity,
# and the attributes of the module type (a legacy module shares only the namespace: ``__dict__``,
# what is in it, and ``__doc__`` / ``__annotations__``, read from it).
_OWN = frozenset(
    "__name__ __spec__ __loader__ __package__ __class__ __repr__ __str__ __dir__ __format__"
    " __getattribute__ __setattr__ __delattr__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__"
    " __hash__ __init__ __new__ __reduce__ __reduce_ex__ __getstate__ __sizeof__ __slots__"
    " __weakref__ __init_subclass__ __subclasshook__".split()
)
_FALLBACK = (
    "a fallback import in an except ImportError handler: rewritten, it would fail like the "
    "import it stands in for"
)
_REBIND = "rebind"
_LITERAL = re.compile(r"([rRuU]?)('''|\"\"\"|'|\")")


class _Planner:
    def __init__(self, analysis: Analysis, static: StaticTable) -> None:
        self.analysis = analysis
        self.static = static
        self.text = analysis.source.text
        self.edits: list[Edit] = []
        # import statement index -> (statement, comment) to add after it
        self.after: dict[int, list[tuple[str, str]]] = {}
        self.skips: dict[int, set[int]] = {}  # import statement index -> names left alone
        self.splits: dict[int, set[int]] = {}  # ... -> names that keep importing their root
        findings, _ = find(analysis, static)
        self.findings: dict[int, list[Finding]] = {}
        for finding in findings:
            self.findings.setdefault(finding.column, []).append(finding)
        # Uses on a line with a noqa comment (see suppress): never rewritten, and not listed as
        # left; a name moves with all its uses, so the other uses of its variable stay too.
        self.quiet: set[int] = set()  # offsets of the suppressed findings
        lines = [analysis.source.position(finding.column)[0] for finding in findings]
        silenced = suppressions(self.text, lines)
        if silenced:
            for finding, line in zip(findings, lines):
                if silenced.silences(line, finding.code):
                    self.quiet.add(finding.column)
        self.quiet_symbols: set[Symbol] = set()
        # Uses are grouped by the variable they read (see scopes), not by name: a parameter
        # named like an imported module is another variable.
        self.chains: dict[Symbol, list[Chain]] = {}
        for chain in analysis.chains:
            self.chains.setdefault(chain.symbol, []).append(chain)
        self.plans = [plan_import(stmt, static) for stmt in analysis.imports]
        self.index = {id(plan.stmt): i for i, plan in enumerate(self.plans)}
        self.blocked: set[Symbol] = set()  # variables with a legacy use that stays
        self.why_blocked: dict[Symbol, str] = {}  # ... and why, where it says more
        # Module-level variables bound by ``import legacy``: the name is kept (``import new as
        # legacy``), so their uses need no rewrite unless they reach further legacy paths.
        self.kept: set[Symbol] = set()
        self.kept_items: dict[int, set[int]] = {}  # statement index -> names kept that way
        self.rebound: set[str] = set()  # module-level names bound again after their import
        # Module-level variables bound to a legacy module serving moved names: the import stays
        # (the canonical module lacks those names, and other modules may read them through it);
        # the uses in this file are rewritten to full canonical paths all the same.
        self.pinned: dict[Symbol, str] = {}
        for plan in self.plans:
            for item in plan.names:
                symbol = plan.stmt.symbols[item.index]
                if symbol is None:
                    continue
                if self.keeps_name(plan.stmt, item):
                    self.kept.add(symbol)
                pinned = self.pinned_path(plan.stmt, item)
                if pinned is not None:
                    self.pinned[symbol] = pinned
        # An import in an "except ImportError:" handler is the fallback for when the one in the
        # try failed, typically a canonical path that does not exist everywhere the program
        # runs: rewritten to it, the fallback would fail too. It stays, with its variable's uses.
        for plan in self.plans:
            if plan.legacy and analysis.in_fallback(plan.stmt.start):
                for item in plan.names:
                    symbol = plan.stmt.symbols[item.index]
                    if item.mode != "keep" and symbol is not None:
                        self.blocked.add(symbol)
                        self.why_blocked.setdefault(symbol, _FALLBACK)
        self.needed: dict[Symbol, set[str]] = {}  # variable -> modules its chains now need
        self.quiet_items: dict[int, set[int]] = {}  # statement -> names on a suppressed line
        if self.quiet:
            self.suppress_imports()

    # -- bookkeeping --------------------------------------------------------------------------

    def leave(self, offset: int, note: str) -> None:
        for finding in self.findings.get(offset, ()):
            finding.note = finding.note or note

    def left(self) -> list[Finding]:
        """The findings that stay, each with the reason (not those a comment suppresses)."""
        return sorted(
            (
                f
                for offset, group in self.findings.items()
                if offset not in self.quiet
                for f in group
                if f.note
            ),
            key=lambda f: f.column,
        )

    def suppress_imports(self) -> None:
        # The names an import binds on a suppressed line stay, and so do their variables' uses.
        for index, plan in enumerate(self.plans):
            if not plan.legacy or plan.star:
                continue
            stmt = plan.stmt
            spans = parse_import(self.text[stmt.start : stmt.end])
            module_quiet = (
                spans.module_span is not None and stmt.start + spans.module_span[0] in self.quiet
            )
            for item in plan.names:
                if item.mode == "keep":
                    continue
                offset = stmt.start + spans.names[item.index].span[0]
                if offset in self.quiet or (item.mode == "module" and module_quiet):
                    self.quiet_items.setdefault(index, set()).add(item.index)
                    symbol = stmt.symbols[item.index]
                    if symbol is not None:
                        self.quiet_symbols.add(symbol)
                        self.blocked.add(symbol)

    def blocked_reason(self, name: str, symbol: Symbol) -> str:
        if symbol in self.quiet_symbols:
            return f"another use of '{name}' is suppressed with # noqa, so it stays"
        if self.why_blocked.get(symbol) is _FALLBACK:
            return _FALLBACK
        return f"another use of '{name}' cannot be rewritten"

    def pinned_path(self, stmt: ImportStmt, item: NamePlan) -> str | None:
        """The legacy module serving moved names that a module-level import binds, if any."""
        if not stmt.toplevel or stmt.in_class:
            return None
        if item.mode == "import":
            path = item.name if item.asname else item.name.partition(".")[0]
        elif item.mode in ("module", "submodule"):
            path = f"{stmt.module}.{item.name}"
        else:
            return None
        return path if self.static.serves_names(path) else None

    def keeps_name(self, stmt: ImportStmt, item: NamePlan) -> bool:
        """Whether ``import legacy`` (one component) at module level keeps its name."""
        return (
            item.mode == "import"
            and item.asname is None
            and "." not in item.name
            and stmt.toplevel
            and not stmt.in_class
            and not self.static.serves_names(item.name)
        )

    def free(self, name: str) -> bool:
        """Whether importing a module named ``name`` binds nothing the file uses otherwise."""
        bound = self.analysis.bound
        return name not in bound or bound[name] == name

    def visible(self, symbol: Symbol | None, path: str) -> bool:
        """Whether every use of a variable bound to ``path`` is an attribute read we can see."""
        if path not in self.static.names or symbol is None:
            return True  # (no variable: the expressions were not walked, nothing reads it)
        if symbol.path is None:
            return False
        return all(chain.attrs for chain in self.chains.get(symbol, ()))

    # -- attribute chains ---------------------------------------------------------------------

    def spelled(self, chain: Chain) -> bool:
        """Whether the text at the chain's positions is the chain itself (``ast`` positions
        inside f-strings are wrong on Python 3.9, and a chain may be written with spaces)."""
        for index, end in enumerate(chain.ends):
            expected = ".".join([chain.root, *chain.attrs[:index]])
            if self.text[chain.start : end] != expected:
                return False
        return True

    def chain(self, chain: Chain, *, dry: bool = False) -> None:
        """Plan the rewrite of one chain; ``dry``: only find the names with a use that stays
        (a name's uses move together or not at all, with the import that binds it)."""
        symbol = chain.symbol
        if symbol.path is None:
            # Undecidable: find() reported it as unresolved, with the reason; it stays, and so
            # does every import that binds the variable.
            if any(chain_match(chain, self.static, path) for path in symbol.paths):
                self.blocked.add(symbol)
            return
        own = self.own_attribute(chain, symbol.path)
        if own is not None:
            self.blocked.add(symbol)
            self.why_blocked.setdefault(symbol, own)
            self.leave(chain.start if chain.plain else chain.ends[1] - len(chain.attrs[0]), own)
            return
        hit = chain_match(chain, self.static)
        if hit is None:
            return
        match, full, bound_len = hit
        parts = full[:bound_len]
        bound = ".".join(parts)
        offset = chain.start if chain.plain else chain.ends[1] - len(chain.attrs[0])
        # A kept name is read like an as-name: only what reaches past it needs rewriting.
        plain = chain.plain and symbol not in self.kept
        if offset in self.quiet:
            self.blocked.add(symbol)
            self.quiet_symbols.add(symbol)
            return
        if not dry and symbol in self.blocked:
            self.leave(offset, self.blocked_reason(chain.root, symbol))
            return
        pinned = self.pinned.get(symbol)
        if pinned is not None and not chain.attrs:
            self.leave(offset, f"'{chain.root}' is used as a value and {pinned} serves moved names")
            return
        if not plain and match.consumed <= len(parts):
            return  # the import that binds the name is rewritten instead (or stays)
        legacy_module = ".".join(full)
        if match.consumed == len(full) and self.static.serves_names(legacy_module):
            # ``m = old.mod``, ``f(old.mod)``: the value's moved names may be read anywhere,
            # and its canonical module lacks them.
            self.blocked.add(symbol)
            self.leave(offset, f"used as a value and {legacy_module} serves moved names")
            return
        if not self.spelled(chain):
            self.blocked.add(symbol)
            self.leave(
                offset, "written across lines, with spaces, or where Python 3.9 misplaces it"
            )
            return
        if not plain and pinned is None:  # (a pinned name stays the legacy module)
            renamed = self.static.legacy(parts)
            now = ".".join([*renamed.replacement, *parts[renamed.consumed :]]) if renamed else bound
            single = len(match.replacement) - match.module_len == match.consumed - len(parts) == 1
            if single and match.module == now:  # m.OldName -> m.NewName
                end = chain.ends[1]
                if not dry:
                    self.edits.append((end - len(chain.attrs[0]), end, match.replacement[-1]))
                return
        top = match.replacement[0]
        if not self.free(top) and top != chain.root:
            self.blocked.add(symbol)
            self.leave(offset, f"'{top}' already names something else in this file")
            return
        if top != chain.root and self.hides_outer(symbol, top):
            why = (
                f"importing {match.module} in the function would make '{top}' local to it, "
                "and it reads the outer one"
            )
            self.blocked.add(symbol)
            self.why_blocked.setdefault(symbol, why)
            self.leave(offset, why)
            return
        if dry:
            return
        end = (
            chain.ends[match.consumed - len(parts)] if not plain else chain.ends[match.consumed - 1]
        )
        self.edits.append((chain.start, end, match.dotted))
        self.needed.setdefault(symbol, set()).add(match.module)

    def own_attribute(self, chain: Chain, path: str) -> str | None:
        """Why the chain reads what a legacy module answers itself (``old.mod.__name__``),
        which its canonical module answers otherwise; ``None`` if it does not."""
        if not _OWN.intersection(chain.attrs):
            return None
        bound = path.split(".")
        full = [*bound, *chain.attrs]
        for index, attr in enumerate(chain.attrs):
            if attr not in _OWN:
                continue
            module = full[: len(bound) + index]
            match = self.static.legacy(module)
            if match is None or match.consumed != len(module):
                continue
            if match.module_len != len(match.replacement):
                continue  # a moved name, not a module
            moved = self.static.legacy(full[: len(module) + 1])
            if moved is not None and moved.consumed > len(module):
                continue  # the table moves this very name
            return (
                f"the legacy module's own {attr} differs from {match.dotted}'s: rewrite it by hand"
            )
        return None

    def hides_outer(self, symbol: Symbol, top: str) -> bool:
        """Whether an import of ``top...`` added where ``symbol`` is bound (in functions only:
        see add_needed_imports) would make ``top`` local to a function that reads an outer
        ``top``."""
        if any(stmt.toplevel for stmt in symbol.imports):
            return False  # the import is added at module level
        source = self.analysis.source
        for node in {id(s.scope_node): s.scope_node for s in symbol.imports}.values():
            if not isinstance(node, ast.stmt):
                continue  # (the module itself: not a function)
            start, end = source.start(node), source.end(node)
            for chain in self.analysis.chains:
                if (
                    chain.root == top
                    and start <= chain.start < end
                    and not any(s.scope_node is node for s in chain.symbol.imports)
                ):
                    return True
        return False

    # -- import statements --------------------------------------------------------------------

    def still_bound(self, root: str, but: int) -> bool:
        # Whether a module-scope import that stays binds ``root`` to the same module.
        if root in self.rebound:
            return True
        for index, plan in enumerate(self.plans):
            stmt = plan.stmt
            if index == but or not stmt.toplevel or stmt.module is not None or stmt.level:
                continue
            for item in plan.names:
                if self.keeps_name(stmt, item):
                    new = item.name
                else:
                    new = item.module if item.mode == "import" else item.name
                if item.asname is None and new.partition(".")[0] == root:
                    return True
        return False

    def pinned_reason(self, name: str, path: str) -> str:
        return (
            f"kept: other modules may import '{name}' from this one, and {path} serves moved "
            "names its canonical module lacks"
        )

    def plain_import_safe(
        self, index: int, name: str, new: str, symbol: Symbol | None
    ) -> str | None:
        root, top = name.partition(".")[0], new.partition(".")[0]
        if symbol is None:  # the expressions were not walked: nothing reads it
            if self.analysis.bound.get(root) is None:
                return f"'{root}' is also bound by other code in this file"
        elif symbol.path is None:
            return symbol.why
        stmt = self.plans[index].stmt
        legacy_root = self.static.legacy([root]) is not None
        if top != root and not self.free(top):
            return f"'{top}' already names something else in this file"
        if top == root or self.still_bound(root, index):
            return None
        if stmt.toplevel:
            # Other modules may import the name from this one: it stays bound, to the same
            # package (``import old``), or to the canonical one when it is legacy itself.
            return _REBIND if legacy_root else _SPLIT
        for chain in self.chains.get(symbol, ()) if symbol is not None else ():
            if self.static.legacy([root, *chain.attrs]) is None:
                return _SPLIT  # root is used for other names: keep importing it
        return None

    def statement(self, index: int, plan: ImportPlan) -> None:
        stmt = plan.stmt
        if plan.star:
            return  # find() already explains star imports
        skip: set[int] = set()
        split: set[int] = set()
        spans = None
        for item in plan.names:
            if item.mode == "keep":
                continue
            reason = None
            bound_name = item.asname or item.name
            # The name the statement binds in the file ("import a.b" binds "a").
            binding = item.asname or (
                item.name.partition(".")[0] if item.mode == "import" else item.name
            )
            symbol = stmt.symbols[item.index]
            pinned = self.pinned_path(stmt, item)
            if item.index in self.quiet_items.get(index, ()):
                reason = "suppressed with # noqa"
            elif self.analysis.in_fallback(stmt.start):
                reason = _FALLBACK
            elif stmt.in_class and item.mode in ("import", "module", "submodule"):
                # A module bound in a class body is read as self.<name>...: not visible here.
                reason = f"'{binding}' is a class attribute too, read where it cannot be seen"
            elif symbol is not None and symbol in self.blocked:
                # A use of the variable stays: so does the import that binds it.
                reason = (
                    symbol.why
                    if symbol.path is None
                    else f"a use of '{binding}' is suppressed with # noqa, so it stays"
                    if symbol in self.quiet_symbols
                    else self.why_blocked.get(symbol, f"a use of '{binding}' cannot be rewritten")
                )
            elif pinned is not None:
                reason = self.pinned_reason(binding, pinned)
            elif self.keeps_name(stmt, item):
                if symbol is not None and symbol.path is None:
                    reason = symbol.why
                else:
                    self.kept_items.setdefault(index, set()).add(item.index)
            elif item.mode == "import":
                if item.asname is None:
                    reason = self.plain_import_safe(index, item.name, item.module, symbol)
                elif not self.visible(symbol, item.name):
                    reason = (
                        f"'{item.asname}' is used as a value and {item.name} serves moved names"
                    )
            elif item.mode in ("module", "submodule"):
                path = f"{stmt.module}.{item.name}"
                if not self.visible(symbol, path):
                    reason = f"'{bound_name}' is used as a value and {path} serves moved names"
            if reason is _REBIND:
                root = item.name.partition(".")[0]
                self.rebound.add(root)
                match = self.static.legacy([root])
                assert match is not None
                keep = _importedit.binding(match.dotted, root)
                self.after.setdefault(index, []).append((keep, ""))
                continue
            if reason is None:
                continue
            skip.add(item.index)
            if spans is None:
                spans = parse_import(self.text[stmt.start : stmt.end])
            if reason is _SPLIT:
                # import pkg.old_sub -> import pkg + import new.sub: pkg stays bound.
                split.add(item.index)
                start, end = spans.names[item.index].span
                root = item.name.partition(".")[0]
                self.edits.append((stmt.start + start, stmt.start + end, root))
                self.after.setdefault(index, []).append((f"import {item.module}", ""))
            else:
                offset = stmt.start + spans.names[item.index].span[0]
                self.leave(offset, reason)
                if item.mode == "module" and spans.module_span is not None:
                    self.leave(stmt.start + spans.module_span[0], reason)
        self.skips[index] = skip
        self.splits[index] = split
        kept = self.kept_items.get(index, set())
        edits, others = _importedit.rewrite_import(self.analysis.source, plan, skip, kept)
        self.edits.extend(edits)
        if others:
            self.after.setdefault(index, []).extend(others)

    def imports_of(self, index: int) -> set[str]:
        """The modules statement ``index`` imports by their full name once rewritten."""
        plan = self.plans[index]
        if plan.stmt.module is not None or plan.stmt.level:
            return set()
        skip = self.skips.get(index, ())
        split = self.splits.get(index, ())
        kept = self.kept_items.get(index, ())
        done = {
            item.module if item.mode == "import" and item.index not in skip else item.name
            for item in plan.names
            if item.asname is None and item.index not in split and item.index not in kept
        }
        for item in plan.names:
            if item.index in split:
                done |= {item.name.partition(".")[0], item.module}
        return done

    def add_needed_imports(self) -> None:
        # A chain rewritten to new.place.X needs new.place imported where the chain's root is
        # bound: once, after the first module-scope statement that binds it (modules are shared
        # objects, so every scope sees it from then on), or else after each function-scope one;
        # not where that statement or an earlier module-scope import already imports it
        # (importing a.b.c imports a and a.b too).
        for symbol, modules in self.needed.items():
            binding = sorted({self.index[id(stmt)] for stmt in symbol.imports})
            toplevel = [i for i in binding if self.plans[i].stmt.toplevel]
            for index in toplevel[:1] or binding:
                stmt = self.plans[index].stmt
                done = self.imports_of(index)
                if stmt.toplevel:
                    for earlier, other in enumerate(self.plans):
                        if other.stmt.toplevel and other.stmt.start < stmt.start:
                            done |= self.imports_of(earlier)
                missing = [
                    m
                    for m in sorted(modules)
                    if not any(i == m or i.startswith(m + ".") for i in done)
                ]
                self.after.setdefault(index, []).extend((f"import {m}", "") for m in missing)

    # -- strings ------------------------------------------------------------------------------

    def string(self, ref: StringRef) -> None:
        parts = string_parts(ref)
        if parts is None:
            return
        match = self.static.legacy([*parts, *ref.attrs])
        if match is None:
            return
        if ref.computed:
            return  # find() already explains computed strings
        if ref.start in self.quiet:
            return
        if ref.style in ("module", "toplevel") and self.analysis.in_fallback(ref.start):
            self.leave(ref.start, _FALLBACK)
            return
        if ref.style == "toplevel" and len(parts) > 1:
            self.leave(ref.start, "__import__ returns the top-level package: rewrite it by hand")
            return
        literal = self.text[ref.start : ref.end]
        quoted = _LITERAL.match(literal)
        if quoted is None or literal[quoted.end() : -len(quoted.group(2))] != ref.value:
            self.leave(ref.start, "the string has escapes or is split in parts")
            return
        opening = quoted.group()
        closing = quoted.group(2)
        consumed, count = match.consumed, len(parts)
        if consumed > count:  # import_module("old.mod").OldName
            if len(match.replacement) - match.module_len != consumed - count:
                self.leave(ref.start, "the moved name cannot be rewritten in place")
                return
            value = ".".join(match.replacement[: match.module_len])
            for i in range(consumed - count):
                end = ref.attr_ends[i]
                new = match.replacement[match.module_len + i]
                self.edits.append((end - len(ref.attrs[i]), end, new))
        else:
            module = ".".join(parts)
            if (
                ref.style in ("module", "toplevel")
                and not ref.attrs
                and not ref.discarded
                and module in self.static.names
            ):
                self.leave(ref.start, f"{module} serves moved names the result may be read for")
                return
            new_parts = [*match.replacement, *parts[consumed:]]
            value = ".".join(new_parts)
            if ref.style == "resolve" and paths.kind(ref.value) == "name":
                before = len(paths.split(ref.value)[0].split("."))  # the module's parts
                colon = len(match.replacement) + before - consumed
                if consumed > before:
                    colon = match.module_len
                value = ".".join(new_parts[:colon]) + ":" + ".".join(new_parts[colon:])
        self.edits.append((ref.start, ref.end, f"{opening}{value}{closing}"))

    # -- all together -------------------------------------------------------------------------

    def run(self) -> str:
        for chain in self.analysis.chains:
            self.chain(chain, dry=True)
        for chain in self.analysis.chains:
            self.chain(chain)
        for index, plan in enumerate(self.plans):
            if plan.legacy:
                self.statement(index, plan)
        self.add_needed_imports()
        for ref in self.analysis.strings:
            self.string(ref)
        source = self.analysis.source
        for index, statements in self.after.items():
            stmt = self.plans[index].stmt
            unique = list(dict.fromkeys(statements))  # two names may need one module
            self.edits.append(_importedit.append_statements(source, stmt.start, stmt.end, unique))
        return _apply(self.text, self.edits)


def _apply(text: str, edits: list[Edit]) -> str:
    # Insertions at one offset keep the order they were planned in (an as-name, then the
    # statements that follow): dict.fromkeys drops repeats and keeps the order, sorted is stable.
    edits = sorted(dict.fromkeys(edits), key=lambda e: (e[0], e[1]))
    pieces: list[str] = []
    position = 0
    for start, end, replacement in edits:
        if start < position:
            raise RewriteError("two rewrites overlap")
        pieces.append(text[position:start])
        pieces.append(replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def rewrite(
    text: str, static: StaticTable, module: str | None = None, is_package: bool = False
) -> tuple[str, list[Finding]]:
    """Rewrite one file's source: ``(new text, findings left for a human, each with a note)``.

    :raises SyntaxError: if ``text`` does not parse.
    :raises RewriteError: if the rewrite would not parse; the file should be left alone.
    """
    analysis = analyze(text, module, is_package, static)
    planner = _Planner(analysis, static)
    new = planner.run()
    if new != text:
        try:
            parse(new)
        except SyntaxError as exc:
            raise RewriteError(f"the rewritten file would not parse ({exc.msg})") from None
    return new, planner.left()
