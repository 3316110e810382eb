"""The alias table as the static tools see it: plain dictionaries, cheap to send to a worker.

``scan`` and ``migrate`` never import the code they read. They ask one question of a dotted path
found in source (``old.mod.Name``, ``pkg.sub``): which leading part of it is a legacy path, and
what does that part become? :meth:`StaticTable.legacy` answers with the same longest-prefix,
names-before-modules rules the finder applies at import time, following chains of aliases.
"""

from __future__ import annotations

import re


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._table import AliasTable

__all__ = ["Match", "StaticTable"]

# A chain of aliases is at most this long (the table has already rejected cycles).
_MAX_HOPS = 32


class Match:
    """A legacy prefix of a dotted path and its replacement.

    ``consumed`` leading parts of the path are legacy; they become ``replacement``, whose first
    ``module_len`` parts name a module (the rest, if any, is a moved name on it). ``key`` is the
    legacy path of the alias that matched first, as declared.
    """

    __slots__ = ("consumed", "key", "module_len", "replacement")

    def __init__(self, key: str, consumed: int, replacement: list[str], module_len: int) -> None:
        self.key = key
        self.consumed = consumed
        self.replacement = replacement
        self.module_len = module_len

    @property
    def module(self) -> str:
        """The module that must be imported to reach the replacement."""
        return ".".join(self.replacement[: self.module_len])

    @property
    def dotted(self) -> str:
        """The replacement spelled as code would (``new.mod.Name``)."""
        return ".".join(self.replacement)

    def __repr__(self) -> str:
        return f"Match({self.key!r}, {self.consumed} -> {self.dotted!r})"


class StaticTable:
    """Legacy and canonical paths of one alias table, for reading source code.

    It holds only strings, dictionaries and sets, so it pickles small for worker processes.
    """

    __slots__ = ("canonical", "canonical_modules", "canonical_names", "modules", "names", "roots")

    def __init__(self, table: AliasTable) -> None:
        #: legacy module -> declared target module, for module aliases.
        self.modules: dict[str, str] = {}
        #: legacy module -> {attribute: (target module, target attribute)}, for moved names.
        self.names: dict[str, dict[str, tuple[str, str]]] = {}
        #: legacy key -> final canonical path, as declared (``pkg.mod`` or ``pkg.mod:Name``).
        self.canonical: dict[str, str] = {}
        #: final canonical module -> legacy keys of module aliases that end there.
        self.canonical_modules: dict[str, list[str]] = {}
        #: final canonical (module, attribute) -> legacy keys of name aliases that end there.
        self.canonical_names: dict[tuple[str, str], list[str]] = {}
        for alias in table:
            self.canonical[alias.legacy] = alias.canonical
            if alias.attr is None:
                self.modules[alias.legacy] = alias.target
                self.canonical_modules.setdefault(alias.canonical, []).append(alias.legacy)
            else:
                module, _, attr = alias.target.partition(":")
                self.names.setdefault(alias.module, {})[alias.attr] = (module, attr)
                cmod, _, cattr = alias.canonical.partition(":")
                self.canonical_names.setdefault((cmod, cattr), []).append(alias.legacy)
        #: The first components of legacy paths: a path outside them is never legacy.
        self.roots = frozenset(key.partition(".")[0].partition(":")[0] for key in self.canonical)

    def __getstate__(self) -> tuple[object, ...]:
        return tuple(getattr(self, slot) for slot in self.__slots__)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for slot, value in zip(self.__slots__, state):
            object.__setattr__(self, slot, value)

    def __len__(self) -> int:
        return len(self.canonical)

    def canonical_roots(self) -> frozenset[str]:
        """The first components of every canonical path."""
        return frozenset(
            path.partition(".")[0].partition(":")[0] for path in self.canonical.values()
        )

    def serves_names(self, module: str) -> bool:
        """Whether legacy module ``module`` has moved names declared on it."""
        return module in self.names

    def prefilter(self) -> re.Pattern[bytes]:
        """A pattern that finds, in a file's bytes, any legacy or canonical root as a word."""
        words = sorted(self.roots | self.canonical_roots(), key=len, reverse=True)
        alternatives = b"|".join(re.escape(w.encode()) for w in words) or b"(?!)"
        return re.compile(rb"(?<![\w.])(?:" + alternatives + rb")\b")

    # -- matching ---------------------------------------------------------------------------

    def _hop(self, parts: Sequence[str]) -> tuple[str, int, list[str], int] | None:
        # One alias applied to the path: the deepest moved name, else the longest module prefix.
        if parts[0] not in self.roots:
            return None
        count = len(parts)
        module_hit = 0
        for depth in range(count, 0, -1):
            if ".".join(parts[:depth]) in self.modules:
                module_hit = depth
                break
        for depth in range(count - 1, max(module_hit, 1) - 1, -1):
            module = ".".join(parts[:depth])
            names = self.names.get(module)
            if names is not None and parts[depth] in names:
                target_module, target_attr = names[parts[depth]]
                key = f"{module}:{parts[depth]}"
                replacement = [*target_module.split("."), *target_attr.split(".")]
                return key, depth + 1, replacement, len(target_module.split("."))
        if module_hit:
            key = ".".join(parts[:module_hit])
            replacement = self.modules[key].split(".")
            return key, module_hit, replacement, len(replacement)
        return None

    def legacy(self, parts: Sequence[str]) -> Match | None:
        """The legacy prefix of the dotted path ``parts`` and what it becomes, or ``None``.

        Chains are followed until the path names no legacy path, so the replacement is final.
        """
        first = self._hop(parts)
        if first is None:
            return None
        key, consumed, replacement, module_len = first
        for _ in range(_MAX_HOPS):
            path = [*replacement, *parts[consumed:]]
            hop = self._hop(path)
            if hop is None:
                break
            _, used, again, again_module_len = hop
            if used <= len(replacement):
                # The next alias rewrites part of the replacement itself.
                if used <= module_len:
                    module_len = again_module_len + module_len - used
                else:
                    module_len = again_module_len
                replacement = [*again, *replacement[used:]]
            else:
                # It reaches into the rest of the path: those parts become legacy too.
                consumed += used - len(replacement)
                replacement, module_len = again, again_module_len
        return Match(key, consumed, replacement, module_len)

    def canonical_keys(self, parts: Sequence[str]) -> list[str]:
        """The legacy keys whose canonical path the dotted path ``parts`` uses (for adoption)."""
        keys: list[str] = []
        for depth in range(len(parts), 0, -1):
            module = ".".join(parts[:depth])
            found = self.canonical_modules.get(module)
            if found:
                keys.extend(found)
            if depth < len(parts):
                found = self.canonical_names.get((module, parts[depth]))
                if found:
                    keys.extend(found)
        return keys
