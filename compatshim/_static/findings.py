"""Findings: the legacy paths one analysed file uses, and the canonical paths it already uses.

The rules mirror the finder's: a ``from`` import's names are looked up as moved names first, a
dotted path's longest legacy prefix wins, chains of aliases are followed. An attribute chain is a
finding only where its text spells the legacy path (``old.mod.Name`` after ``import old.mod``, or
``m.OldName`` when ``OldName`` moved); ``m.Name`` after ``import old.mod as m`` is covered by the
finding on the import itself.
"""

from __future__ import annotations

from .._base import paths
from .imports import parse_import


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .analyze import Analysis
    from .analyze import Chain
    from .analyze import ImportStmt
    from .analyze import StringRef
    from .table import Match
    from .table import StaticTable

__all__ = [
    "CODES",
    "Finding",
    "ImportPlan",
    "NamePlan",
    "chain_match",
    "find",
    "plan_import",
    "string_parts",
]

#: Finding code -> (kind, what it is). The kinds are the ``kind`` of the JSON output.
CODES = {
    "CS101": ("import", "a legacy module is imported"),
    "CS102": ("moved-name", "a moved or renamed name is imported from its legacy module"),
    "CS103": ("attribute", "code reads a legacy path as a dotted attribute chain"),
    "CS104": ("string", "a string names a legacy path (import_module, mock.patch, ...)"),
    "CS105": ("star-import", "a star import from a legacy module"),
    "CS106": (
        "unresolved",
        (
            "a name that an import binds to a legacy path, and something else too, is read as "
            "one: it may be a legacy use"
        ),
    ),
    "CS107": (
        "text",
        "a comment, docstring or documentation file names a legacy path (scan --select CS107)",
    ),
    "CS108": (
        "construction",
        "a class with a factory rule is constructed directly, outside its factory's module",
    ),
}


