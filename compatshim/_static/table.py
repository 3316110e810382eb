"""The alias table as the static tools see it: plain dictionaries, cheap to send to a worker.

``scan`` and ``migrate`` never import the code they read. They ask one question of a dotted path
found in source (``old.mod.Name``, ``pkg.sub``): which leading part of it is a legacy path, and
what does that part become? :meth:`StaticTable.legacy` answers with the same longest-prefix,
names-before-modules rules the finder applies at import time, following chains of aliases.
"""

from __future__ import annotations

import re

from .._base import paths


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._model.table import AliasTable
    from .constructions import Rule

__all__ = ["Match", "Prefilter", "StaticTable"]

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


# Bytes that continue a name (non-ASCII ones too: they are parts of identifiers).
_NAME = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") | frozenset(
    range(0x80, 0x100)
)
_NAME_OR_DOT = _NAME | {0x2E}
_QUOTES = frozenset(b"\"'")
_SPACE = b" \t\\\r\n"
# How far back an import keyword is looked for, across spaces and continued lines.
_LOOKBACK = 200
# Above this many first components, listing the file's identifiers once (in C) and looking
# each up beats a substring search per component (and a regular expression with one
# alternative per component, which tests every one at every position: 27 ms for a 10 kB file
# against 4,000 components, where the identifiers take 0.1 ms).
_LITERAL_LIMIT = 64
# An identifier, as bytes (those of non-ASCII characters included): a first component that
# occurs as a whole component is one of the file's identifiers.
_IDENTIFIER = re.compile(rb"[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*")


class Prefilter:
    """Which files are worth parsing, decided on their bytes (never missing one that is).

    Text that uses the path ``a.b.c`` names its first component ``a`` in the import statement
    that binds it (right after ``import``, ``from``, or a comma of an ``import`` list) or right
    after the quote of the string that spells it, and names its last component ``c`` somewhere.
    A file that lacks either for every legacy and canonical path needs no parse. Relative imports
    inside a legacy package, which need not spell the package's name, are the exception ``scan``
    handles by the file's location.

    Substring searches run at memory speed where a regular expression with alternatives would
    test every position, so each first component is looked for literally and only its
    occurrences are examined; for large tables, the file's identifiers are listed once instead
    and looked up.
    """

    __slots__ = ("_all", "_firsts", "_pairs", "_requires")

    def __init__(self, pairs: dict[str, set[str]]) -> None:
        self._pairs = {
            first.encode(): {last.encode() for last in lasts} for first, lasts in pairs.items()
        }
        self._firsts = sorted(self._pairs, key=len)
        # A component that contains a shorter one ("attrs" and "attr") is only looked for where
        # the shorter one was found.
        self._requires = {
            first: next((o for o in self._firsts if len(o) < len(first) and o in first), None)
            for first in self._firsts
        }
        self._all: frozenset[bytes] | None = None
        if len(self._firsts) > _LITERAL_LIMIT:
            self._all = frozenset(self._firsts)

    def _present(self, raw: bytes) -> list[bytes]:
        if self._all is not None:
            return list(self._all.intersection(_IDENTIFIER.findall(raw)))
        found: list[bytes] = []
        for first in self._firsts:
            required = self._requires[first]
            if (required is None or required in found) and first in raw:
                found.append(first)
        return found

    def __call__(self, raw: bytes) -> bool:
        """Whether ``raw`` may mention one of the paths."""
        return self.check(raw)[0]

    def check(self, raw: bytes) -> tuple[bool, list[bytes]]:
        """Whether ``raw`` may mention one of the paths, and the first components it contains
        (as substrings, in the literal search; as whole identifiers, for large tables)."""
        present = self._present(raw)
        for first in present:
            lasts = self._pairs[first]
            if not any(last in raw for last in lasts):
                continue
            if _bound_or_quoted(raw, first):
                return True, present
        return False, present


def _logical_line_start(raw: bytes, position: int) -> int:
    # The start of the line holding ``position``, following backslash continuations back.
    start = raw.rfind(b"\n", 0, position) + 1
    while start > 1 and raw.endswith((b"\\\n", b"\\\r\n"), 0, start):
        start = raw.rfind(b"\n", 0, start - 1) + 1
    return start


