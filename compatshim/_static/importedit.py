"""Text surgery on one import statement: the smallest edits that make it import canonical paths.

A statement whose names all move to one module keeps its shape, comments and layout: only the
module and the renamed names change (``from old.mod import Old`` becomes
``from new.mod import New as Old``, so the bound name never changes). Names that move elsewhere
leave the statement and are imported by new statements right after it, on their own lines with
the same indentation, or after ``;`` when the statement shares its line.
"""

from __future__ import annotations

from .imports import parse_import


TYPE_CHECKING = False
if TYPE_CHECKING:
    from .findings import ImportPlan
    from .findings import NamePlan
    from .imports import ImportSpans
    from .source import Source

__all__ = ["Edit", "append_statements", "binding", "rewrite_import"]

#: (start offset, end offset, replacement text)
Edit = tuple[int, int, str]


def _clause(new: str, bound: str) -> str:
    return new if new == bound else f"{new} as {bound}"


def binding(module: str, name: str) -> str:
    """The statement that binds ``name`` to the module ``module``: ``import new as name``, or
    ``from unittest import mock`` (the idiom for a submodule)."""
    parent, _, last = module.rpartition(".")
    if parent:
        return f"from {parent} import {_clause(last, name)}"
    return f"import {_clause(module, name)}"


def _group(item: NamePlan) -> tuple[str, str]:
    # Which statement a name ends up in: ("same", "") keeps the statement's module.
    if item.mode == "keep":
        return ("same", "")
    if item.mode == "submodule" and not item.module:
        return ("import", item.new)
    return ("from", item.module)


def _render(group: tuple[str, str], items: list[NamePlan], original_module: str) -> str:
    kind, module = group
    if kind == "import":
        return "; ".join(f"import {_clause(i.new, i.asname or i.name)}" for i in items)
    module = original_module if kind == "same" else module
    clauses = ", ".join(_clause(i.new, i.asname or i.name) for i in items)
    return f"from {module} import {clauses}"


def append_statements(
    source: Source, start: int, end: int, statements: list[tuple[str, str]]
) -> Edit:
    """An edit adding ``(statement, comment)`` pairs right after the statement at ``start:end``.

    On lines of their own they keep their comments; after ``;`` they cannot.
    """
    text = source.text
    _, line_end = source.line_bounds(end)
    first_line_start, _ = source.line_bounds(start)
    alone_before = not text[first_line_start:start].strip()
    after = text[end:line_end].strip()
    if alone_before and (not after or after.startswith("#")):
        indent = text[first_line_start:start]
        newline = source.newline()
        added = (f"{newline}{indent}{s}{'  ' + c if c else ''}" for s, c in statements)
        return line_end, line_end, "".join(added)
    return end, end, "".join(f"; {s}" for s, _ in statements)


def _own_line(text: str, spans: ImportSpans, index: int, base: int) -> tuple[int, int] | None:
    # The span of the whole line(s) holding name ``index`` if nothing else is on them.
    start, end = spans.names[index].whole
    line_start = text.rfind("\n", 0, base + start) + 1
    if text[line_start : base + start].strip():
        return None
    line_end = text.find("\n", base + end)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[base + end : line_end].strip()
    if rest not in ("", ",") and not rest.lstrip(",").lstrip().startswith("#"):
        return None
    return line_start, min(line_end + 1, len(text))


def _removals(
    text: str, spans: ImportSpans, removed: set[int], base: int, comments: dict[int, str]
) -> list[Edit]:
    # Edits deleting the names in ``removed``; the comments on their lines go to ``comments``.
    edits: list[Edit] = []
    inline: list[int] = []
    # A name alone on its line(s) between parentheses goes with its line; after a backslash the
    # line before ends in "\\", so the name goes with the comma before it, like one on a line.
    first, last = spans.names[0].whole[0], spans.names[-1].whole[1]
    multiline = spans.parenthesised and "\n" in text[base + first : base + last]
    for index in sorted(removed):
        line = _own_line(text, spans, index, base) if multiline else None
        if line is not None:
            edits.append((line[0], line[1], ""))
            rest = text[base + spans.names[index].whole[1] : line[1]]
            if "#" in rest:
                comments[index] = rest[rest.index("#") :].rstrip("\r\n")
        else:
            inline.append(index)
    kept = [i for i in range(len(spans.names)) if i not in removed]
    last_kept = kept[-1]
    for index in inline:
        if index < last_kept:  # "A, " up to the next kept name
            following = next(i for i in kept if i > index)
            edits.append(
                (base + spans.names[index].whole[0], base + spans.names[following].whole[0], "")
            )
    trailing = [i for i in inline if i > last_kept]
    if trailing:  # ", B" after the last kept name
        edits.append(
            (base + spans.names[last_kept].whole[1], base + spans.names[max(trailing)].whole[1], "")
        )
    return edits


