"""Legacy paths named in prose: comments, docstrings and documentation files (CS107).

Old paths in the docs break Sphinx cross-references (nitpicky mode) the day the alias is
removed, and send readers to names that no longer exist. A reference is a dotted name in the
text (``old.mod.f``, ``old.mod:Name``), or a single name where the markup says it is one: a
Sphinx role (``:func:`~old.f```, ``:mod:`old```), an autodoc or module directive
(``.. automodule:: old``, ``.. currentmodule:: old``) or a literal in backticks (```old```).
A dotted name ending in a file extension (``old.py``) or inside a URL or a path is no reference.

Only the parts of a Python file that are prose are read: comments, and strings that are
statements of their own (docstrings); the code is :mod:`findings`' business. Positions are
offsets into the source text, so a rewrite (``migrate --docs``) replaces exactly the legacy
part of the name (``old.mod.f`` becomes ``new.mod.f``), inside any literal, without touching
anything else.
"""

from __future__ import annotations

import io
import re
import tokenize

from .files import DOC_SUFFIXES
from .findings import Finding


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from .table import StaticTable

__all__ = [
    "DOC_SUFFIXES",
    "Reference",
    "doc_findings",
    "python_prose",
    "references",
    "rewrite_docs",
]

# A name, dotted or not, not part of a longer name, a path or a URL; with "module:attr" too.
_NAME = re.compile(
    r"(?<![\w./\\-])(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?)"
)
# What before a single name makes it a reference: a role's backquote (with ~ or !), a
# directive's "::", a literal's backquote.
_MARKUP_BEFORE = re.compile(r"(?:`[~!.]*|::[ \t]+)$")
_EXTENSIONS = frozenset(
    {"py", "pyi", "pyc", "pyx", "pxd", "so", "md", "rst", "txt", "toml", "cfg", "ini", "json",
     "yaml", "yml", "html", "css", "js", "png", "svg", "c", "h", "sh", "bat", "whl", "gz", "zip",
     "org", "com", "io", "net"}
)  # fmt: skip


class Reference:
    """A legacy path named in prose: its span in the text and what it becomes."""

    __slots__ = ("canonical", "end", "key", "legacy", "start")

    def __init__(self, start: int, end: int, legacy: str, canonical: str, key: str) -> None:
        self.start, self.end = start, end
        self.legacy, self.canonical, self.key = legacy, canonical, key


def _references(text: str, static: StaticTable, start: int, end: int) -> Iterator[Reference]:
    # The legacy references in text[start:end].
    roots = static.roots
    for match in _NAME.finditer(text, start, end):
        path = match.group("path")
        if path.partition(".")[0].partition(":")[0] not in roots:
            continue
        module, colon, attr = path.partition(":")
        parts = module.split(".")
        if len(parts) > 1 and parts[-1] in _EXTENSIONS and not colon:
            continue
        if len(parts) == 1 and not colon:
            before = text[max(start, match.start() - 4) : match.start()]
            if not _MARKUP_BEFORE.search(before):
                continue
        attrs = attr.split(".") if colon else []
        found = static.legacy([*parts, *attrs])
        if found is None:
            continue
        offset = match.start("path")
        if colon and found.consumed > len(parts):
            # "old.mod:Name" where Name moved: the module and the moved name are legacy.
            named = ".".join(attrs[: found.consumed - len(parts)])
            stop = offset + len(module) + 1 + len(named)
            new = found.module + ":" + ".".join(found.replacement[found.module_len :])
        else:
            stop = offset + len(".".join(parts[: min(found.consumed, len(parts))]))
            new = ".".join(found.replacement)
        yield Reference(offset, stop, text[offset:stop], new, found.key)


def python_prose(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) offsets of the comments and docstrings (strings that are statements
    of their own) of Python source ``text``."""
    lines = [0]
    lines.extend(m.end() for m in re.finditer(r"\r\n|\r|\n", text))

    def offset(position: tuple[int, int]) -> int:
        line, column = position
        return lines[line - 1] + column if line <= len(lines) else len(text)

    at_start = True  # the next token starts a statement
    pending: tuple[int, int] | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = token.type
            if kind == tokenize.COMMENT:
                yield offset(token.start), offset(token.end)
            elif kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if pending is not None:
                    yield pending
                pending, at_start = None, True
            elif kind not in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
                is_doc = kind == tokenize.STRING and at_start
                pending = (offset(token.start), offset(token.end)) if is_doc else None
                at_start = False
    except (tokenize.TokenError, SyntaxError):
        return


def references(text: str, static: StaticTable, *, python: bool) -> list[Reference]:
    """The legacy references in a file's text (in its prose only, for Python source)."""
    if python:
        return [r for a, b in python_prose(text) for r in _references(text, static, a, b)]
    return list(_references(text, static, 0, len(text)))


def doc_findings(text: str, static: StaticTable, *, python: bool) -> list[Finding]:
    """The CS107 findings of a file's text, unplaced (``column`` holds the offset)."""
    return [
        Finding("CS107", r.start, r.legacy, r.canonical, r.key)
        for r in references(text, static, python=python)
    ]


def rewrite_docs(
    text: str, static: StaticTable, *, python: bool, skip: frozenset[int] = frozenset()
) -> str:
    """``text`` with every legacy reference in its prose replaced by its canonical path
    (but those starting at an offset in ``skip``)."""
    pieces: list[str] = []
    position = 0
    for ref in references(text, static, python=python):
        if ref.start in skip or ref.start < position:
            continue
        pieces.append(text[position : ref.start])
        pieces.append(ref.canonical)
        position = ref.end
    pieces.append(text[position:])
    return "".join(pieces)
