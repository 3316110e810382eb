"""Text as a terminal may show it: the one home of escaping for human-readable output.

File names, module names and source lines come from disk, which anyone could have written. In
text meant for people (report's text and Markdown, scan's text and GitHub annotations, migrate's
messages and diff, the messages of every command), no terminal escape sequence, other C0 or C1
control, line break or bidirectional override gets through: each is escaped as Python writes it
in a string literal. Machine formats (JSON, SARIF) keep the exact text.
"""

from __future__ import annotations


__all__ = ["plain", "plain_lines"]

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    code = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def plain(text: str, keep: str = "") -> str:
    """``text`` with every unprintable character escaped as Python would (``\\x1b``,
    ``\\n``, ``\\u202e``); an undecodable file-name byte (U+DC80 to U+DCFF) as ``\\xNN``.
    Characters in ``keep`` (a tab, say) are left as they are."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char in keep else _escaped(char) for char in text)


def plain_lines(text: str) -> str:
    """Lines of text (a diff, source code) escaped line by line as :func:`plain` does, keeping
    their tabs and their line endings (``\\n``, and a ``\\r`` right before one)."""
    if text.isprintable():
        return text
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if not line.isprintable():
            ending = "\r" if line.endswith("\r") and index < len(lines) - 1 else ""
            lines[index] = plain(line[: len(line) - len(ending)], keep="\t") + ending
    return "\n".join(lines)