class Finding:
    """One use of a legacy path in a source file (line and column are 1-based)."""

    __module__ = "compatshim"
    __slots__ = (
        "canonical",
        "code",
        "column",
        "file",
        "key",
        "legacy",
        "line",
        "note",
        "suppressed",
    )

    def __init__(
        self, code: str, offset: int, legacy: str, canonical: str, key: str, note: str = ""
    ) -> None:
        self.code = code
        self.legacy = legacy
        self.canonical = canonical
        #: The alias that matched, as declared (``old.mod`` or ``old.mod:Name``).
        self.key = key
        #: Why migrate cannot rewrite this one, if it cannot ("star import", ...).
        self.note = note
        #: Silenced by a noqa or compatshim ignore comment on its line (see ``suppress``).
        self.suppressed = False
        self.file = ""
        self.line, self.column = 0, offset  # the column holds the offset until placed

    @property
    def kind(self) -> str:
        """``import``, ``moved-name``, ``attribute``, ``string``, ``star-import``,
        ``unresolved``, ``text`` or ``construction``."""
        return CODES[self.code][0]

    @property
    def message(self) -> str:
        """``old.mod is deprecated; use new.mod``, with the reason when it needs a human."""
        text = f"{self.legacy} is deprecated; use {self.canonical}"
        if self.note:
            text = f"{text} ({self.note})"
        return f"{text} (suppressed)" if self.suppressed else text

    def __repr__(self) -> str:
        return f"<Finding {self.file}:{self.line}:{self.column} {self.code} {self.legacy}>"

    def to_json(self) -> dict[str, Any]:
        """The finding as an entry of ``scan --format json``."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "legacy": self.legacy,
            "canonical": self.canonical,
            "kind": self.kind,
            "code": self.code,
            **({"suppressed": True} if self.suppressed else {}),
        }


class NamePlan:
    """What one name of an import statement becomes.

    ``mode`` is ``keep`` (not legacy), ``module`` (its module is legacy: import it from
    ``module``), ``moved`` (a moved name: import ``new`` from ``module``), ``submodule``
    (``from old import mod`` where ``old.mod`` is legacy) or, for ``import a.b``, ``import``
    (import ``module`` instead).
    """

    __slots__ = ("asname", "index", "key", "mode", "module", "name", "new")

    def __init__(self, index: int, name: str, asname: str | None) -> None:
        self.index, self.name, self.asname = index, name, asname
        self.mode = "keep"
        self.module = ""
        self.new = name
        self.key = ""


class ImportPlan:
    """The legacy parts of one import statement."""

    __slots__ = ("module", "module_key", "names", "star", "stmt")

    def __init__(self, stmt: ImportStmt) -> None:
        self.stmt = stmt
        self.names = [NamePlan(i, name, asname) for i, (name, asname) in enumerate(stmt.names)]
        #: For ``from M import``: what M becomes when M itself is legacy, and its alias.
        self.module: str | None = None
        self.module_key = ""
        self.star = False

    @property
    def legacy(self) -> bool:
        """Whether the statement uses any legacy path."""
        return self.module is not None or any(n.mode != "keep" for n in self.names)


def plan_import(stmt: ImportStmt, static: StaticTable) -> ImportPlan:
    """Resolve every name of an import statement against the table."""
    plan = ImportPlan(stmt)
    if stmt.module is None and stmt.level == 0:  # import a.b.c [as n]
        for item in plan.names:
            match = static.legacy(item.name.split("."))
            if match is not None:
                item.mode, item.key = "import", match.key
                item.module = ".".join(
                    [*match.replacement, *item.name.split(".")[match.consumed :]]
                )
        return plan
    if stmt.module is None:
        return plan  # a relative import outside any known package
    parts = stmt.module.split(".")
    whole = static.legacy(parts)
    if whole is not None:
        plan.module = ".".join([*whole.replacement, *parts[whole.consumed :]])
        plan.module_key = whole.key
    if stmt.star:
        plan.star = whole is not None
        return plan
    for item in plan.names:
        match = static.legacy([*parts, item.name])
        if match is None:
            continue
        item.key = match.key
        if match.consumed <= len(parts):
            item.mode = "module"
            item.module = ".".join([*match.replacement, *parts[match.consumed :]])
        elif match.module_len < len(match.replacement):
            item.mode, item.module = "moved", match.module
            item.new = ".".join(match.replacement[match.module_len :])
        else:
            item.mode = "submodule"
            item.module, _, item.new = match.dotted.rpartition(".")
    return plan


def string_parts(ref: StringRef) -> list[str] | None:
    """The dotted parts a string reference names, or ``None`` if it is not a dotted path."""
    if not paths.is_path(ref.value):
        return None
    return paths.parts(ref.value)


def chain_match(
    chain: Chain, static: StaticTable, path: str | None = None
) -> tuple[Match, list[str], int] | None:
    """The legacy path a chain spells: ``(match, full dotted parts, parts the name binds)``.

    ``path`` is the module the name holds (by default, the one its variable decidedly holds).
    """
    if path is None:
        path = chain.symbol.path
        assert path is not None
    bound_parts = path.split(".")
    full = [*bound_parts, *chain.attrs]
    match = static.legacy(full)
    if match is None:
        return None
    plain = chain.symbol.plain and path == chain.root
    if not plain and match.consumed <= len(bound_parts):
        return None  # the import that bound the name is the finding
    return match, full, len(bound_parts)


def _chain_finding(
    chain: Chain, static: StaticTable, count: Callable[[list[str]], None]
) -> Finding | None:
    symbol = chain.symbol
    path = symbol.path
    if path is not None:
        hit = chain_match(chain, static, path)
        if hit is None:
            if chain.attrs and symbol.plain:
                count([*path.split("."), *chain.attrs])
            return None
        code, note = "CS103", ""
    else:
        # The name may hold one of several modules, or something else: each it may hold that
        # makes this a legacy use is reported, as unresolved, with the reason.
        hit = None
        for candidate in symbol.paths:
            hit = chain_match(chain, static, candidate)
            if hit is not None:
                path = candidate
                break
        if hit is None or path is None:
            return None
        code, note = "CS106", f"unresolved: {symbol.why}"
    match, full, _ = hit
    if symbol.plain and path == chain.root:
        offset = chain.start
    else:  # the first attribute that spells the legacy path
        offset = chain.ends[1] - len(chain.attrs[0])
    legacy = ".".join(full[: match.consumed])
    return Finding(code, offset, legacy, match.dotted, match.key, note)


def find(analysis: Analysis, static: StaticTable) -> tuple[list[Finding], dict[str, int]]:
    """The findings of one analysed file and its canonical uses per alias key."""
    found: list[Finding] = []
    canonical: dict[str, int] = {}

    def count(parts: list[str]) -> None:
        for key in set(static.canonical_keys(parts)):
            canonical[key] = canonical.get(key, 0) + 1

    text = analysis.source.text
    for stmt in analysis.imports:
        plan = plan_import(stmt, static)
        if not plan.legacy:
            module = stmt.module.split(".") if stmt.module else []
            for name, _ in stmt.names:
                count([*module, *name.split(".")] if name != "*" else module)
            continue
        spans = parse_import(text[stmt.start : stmt.end])
        base = stmt.start
        if plan.module is not None and (plan.star or any(i.mode == "module" for i in plan.names)):
            legacy = stmt.module or ""
            assert spans.module_span is not None
            code = "CS105" if plan.star else "CS101"
            note = "star import: import the names explicitly" if plan.star else ""
            offset = base + spans.module_span[0]
            found.append(Finding(code, offset, legacy, plan.module, plan.module_key, note))
        for item in plan.names:
            if item.mode == "keep":
                continue
            offset = base + spans.names[item.index].span[0]
            if item.mode == "import":
                found.append(Finding("CS101", offset, item.name, item.module, item.key))
            elif item.mode == "moved":
                legacy, new = f"{stmt.module}.{item.name}", f"{item.module}.{item.new}"
                found.append(Finding("CS102", offset, legacy, new, item.key))
            elif item.mode == "submodule":
                # A submodule may be aliased to a top-level module (no package to come from).
                new = f"{item.module}.{item.new}" if item.module else item.new
                legacy = f"{stmt.module}.{item.name}"
                found.append(Finding("CS101", offset, legacy, new, item.key))
    for chain in analysis.chains:
        finding = _chain_finding(chain, static, count)
        if finding is not None:
            found.append(finding)
    for ref in analysis.strings:
        parts = string_parts(ref)
        if parts is None:
            continue
        found_match = static.legacy([*parts, *ref.attrs])
        if found_match is None:
            count(parts)
            continue
        match = found_match
        note = "computed string: rewrite it by hand" if ref.computed else ""
        named = [*parts, *ref.attrs][: max(match.consumed, len(parts))]
        canonical_path = ".".join([*match.replacement, *named[match.consumed :]])
        found.append(Finding("CS104", ref.start, ".".join(named), canonical_path, match.key, note))
    return found, canonical
