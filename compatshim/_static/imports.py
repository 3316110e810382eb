"""Exact source spans of the names in ``import`` statements, from their tokens.

``ast`` gives a statement's span, but the names inside it have positions only from Python 3.10
(``ast.alias``), and a rewrite that keeps formatting and comments needs the span of each dotted
name and ``as`` name. This module tokenizes one statement's source and returns them. Offsets are
character offsets into the statement's text.
"""

from __future__ import annotations

import io
import tokenize


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ImportName", "ImportSpans", "parse_import"]

_SKIP = (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)


class ImportName:
    """One imported name: its dotted text and span, and its ``as`` name and span, if any."""

    __slots__ = ("asname", "asname_span", "name", "span", "whole")

    def __init__(self, name: str, span: tuple[int, int]) -> None:
        self.name = name
        self.span = span
        self.asname: str | None = None
        self.asname_span: tuple[int, int] | None = None
        #: From the first character of the name to the end of its ``as`` name (or of itself).
        self.whole = span

    def __repr__(self) -> str:
        return f"ImportName({self.name!r} as {self.asname!r})"


class ImportSpans:
    """The parts of one ``import`` or ``from ... import`` statement."""

    __slots__ = ("has_comment", "level", "module", "module_span", "names", "parenthesised", "star")

    def __init__(self) -> None:
        self.level = 0  # leading dots of a relative import
        self.module: str | None = None  # ``from <module> import``; None for ``import``
        self.module_span: tuple[int, int] | None = None  # includes the leading dots
        self.names: list[ImportName] = []
        self.star = False
        self.has_comment = False
        #: The names are between parentheses (a line break inside is not a backslash's).
        self.parenthesised = False


def _tokens(text: str) -> Iterator[tuple[int, str, int, int]]:
    # (type, string, start offset, end offset) of each meaningful token of ``text``.
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.ENDMARKER:
            return
        start = starts[tok.start[0] - 1] + tok.start[1]
        end = starts[tok.end[0] - 1] + tok.end[1]
        yield tok.type, tok.string, start, end


def parse_import(text: str) -> ImportSpans:
    """Parse the source of one ``import`` / ``from ... import`` statement.

    :raises ValueError: if ``text`` is not such a statement.
    """
    spans = ImportSpans()
    tokens = []
    for kind, string, start, end in _tokens(text):
        if kind == tokenize.COMMENT:
            spans.has_comment = True
        elif kind not in _SKIP and string != "\\":
            tokens.append((kind, string, start, end))
    position = 0

    def take() -> tuple[int, str, int, int]:
        nonlocal position
        if position >= len(tokens):
            raise ValueError("unexpected end of import statement")
        position += 1
        return tokens[position - 1]

    def peek() -> str:
        return tokens[position][1] if position < len(tokens) else ""

    def dotted() -> tuple[str, tuple[int, int]]:
        _, first, start, end = take()
        parts = [first]
        while peek() == ".":
            take()
            _, part, _, end = take()
            parts.append(part)
        return ".".join(parts), (start, end)

    def names() -> None:
        while True:
            name, span = dotted() if spans.module is None else _one(take())
            item = ImportName(name, span)
            if peek() == "as":
                take()
                _, asname, start, end = take()
                item.asname, item.asname_span = asname, (start, end)
                item.whole = (span[0], end)
            spans.names.append(item)
            if peek() != ",":
                return
            take()
            if peek() in (")", ""):
                return  # trailing comma

    keyword = take()[1]
    if keyword == "import":
        names()
    elif keyword == "from":
        start = tokens[position][2]
        level = 0
        while peek() in (".", "..."):
            level += len(take()[1])
        spans.level = level
        module = ""
        end = tokens[position - 1][3] if level else start
        if peek() != "import":
            module, (_, end) = dotted()
        spans.module = module
        spans.module_span = (start, end)
        if take()[1] != "import":
            raise ValueError("expected 'import'")
        if peek() == "*":
            take()
            spans.star = True
        elif peek() == "(":
            take()
            spans.parenthesised = True
            names()
            take()
        else:
            names()
    else:
        raise ValueError(f"not an import statement: {keyword!r}")
    return spans


def _one(token: tuple[int, str, int, int]) -> tuple[str, tuple[int, int]]:
    return token[1], (token[2], token[3])
