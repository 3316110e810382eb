"""``[tool.compatshim.paths]``: file names recorded on other machines, mapped onto one.

Data gathered from CI runners, staging and production hosts names the same source file in
different ways: ``/srv/app/shop/ws.py``, ``/home/ci/build/shop/ws.py``, ``C:\\build\\shop\\ws.py``.
As in coverage.py's ``[paths]``, each entry of the table is a list whose first value is the
canonical prefix and the others patterns: a recorded file name that starts with a pattern gets
that start replaced by the canonical prefix, so every host's hits at one line count as one site.

Patterns may hold ``*`` (any characters but a separator) and ``?`` (one such character); ``/``
and ``\\`` both match either separator, and a pattern that looks like a Windows path (a drive
letter, or backslashes) matches without regard to case. The first pattern that matches wins;
a name no pattern matches is left as it is. Names that are not valid UTF-8 (stored as bytes)
are never remapped.
"""

from __future__ import annotations

import re


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from collections.abc import Sequence

__all__ = ["PathMap"]


def _pattern(text: str) -> re.Pattern[str]:
    # A prefix pattern: separators match either separator, * and ? stay within one part.
    windows = "\\" in text or re.match(r"[A-Za-z]:", text) is not None
    parts = []
    for char in text.rstrip("/\\"):
        if char in "/\\":
            parts.append(r"[/\\]")
        elif char == "*":
            parts.append(r"[^/\\]*")
        elif char == "?":
            parts.append(r"[^/\\]")
        else:
            parts.append(re.escape(char))
    # The prefix ends at a separator (or is the whole name): "shop" never matches "shopping".
    return re.compile("".join(parts) + r"(?=[/\\]|$)", re.IGNORECASE if windows else 0)


class PathMap:
    """The ``paths`` table, ready to map recorded file names."""

    def __init__(self, table: Mapping[str, Sequence[str]] | None) -> None:
        self._rules: list[tuple[re.Pattern[str], str]] = []
        for entries in (table or {}).values():
            canonical = entries[0].rstrip("/\\")
            for entry in entries[1:]:
                self._rules.append((_pattern(entry), canonical))

    def __bool__(self) -> bool:
        return bool(self._rules)

    def __call__(self, name: str | bytes) -> str | bytes:
        """``name`` mapped by the first pattern that matches its start (as it is otherwise);
        the rest of the name keeps its parts, joined with ``/`` unless the canonical prefix
        is a Windows path."""
        if not isinstance(name, str):
            return name
        for pattern, canonical in self._rules:
            match = pattern.match(name)
            if match is not None:
                rest = name[match.end() :].lstrip("/\\")
                if not rest:
                    return canonical
                separator = "\\" if "\\" in canonical else "/"
                return canonical + separator + separator.join(re.split(r"[/\\]+", rest))
        return name
