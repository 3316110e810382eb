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

import bisect
import io
import re
import tokenize


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .findings import Finding

__all__ = ["Suppressions", "may_suppress", "reported", "suppressions"]

# The patterns are compiled on first use (re caches them): most scans never need one, and
# compiling them all costs an import a few milliseconds.
#: Whether a file can hold a suppression at all (on its bytes or text, before tokenizing).
_HINT = r"(?i)noqa|compatshim\s*:\s*ignore"
_HINT_BYTES = _HINT.encode()
# ruff's own pattern for a noqa directive, anywhere in the comment (after "# type: ignore", say).
_NOQA = r"#\s*(?i:noqa)(?::\s?(?P<codes>[A-Za-z]+[0-9]+(?:[,\s]+[A-Za-z]+[0-9]+)*))?"
_IGNORE = r"(?i)#\s*compatshim\s*:\s*ignore\b"
_CODE = r"[A-Za-z]+[0-9]+"
_NEWLINE = r"\r\n|\r|\n"
# What on a statement's first line lets it go on to the next lines.
_OPENS = r"(?m)[(\[{]|\\\s*$|\"\"\"|\'\'\'"

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
    # Two substring searches on a lowered copy cost a tenth of a case-blind regular expression.
    lowered = raw.lower()
    return b"noqa" in lowered or (
        b"compatshim" in lowered and re.search(_HINT_BYTES, lowered) is not None
    )


def _codes(comment: str) -> tuple[bool, frozenset[str] | None]:
    # Whether one comment suppresses, and what: a set of codes, or ALL.
    if re.search(_IGNORE, comment):
        return True, ALL
    found: set[str] = set()
    matched = False
    for match in re.finditer(_NOQA, comment):
        codes = match.group("codes")
        if codes is None:
            return True, ALL
        matched = True
        found.update(code.upper() for code in re.findall(_CODE, codes))
    return matched, frozenset(found)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(match.end() for match in re.finditer(_NEWLINE, text))
    return starts


def _may_matter(text: str, lines: Iterable[int]) -> bool:
    # Whether a suppressing comment can concern a finding on one of ``lines``, on the text
    # alone (in C). A comment covers its own line, and the lines of a statement it starts; a
    # statement goes on past its first line only through a bracket, a backslash or a
    # triple-quoted string opened there. So a hint on no finding's line, and on no line before
    # one that opens any of those, cannot matter (and tokenizing, slow, is skipped).
    hints = list(re.finditer(_HINT, text))
    if not hints:
        return False
    wanted = set(lines)
    last = max(wanted, default=0)
    starts = _line_starts(text)
    for match in hints:
        line = bisect.bisect_right(starts, match.start())
        if line in wanted:
            return True
        if line < last:
            end = starts[line] if line < len(starts) else len(text)
            if re.compile(_OPENS).search(text, starts[line - 1], end):
                return True
    return False


def suppressions(text: str, lines: Iterable[int] | None = None) -> Suppressions:
    """The suppressing comments of the source ``text`` (empty when it cannot be tokenized).

    :param lines: the lines of the findings to judge, if known: the file is then read only
        as far as their statements go, and not at all when no comment can concern them.
    """
    result = Suppressions()
    lowered = text.lower()
    if "noqa" not in lowered and "compatshim" not in lowered:
        return result
    if lines is not None:
        lines = list(lines)
        if not _may_matter(text, lines):
            return result
    elif re.search(_HINT, text) is None:
        return result
    last = max(lines) if lines else None
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
                if last is not None and token.end[0] > last:
                    break  # past the statement of the last finding (its comment included)
            elif first is None and kind not in skip and kind != tokenize.ENDMARKER:
                first = line
    except (tokenize.TokenError, SyntaxError):  # it parsed: only a pathological file gets here
        pass
    return result


def reported(findings: list[Finding], text: str) -> list[Finding]:
    """The placed ``findings`` of the source ``text`` that no comment suppresses."""
    if not findings:
        return findings
    found = suppressions(text, (finding.line for finding in findings))
    return found.split(findings)[0] if found else findings
