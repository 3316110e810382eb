"""Reading a ``pyproject.toml``: parse it, turn every parser failure into a ConfigError, and find
the line of a key for error messages.

The TOML parser recurses once per level of nesting, so a value nested a few hundred levels deep
exhausts Python's stack; it converts integers with ``int()``, which refuses more than 4,300
digits. Both are the user's file being unusual, never a traceback: ``config-invalid-toml``,
naming the key where it can be found.
"""

from __future__ import annotations

from .._base import compat as _compat
from .._base.errors import ConfigError
from .._base.errors import shown


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Locator", "parse"]

# Deeper than this, a value is reported as the one that is too deep (the parser fails at about
# 300 levels; a real configuration nests two).
_DEEP = 64


class Locator:
    """Best-effort ``file:line`` of a key: TOML parsers do not report where keys are."""

    def __init__(self, path: str | None, text: str | None) -> None:
        self.path = path
        self._lines: dict[str, int] = {}
        ours = False  # inside [tool.compatshim] or one of its sub-tables
        for number, line in enumerate((text or "").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("["):
                table = stripped.strip("[]").split("#")[0].strip("[] ").replace('"', "")
                table = ".".join(part.strip() for part in table.split("."))
                ours = table == "tool.compatshim" or table.startswith("tool.compatshim.")
                continue
            key, equals, _ = line.partition("=")
            key = key.strip()
            if ours and equals and key:
                self._lines.setdefault(key.strip("\"'"), number)

    def __call__(self, key: str) -> str:
        if self.path is None:
            return "<config>"
        line = self._lines.get(key)
        if line is None:  # an unquoted dotted key: the line starts with "key."
            line = next((n for k, n in self._lines.items() if k.startswith(key + ".")), None)
        return f"{self.path}:{line}" if line is not None else self.path


def parse(path: str, raw: bytes) -> tuple[dict[str, Any], str]:
    """The parsed document and its text.

    :raises ConfigError: ``config-invalid-toml`` for anything the parser cannot read.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc})", slug="config-invalid-toml") from None
    try:
        return _compat.toml_loads(text), text
    except RecursionError:
        found = _too_deep(text)
        key = (
            found[1]
            if found and found[1].isprintable() and len(found[1]) < 80
            else shown(found[1] if found else "")
        )
        where = f"{path}:{found[0]}: {key}" if found else path
        problem = f"{where}: invalid TOML: a value nested too deeply to read"
    except ValueError as exc:  # TOMLDecodeError, and int() refusing thousands of digits
        problem = f"{path}: invalid TOML: {exc}"
    raise ConfigError(problem, slug="config-invalid-toml")


def _too_deep(text: str) -> tuple[int, str] | None:
    """The line and key of the first value nested deeper than ``_DEEP`` levels, if one is."""
    depth, line, quote = 0, 1, ""
    start, key = 1, ""  # where the current top-level value began, and its key
    at_line_start = True
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
            continue
        elif char in "[{":
            if depth == 0 and char == "[" and at_line_start:  # a table header, not an array
                end = text.find("\n", index)
                index = len(text) if end < 0 else end
                continue
            if depth == 0:
                begin = text.rfind("\n", 0, index) + 1
                start, key = line, text[begin:index].partition("=")[0].strip()
            depth += 1
            if depth > _DEEP:
                return start, key
        elif char in "]}":
            depth = max(depth - 1, 0)
        if char == "\n":
            line += 1
            at_line_start = True
        elif not char.isspace():
            at_line_start = False
        index += 1
    return None
