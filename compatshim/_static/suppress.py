"""Per-line suppression: ``# noqa``, ``# noqa: CS101, CS102`` and ``# compatshim: ignore``.

The rules are ruff's: a ``noqa`` comment silences the codes it names on its own line (all of
them when it names none); on the first line of a statement that spans several lines it covers
the whole statement (``from old import (`` ``# noqa: CS102`` ... ``)``). ``# compatshim: ignore``
silences every code, for projects whose other linters must not read a bare ``noqa``. Codes are
matched case-insensitively, as ruff matches them; a ``noqa`` naming only other tools' codes
(``# noqa: E501``) silences nothing of compatshim's.

Comments are found with :mod:`tokenize`, so a ``#`` inside a string is never one; a file whose
bytes hold no such comment is not tokenized at all.
"""

from __future__ import annotations

import io
import re
import tokenize


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .findings import Finding

__all__ = ["Suppressions", "may_suppress", "reported", "suppressions"]

#: Whether a file can hold a suppression at all (on its bytes or text, before tokenizing).
_HINT = re.compile(r"(?i)noqa|compatshim\s*:\s*ignore")
_HINT_BYTES = re.compile(rb"(?i)noqa|compatshim\s*:\s*ignore")
# ruff's own pattern for a noqa directive, anywhere in the comment (after "# type: ignore", say).
_NOQA = re.compile(r"#\s*(?i:noqa)(?::\s?(?P<codes>[A-Za-z]+[0-9]+(?:[,\s]+[A-Za-z]+[0-9]+)*))?")
_IGNORE = re.compile(r"#\s*compatshim\s*:\s*ignore\b", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")

#: Every code: what a bare noqa comment and a compatshim ignore comment silence.
ALL: frozenset[str] | None = None


class Suppressions:
    """The suppressing comments of one file: line -> the codes silenced (``None``: all)."""

    __slots__ = ("lines", "starts")

    def __init__(self) -> None:
        self.lines: dict[int, frozenset[str] | None] = {}
        #: line -> the first line of the statement it belongs to, for statements spanning lines.
        self.starts: dict[int, int] = {}

    def __bool__(self) -> bool:
        return bool(self.lines)

    def _covers(self, line: int, code: str) -> bool:
        if line not in self.lines:
            return False
        codes = self.lines[line]
        return codes is None or code in codes

    def silences(self, line: int, code: str) -> bool:
        """Whether a finding of ``code`` on ``line`` (1-based) is suppressed."""
        if self._covers(line, code):
            return True
        start = self.starts.get(line)
        return start is not None and self._covers(start, code)

    def split(self, findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
        """``(reported, suppressed)``: placed findings (``line`` set) parted by the comments."""
        reported: list[Finding] = []
        suppressed: list[Finding] = []
        for finding in findings:
            silenced = self.silences(finding.line, finding.code)
            (suppressed if silenced else reported).append(finding)
        return reported, suppressed


def may_suppress(raw: bytes) -> bool:
    """Whether the bytes of a file can hold a suppressing comment (a quick test)."""
    return _HINT_BYTES.search(raw) is not None


def _codes(comment: str) -> tuple[bool, frozenset[str] | None]:
    # Whether one comment suppresses, and what: a set of codes, or ALL.
    if _IGNORE.search(comment):
        return True, ALL
    found: set[str] = set()
    matched = False
    for match in _NOQA.finditer(comment):
        codes = match.group("codes")
        if codes is None:
            return True, ALL
        matched = True
        found.update(code.upper() for code in _CODE.findall(codes))
    return matched, frozenset(found)


def suppressions(text: str) -> Suppressions:
    """The suppressing comments of the source ``text`` (empty when it cannot be tokenized)."""
    result = Suppressions()
    if _HINT.search(text) is None:
        return result
    first: int | None = None  # the first line of the statement being read
    skip = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, line = token.type, token.start[0]
            if kind == tokenize.COMMENT:
                matched, codes = _codes(token.string)
                if matched:
                    result.lines[line] = codes
            if kind == tokenize.NEWLINE:
                if first is not None:
                    for inner in range(first + 1, token.end[0] + 1):
                        result.starts[inner] = first
                first = None
            elif first is None and kind not in skip and kind != tokenize.ENDMARKER:
                first = line
    except (tokenize.TokenError, SyntaxError):  # it parsed: only a pathological file gets here
        pass
    return result


def reported(findings: list[Finding], text: str) -> list[Finding]:
    """The placed ``findings`` of the source ``text`` that no comment suppresses."""
    if not findings:
        return findings
    found = suppressions(text)
    return found.split(findings)[0] if found else findings