def rewrite_import(
    source: Source, plan: ImportPlan, skip: set[int], kept: set[int] | frozenset[int] = frozenset()
) -> tuple[list[Edit], list[tuple[str, str]]]:
    """Edits for one statement, and the statements to add after it.

    Names whose index is in ``skip`` stay as they are (rewriting them would be unsafe); those in
    ``kept`` (``import old``) keep the name they bind (``import new as old``, or a statement of
    their own, ``from pkg import new as old``).
    """
    stmt = plan.stmt
    text = source.text
    base = stmt.start
    spans = parse_import(text[stmt.start : stmt.end])
    edits: list[Edit] = []
    if stmt.module is None and stmt.level == 0:  # import a.b [as c], ...
        moved: list[NamePlan] = []
        for item in plan.names:
            if item.mode != "import" or item.index in skip:
                continue
            start, end = spans.names[item.index].span
            if item.index not in kept:
                edits.append((base + start, base + end, item.module))
            elif "." in item.module:
                moved.append(item)  # from pkg import new as old: not within an import list
            else:
                edits.append((base + start, base + end, _clause(item.module, item.name)))
        if not moved:
            return edits, []
        statements = [binding(item.module, item.name) for item in moved]
        if len(moved) == len(plan.names):
            return [(stmt.start, stmt.end, "; ".join(statements))], []
        notes: dict[int, str] = {}  # the comments on the lines of names removed
        edits.extend(_removals(text, spans, {i.index for i in moved}, base, notes))
        return edits, [(s, notes.get(i.index, "")) for s, i in zip(statements, moved)]
    assert spans.module_span is not None
    original_module = text[base + spans.module_span[0] : base + spans.module_span[1]]
    groups: dict[tuple[str, str], list[NamePlan]] = {}
    for item in plan.names:
        key = ("same", "") if item.index in skip else _group(item)
        groups.setdefault(key, []).append(item)
    # The names that keep their module stay; else the largest group does (the smallest diff).
    stay = ("same", "")
    if stay not in groups:
        stay = max(groups, key=lambda key: len(groups[key]))
    if stay[0] == "import":  # nothing can stay in a from-import: replace the whole statement
        statements = [_render(key, items, original_module) for key, items in groups.items()]
        return [(stmt.start, stmt.end, "; ".join(statements))], []
    if stay[0] == "from" and stay[1] != original_module:
        edits.append((base + spans.module_span[0], base + spans.module_span[1], stay[1]))
    for item in groups[stay]:
        if item.index in skip or item.new == item.name:  # (a name left alone keeps its name)
            continue
        name = spans.names[item.index]
        bound = item.asname or item.name
        if item.asname == item.new:  # "Old as New" becomes plain "New"
            edits.append((base + name.whole[0], base + name.whole[1], item.new))
            continue
        edits.append((base + name.span[0], base + name.span[1], item.new))
        if item.asname is None:
            edits.append((base + name.span[1], base + name.span[1], f" as {bound}"))
    removed = {item.index for key, items in groups.items() if key != stay for item in items}
    comments: dict[int, str] = {}
    if removed:
        edits.extend(_removals(text, spans, removed, base, comments))
    others = [
        (
            _render(key, items, original_module),
            " ".join(comments[i.index] for i in items if i.index in comments),
        )
        for key, items in groups.items()
        if key != stay
    ]
    return edits, others
