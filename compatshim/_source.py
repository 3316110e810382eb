"""A source file's text as ``scan`` and ``migrate`` read and write it.

Files are read as bytes and decoded the way Python does (PEP 263 cookie, UTF-8 BOM), and written
back in the same encoding with the same newlines, so a rewrite changes only what it means to.
``ast`` reports columns in UTF-8 bytes; :class:`Source` turns them into character offsets.
"""

from __future__ import annotations

import io
import re
import tokenize
from itertools import accumulate
from itertools import count
from operator import add


TYPE_CHECKING = False
if TYPE_CHECKING:
    import ast

__all__ = ["Source", "decode"]

# The line breaks of Python source; other characters str.splitlines() knows (form feed,
# U+2028) are not line breaks to the parser.
_NEWLINE = re.compile(r"\r\n|\r|\n")


def decode(raw: bytes) -> tuple[str, str, bool]:
    """Decode a source file: ``(text, encoding, had_bom)``.

    :raises SyntaxError: for an unknown encoding cookie.
    :raises UnicodeDecodeError: for bytes that are not in the file's encoding.
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    bom = raw.startswith(b"\xef\xbb\xbf")
    if bom:
        raw = raw[3:]
        encoding = "utf-8"
    return raw.decode(encoding), encoding, bom


def encode(text: str, encoding: str, bom: bool) -> bytes:
    """The bytes of ``text`` as :func:`decode` found them."""
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


class Source:
    """The text of one file and conversions between ``ast`` positions and character offsets."""

    __slots__ = ("_lines", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[int] | None = None  # computed when first needed

    @property
    def _starts(self) -> list[int]:
        # The offset where each line starts.
        starts = self._lines
        if starts is None:
            text = self.text
            if "\r" in text:
                starts = [0]
                starts.extend(match.end() for match in _NEWLINE.finditer(text))
            else:
                # The common case, in C: line k starts after the k lines before it and their
                # k newlines.
                lengths = accumulate(map(len, text.split("\n")[:-1]))
                starts = [0, *map(add, lengths, count(1))]
            self._lines = starts
        return starts

    def offset(self, line: int, column: int) -> int:
        """The character offset of ``ast``'s (1-based line, UTF-8 byte column)."""
        starts = self._starts
        start = starts[line - 1]
        if column == 0:
            return start
        end = starts[line] if line < len(starts) else len(self.text)
        segment = self.text[start:end]
        if segment.isascii():
            return start + column
        return start + len(segment.encode("utf-8")[:column].decode("utf-8"))

    def start(self, node: ast.expr | ast.stmt) -> int:
        """The offset where ``node`` starts."""
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.expr | ast.stmt) -> int:
        """The offset where ``node`` ends."""
        line, column = node.end_lineno, node.end_col_offset
        assert line is not None
        assert column is not None
        return self.offset(line, column)

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of an offset; the column counts characters."""
        starts = self._starts
        low, high = 0, len(starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1, offset - starts[low] + 1

    def line_bounds(self, offset: int) -> tuple[int, int]:
        """The offsets of the start of ``offset``'s line and of its end (before the newline)."""
        line, _ = self.position(offset)
        start = self._starts[line - 1]
        end = self._starts[line] if line < len(self._starts) else len(self.text)
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return start, end

    def newline(self) -> str:
        """The file's newline convention (that of its first line break)."""
        match = _NEWLINE.search(self.text)
        return match.group() if match else "\n"
