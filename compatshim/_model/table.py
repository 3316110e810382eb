"""The alias table: one validated, immutable structure shared by the finder and every command.

Lookups are component-wise and the longest declared prefix wins; chains are followed to the final
canonical path when the table is built, so cycles are configuration errors, never import-time
recursion.
"""

from __future__ import annotations

# The C module: importing operator, which re-exports it, costs more.
from _operator import add
from _operator import attrgetter
from _operator import eq
from _operator import itemgetter
from itertools import repeat

from .._base import paths
from .._base.compat import stdlib_module_names
from .._base.errors import ConfigError
from .._base.errors import shown
from .alias import Alias


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Mapping

__all__ = ["AliasTable"]

# A chain longer than this many hops on top of the table size can only be a prefix cycle that
# keeps growing the name (a -> b.c, b -> a.d), which never revisits an exact name.
_EXTRA_HOPS = 8
_FIELDS = attrgetter("_f")
_EMPTY: Mapping[str, Alias] = {}
#: Top-level packages never redirected besides the standard library: compatshim itself, what it
#: imports at run time (its dependencies, and theirs), and what its pytest plugin runs in.
#: Aliasing one of them would change compatshim's own code under it.
RESERVED = frozenset(
    {
        "compatshim",
        "wrapt",
        "typing_extensions",
        "importlib_metadata",
        "zipp",
        "tomli",
        "pytest",
        "_pytest",
        "pluggy",
    }
)


def _validate(alias: Alias, stdlib: frozenset[str]) -> None:
    fields = alias.fields()  # read once: this runs for every alias at every start
    legacy, target = fields[0], fields[1]

    def fail(problem: str, *, slug: str) -> ConfigError:
        return ConfigError(f"{alias.origin}: alias {shown(legacy)}: {problem}", slug=slug)

    problem = paths.problem(legacy, what="legacy path", allow_attr=True)
    if problem is None:
        problem = paths.problem(target, what="target", allow_attr=True)
    if problem is not None:
        raise fail(problem, slug="alias-bad-name")
    module, attr = paths.split(legacy)
    is_name = paths.kind(legacy) == "name"
    if "." in attr:
        raise fail("a moved name must be one attribute ('pkg.mod:Name')", slug="alias-bad-name")
    if not is_name and paths.kind(target) == "name":
        raise fail(
            f"a module alias must target a module, not {shown(target)}; "
            f"write the key as '{legacy}:<name>' to alias one name",
            slug="alias-kind-mismatch",
        )
    if is_name and paths.kind(target) == "module":
        raise fail(
            f"a moved name must target 'module:name', not {shown(target)}",
            slug="alias-kind-mismatch",
        )
    if legacy == target:
        raise fail("the legacy path equals its target", slug="alias-self")
    top = paths.root(module)
    if top in stdlib:
        raise fail(
            f"{top!r} belongs to the standard library; compatshim never redirects it",
            slug="alias-stdlib",
        )
    if top in RESERVED:
        raise fail(
            f"{top!r} is compatshim itself or a package it runs on; compatshim never redirects it",
            slug="alias-reserved",
        )
    if not is_name and target.startswith(legacy + "."):
        raise fail(
            f"the target {shown(target)} lies inside the legacy package, which would alias itself",
            slug="alias-cycle",
        )


def _all_valid(
    legacies: list[str], targets: list[str], tops: frozenset[str], stdlib: frozenset[str]
) -> bool:
    """Whether every alias passes :func:`_validate`, checked in bulk.

    The same rules, in a few passes of C code over all names at once: a large table is
    validated at every start-up, and one Python call per name and rule would cost milliseconds.
    ``True`` means every alias is valid; ``False`` only that :func:`_validate` must look at each
    one (and say what is wrong). So it may be stricter than :func:`_validate`, never looser.

    :param tops: the first components of the legacy paths (the table's ``roots``).
    """
    joined = "\n".join(legacies + targets)
    colons = list(map(str.count, legacies, repeat(":")))
    if (
        not joined.isascii()  # beyond ASCII: NFKC to check, one by one
        or colons != list(map(str.count, targets, repeat(":")))  # kinds differ
        or max(colons, default=0) > 1  # two colons in a name
    ):
        return False
    # Each name has at most one colon: its components, with the colon read as a dot, must all
    # be identifiers and none a keyword (an empty component, as in "a..b", is no identifier).
    # (paths.parts and paths.split, applied to all names at once.)
    parts = paths.parts(joined.replace("\n", "."))
    if not all(map(str.isidentifier, parts)) or not paths.KEYWORDS.isdisjoint(parts):
        return False
    attrs = "\n".join(map(itemgetter(2), map(str.partition, legacies, repeat(":"))))
    return (
        "." not in attrs  # a moved name is one attribute
        and not any(map(eq, legacies, targets))
        and tops.isdisjoint(stdlib)
        and tops.isdisjoint(RESERVED)
        and not any(map(str.startswith, targets, map(add, legacies, repeat("."))))
    )