def _imports_by_name(raw: bytes) -> bool:
    return b"import_module" in raw or b"__import__" in raw or b"resolve_name" in raw


def _bound_or_quoted(raw: bytes, word: bytes) -> bool:
    # Whether ``word`` occurs as a whole first component right after "import" or "from", after a
    # comma in an import statement, or at the start of a string that can name a module.
    # Errs on the side of yes.
    size, length = len(word), len(raw)
    start = raw.find(word)
    while start >= 0:
        end = start + size
        before = raw[start - 1] if start else 0x0A
        after = raw[end] if end < length else 0x0A
        if before not in _NAME_OR_DOT and after not in _NAME:
            # "pkg.mod" or "pkg:obj" in any string; a bare "pkg" only where a call imports a
            # module named by a string.
            if before in _QUOTES and (
                after in (0x2E, 0x3A) or (after == before and _imports_by_name(raw))
            ):
                return True
            head = raw[max(0, start - _LOOKBACK) : start].rstrip(_SPACE)
            if head.endswith((b"import", b"from")):
                return True
            if head.endswith(b",") and b"import" in raw[_logical_line_start(raw, start) : start]:
                return True
        start = raw.find(word, start + 1)
    return False


class StaticTable:
    """Legacy and canonical paths of one alias table, for reading source code.

    It holds only strings, dictionaries and sets, so it pickles small for worker processes.
    """

    __slots__ = (
        "_prefixes",
        "all_roots",
        "canonical",
        "canonical_modules",
        "canonical_names",
        "factories",
        "modules",
        "names",
        "quoted_roots",
        "roots",
    )

    def __init__(self, table: AliasTable, factories: tuple[Rule, ...] = ()) -> None:
        #: The factory rules, as ``constructions`` reads them (class, factory, its module, key).
        self.factories = factories
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
                self.names.setdefault(alias.module, {})[alias.attr] = paths.split(alias.target)
                canonical = paths.split(alias.canonical)
                self.canonical_names.setdefault(canonical, []).append(alias.legacy)
        #: The first components of legacy paths: a path outside them is never legacy.
        self.roots = frozenset(map(paths.root, self.canonical))
        # Every module path that is a proper prefix of a legacy path ("a" and "a.b" of "a.b.c"
        # and of "a.b:Name"): a name bound to one of them can spell a legacy path.
        self._prefixes = frozenset(
            ".".join(parts[:depth])
            for parts in map(paths.parts, self.canonical)
            for depth in range(1, len(parts))
        )
        #: The first components of legacy and canonical paths: a file naming none is no concern.
        #: (``quoted_roots``: each one after a quote, for a quick search; ``None`` for large
        #: tables, where searching for each costs more than it saves.)
        self.all_roots = self.roots | frozenset(map(paths.root, self.canonical.values()))
        self.all_roots |= frozenset(paths.root(rule[0]) for rule in factories)
        self.quoted_roots: tuple[str, ...] | None = None
        if len(self.all_roots) <= _LITERAL_LIMIT:
            self.quoted_roots = tuple(q + r for r in sorted(self.all_roots) for q in "\"'")

    def __getstate__(self) -> tuple[object, ...]:
        return tuple(getattr(self, slot) for slot in self.__slots__)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for slot, value in zip(self.__slots__, state):
            object.__setattr__(self, slot, value)

    def __len__(self) -> int:
        return len(self.canonical)

    def leads_to_legacy(self, path: str) -> bool:
        """Whether an attribute read off the module ``path`` (or its canonical module) can be a
        legacy path: ``path`` is a proper prefix of one."""
        if path in self._prefixes:
            return True
        parts = path.split(".")
        match = self.legacy(parts)
        if match is None or match.consumed > len(parts):
            return False
        return ".".join([*match.replacement, *parts[match.consumed :]]) in self._prefixes

    def serves_names(self, module: str) -> bool:
        """Whether legacy module ``module`` has moved names declared on it."""
        return module in self.names

    def prefilter(self) -> Prefilter:
        """A byte-level test of whether a file can mention any legacy or canonical path."""
        pairs: dict[str, set[str]] = {}
        for legacy, canonical in self.canonical.items():
            for path in (legacy, canonical):
                parts = paths.parts(path)
                pairs.setdefault(parts[0], set()).add(parts[-1])
        return Prefilter(pairs)

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