class AliasTable:
    """A validated, immutable set of aliases with component-wise, longest-prefix resolution.

    :param resolved: the aliases come from another table, already validated and with their
        ``canonical`` paths resolved; only their conflicts are checked again.
    :raises ConfigError: for invalid names, conflicting definitions of one legacy path, cycles and
        aliases that would redirect the standard library.
    """

    __module__ = "compatshim"
    __slots__ = ("_all", "_children", "_modules", "_names", "roots")

    def __init__(self, aliases: Iterable[Alias] = (), *, resolved: bool = False) -> None:
        aliases = list(aliases)
        fields = list(map(_FIELDS, aliases))
        legacies = list(map(itemgetter(0), fields))
        declared = dict(zip(legacies, aliases))
        if len(declared) < len(aliases):  # a path declared twice: the same way, or an error
            declared = {}
            for alias in aliases:
                other = declared.setdefault(alias.legacy, alias)
                if other != alias:
                    raise ConfigError(
                        f"{alias.origin}: alias {shown(alias.legacy)} is already declared "
                        f"differently at {other.origin}",
                        slug="alias-conflict",
                    )
        self._index(declared)
        if resolved:
            return
        stdlib = stdlib_module_names()
        targets = list(map(itemgetter(1), fields))
        if not _all_valid(legacies, targets, self.roots, stdlib):
            for alias in aliases:
                _validate(alias, stdlib)
        self._check_direct()
        # Resolve every chain now: cycles are configuration errors, not import-time recursion.
        finals = {key: self._resolve_declared(alias) for key, alias in declared.items()}
        if any(finals[key] != alias.canonical for key, alias in declared.items()):
            self._index(
                {
                    key: a if finals[key] == a.canonical else a.replace(canonical=finals[key])
                    for key, a in declared.items()
                }
            )

    def _index(self, declared: dict[str, Alias]) -> None:
        self._all = declared
        self._modules: dict[str, Alias] = {}
        self._names: dict[str, dict[str, Alias]] = {}
        for key, alias in declared.items():
            module, attr = paths.split(key)
            if attr:
                self._names.setdefault(module, {})[attr] = alias
            else:
                self._modules[key] = alias
        self._children: dict[str, frozenset[str]] | None = None  # built when first needed
        #: The first components of every legacy path: a name outside them is never an alias.
        self.roots = frozenset(map(paths.root, declared))

    def _check_direct(self) -> None:
        # strategy = "direct" binds the canonical module itself under the legacy name: nothing
        # could serve a moved name on that legacy module, so declaring one is a mistake.
        for names in self._names.values():
            for alias in names.values():
                hit = self._longest(alias.module)
                if hit is not None and hit[0].strategy == "direct":
                    raise ConfigError(
                        f"{alias.origin}: alias {shown(alias.legacy)}: {alias.module!r} is covered by "
                        f"{hit[0].legacy!r} with strategy 'direct', which binds the canonical "
                        "module itself and cannot serve moved names; use strategy 'proxy' there",
                        slug="alias-direct-names",
                    )

    # -- container protocol -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self) -> Iterator[Alias]:
        return iter(self._all.values())

    def __contains__(self, legacy: object) -> bool:
        return legacy in self._all

    def __repr__(self) -> str:
        return f"<AliasTable of {len(self._all)} aliases>"

    def get(self, legacy: str) -> Alias | None:
        """The alias declared for exactly this legacy path, if any."""
        return self._all.get(legacy)

    # -- resolution ---------------------------------------------------------------------------

    def resolve_module(self, fullname: str) -> tuple[Alias, str] | None:
        """Map a module name to ``(covering alias, canonical module name)``, or ``None``.

        The longest declared prefix wins, components are matched whole, and chains are followed.

        :raises ConfigError: if following the chain never ends (a cycle through prefixes).
        """
        first = self._longest(fullname)
        if first is None:
            return None
        return first[0], self._follow(fullname)

    def names(self, module: str) -> Mapping[str, Alias]:
        """The name aliases declared on legacy module ``module``, by attribute."""
        return self._names.get(module, _EMPTY)

    def children(self, module: str) -> frozenset[str]:
        """Names directly below ``module`` that lead to declared legacy paths."""
        return self._child_index().get(module, frozenset())

    def needs_hook(self, module: str) -> bool:
        """Whether ``module`` (not itself aliased) serves moved names or leads to legacy paths."""
        return module in self._names or module in self._child_index()

    def _child_index(self) -> dict[str, frozenset[str]]:
        # Built on first use: a process whose imports never touch a legacy root never needs it.
        index = self._children
        if index is None:
            children: dict[str, set[str]] = {}
            for key in self._all:
                parts = paths.split(key)[0].split(".")
                for depth in range(1, len(parts)):
                    children.setdefault(".".join(parts[:depth]), set()).add(parts[depth])
            index = self._children = {k: frozenset(v) for k, v in children.items()}
        return index

    # -- internals ----------------------------------------------------------------------------

    def _longest(self, name: str) -> tuple[Alias, str] | None:
        key = name
        while True:
            alias = self._modules.get(key)
            if alias is not None:
                return alias, name[len(key) :]
            cut = key.rfind(".")
            if cut < 0:
                return None
            key = key[:cut]

    def _follow(self, name: str) -> str:
        seen = [name]
        limit = len(self._modules) + _EXTRA_HOPS
        while True:
            hit = self._longest(name)
            if hit is None:
                return name
            alias, rest = hit
            name = alias.target + rest
            if name in seen or len(seen) > limit:
                steps = [*seen, name] if len(seen) < 6 else [*seen[:5], "...", name]
                chain = " -> ".join(steps)
                raise ConfigError(f"{alias.origin}: alias cycle: {chain}", slug="alias-cycle")
            seen.append(name)

    def _resolve_declared(self, alias: Alias) -> str:
        if alias.kind == "module":
            if paths.root(alias.target) not in self.roots:
                return alias.target  # no alias starts where it points: the chain ends there
            return self._follow(alias.legacy)
        seen = {alias.legacy}
        module, attr = paths.split(alias.target)
        while True:
            module = self._follow(module)
            nxt = self._names.get(module, _EMPTY).get(attr)
            if nxt is None:
                return paths.join(module, attr)
            if nxt.legacy in seen:
                raise ConfigError(
                    f"{alias.origin}: alias cycle through {sorted(seen)}", slug="alias-cycle"
                )
            seen.add(nxt.legacy)
            module, attr = paths.split(nxt.target)
