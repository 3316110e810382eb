"""``compatshim export ruff``: the alias table as ruff's ``banned-api`` settings (rule TID251).

Every legacy path becomes an entry of ``[tool.ruff.lint.flake8-tidy-imports.banned-api]``
(``[lint.flake8-tidy-imports.banned-api]`` in a ``ruff.toml``) whose message names the
canonical path and the removal. The entries live in a region of the file that compatshim owns,
between two marker comments; everything outside it is kept byte for byte, and the file is
replaced atomically (``safeio.write_replace``), never through a link. ruff and its language
server then report legacy imports with no further setup (once TID251 is selected).

What ruff matches: a banned module, its submodules and the names imported from them, in
``import`` and ``from`` statements and in attribute chains it can resolve; a banned
``module.Name`` where that name is imported or read. Not: relative imports, strings
(``import_module``, ``mock.patch``), nor names bound several ways (``scan``'s CS106) as
``scan`` reads them. docs/ci.md lists the differences.
"""

from __future__ import annotations

import json
import os

from .._base import compat as _compat
from .._base.errors import CompatshimError
from .._base.paths import dotted
from .._base.paths import shown
from .._base.safeio import UnsafePath
from .._base.safeio import read_regular
from .._base.safeio import write_replace


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._model.alias import Alias
    from .._model.config import Config

__all__ = [
    "BEGIN",
    "END",
    "RuffExport",
    "entries",
    "export_command",
    "export_ruff",
    "exported",
    "target",
]

BEGIN = "# >>> compatshim export ruff"
END = "# <<< compatshim export ruff"
_NOTE = (
    "generated from [tool.compatshim] by `compatshim export ruff --write`: edits here are "
    "replaced; `compatshim check` reports it when stale"
)
_TABLE = ("lint", "flake8-tidy-imports", "banned-api")
# ruff reads a ruff.toml (or .ruff.toml) instead of pyproject.toml when there is one.
_RUFF_FILES = (".ruff.toml", "ruff.toml")
# Codes that select TID251 (ruff selects by prefix).
_SELECTING = frozenset({"ALL", "T", "TI", "TID", "TID2", "TID25", "TID251"})


def _message(alias: Alias) -> str:
    removal = ""
    if alias.removed_in:
        removal = f"; removed in {alias.removed_in}"
    elif alias.remove_after:
        removal = f"; removed after {alias.remove_after.isoformat()}"
    return f"deprecated (compatshim): use {dotted(alias.canonical)}{removal}"


def entries(config: Config) -> dict[str, str]:
    """Legacy path (dotted, as ruff names it) -> the message ruff shows, for every alias."""
    return {dotted(alias.legacy): _message(alias) for alias in config.table}


class RuffExport:
    """The export of one configuration: which file, its region now and as it should be."""

    def __init__(
        self,
        path: str,
        raw: bytes,
        span: tuple[int, int] | None,
        keys: tuple[str, ...],
        expected: dict[str, str],
    ) -> None:
        #: The ruff configuration file the region lives in.
        self.path = path
        #: The table's keys (``tool.ruff.lint...`` in a pyproject.toml) and its entries.
        self.keys, self.expected = keys, expected
        self.raw = raw
        #: Byte offsets of the region in the file as read (``None``: no region yet).
        self.span = span
        #: The region as it should be.
        self.wanted = _region(raw, ".".join(keys), expected)
        #: Notes for the user (the rule not selected), each ending with its slug.
        self.notes: list[str] = []

    @property
    def current(self) -> bool:
        """Whether the file's region is the one the table calls for."""
        return self.span is not None and self.raw[slice(*self.span)] == self.wanted.encode()

    @property
    def status(self) -> str:
        """``current``, ``stale`` or ``missing``."""
        return "current" if self.current else "stale" if self.span is not None else "missing"

    def new_content(self) -> bytes:
        """The whole file with the region in place (appended at the end when there is none)."""
        region = self.wanted.encode()
        if self.span is not None:
            start, end = self.span
            return self.raw[:start] + region + self.raw[end:]
        newline = b"\r\n" if b"\r\n" in self.raw else b"\n"
        head = self.raw
        if head and not head.endswith(b"\n"):
            head += newline
        if head.strip():
            head += newline
        return head + region

    def write(self) -> None:
        """Write the region (atomically; the rest of the file byte for byte).

        :raises CompatshimError: ``export-conflict`` if the result would not be the table ruff
            reads (the file defines the table elsewhere too), ``export-write`` if it cannot be
            written.
        """
        new = self.new_content()
        table = _lookup(_parse(self.path, new), self.keys)
        if table != {key: {"msg": message} for key, message in self.expected.items()}:
            raise CompatshimError(
                f"{shown(self.path)}: the file would not hold the exported table as written; "
                "left unchanged",
                slug="export-conflict",
            )
        if os.path.islink(self.path):  # it was not when read: someone is racing us
            raise CompatshimError(f"{shown(self.path)} became a symbolic link", slug="export-link")
        try:
            write_replace(self.path, new)
        except OSError as exc:
            raise CompatshimError(
                f"cannot write {shown(self.path)}: {exc.strerror or exc}", slug="export-write"
            ) from None


def target(config: Config) -> str:
    """The file ruff reads its settings from in the configuration's folder."""
    for name in _RUFF_FILES:
        path = os.path.join(config.root, name)
        if os.path.lexists(path):
            return path
    assert config.path is not None
    return os.path.join(config.root, os.path.basename(config.path))


def exported(config: Config) -> bool:
    """Whether the project's ruff settings hold compatshim's region (a quick look)."""
    try:
        raw = read_regular(target(config), follow=False)
    except OSError:
        return os.path.islink(target(config))  # a link there is worth reporting
    return BEGIN.encode() in raw


def _region(text: bytes, header: str, wanted: dict[str, str]) -> str:
    newline = "\r\n" if b"\r\n" in text else "\n"
    lines = [f"{BEGIN}: {_NOTE}", f"[{header}]"]
    lines += [f"{json.dumps(k, ensure_ascii=False)}.msg = {json.dumps(v, ensure_ascii=False)}"
              for k, v in sorted(wanted.items())]  # fmt: skip
    lines.append(END)
    return newline.join(lines) + newline


def _find(path: str, raw: bytes) -> tuple[int, int] | None:
    # The region: from the line that starts with BEGIN to the end of the line that is END.
    begin, end = BEGIN.encode(), END.encode()
    starts = [i for i in _line_starts(raw) if raw.startswith(begin, i)]
    stops = [i for i in _line_starts(raw) if raw.startswith(end, i)]
    if not starts and not stops:
        return None
    if len(starts) != 1 or len(stops) != 1 or stops[0] < starts[0]:
        raise CompatshimError(
            f"{shown(path)}: the markers of compatshim's ruff region are broken (one "
            f"'{BEGIN}' line, then one '{END}' line); delete the region and run "
            "compatshim export ruff --write",
            slug="export-region",
        )
    stop = raw.find(b"\n", stops[0])
    return starts[0], len(raw) if stop < 0 else stop + 1


def _line_starts(raw: bytes) -> list[int]:
    return [0, *(i + 1 for i, byte in enumerate(raw) if byte == 0x0A)]


def _lookup(document: dict[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = document
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _parse(path: str, raw: bytes) -> dict[str, Any]:
    try:
        return _compat.toml_loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CompatshimError(
            f"{shown(path)}: cannot export into it: not valid TOML ({exc})", slug="export-conflict"
        ) from None


def export_ruff(config: Config) -> RuffExport:
    """The ruff export of ``config``: where it goes and whether it is current.

    :raises CompatshimError: ``export-link`` (the file is a symbolic link), ``export-region``
        (broken markers), ``export-conflict`` (the file already defines the table outside the
        region, or is not valid TOML).
    """
    path = target(config)
    try:
        raw = read_regular(path, follow=False) if os.path.lexists(path) else b""
    except UnsafePath as exc:
        raise CompatshimError(
            f"{shown(path)}: {'a symbolic link' if os.path.islink(path) else exc}; compatshim "
            "edits only a regular file, never through a link",
            slug="export-link",
        ) from None
    except OSError as exc:
        raise CompatshimError(
            f"cannot read {shown(path)}: {exc.strerror or exc}", slug="export-write"
        ) from None
    span = _find(path, raw)
    outside = raw if span is None else raw[: span[0]] + raw[span[1] :]
    is_pyproject = os.path.basename(path) == "pyproject.toml"
    keys = ("tool", "ruff", *_TABLE) if is_pyproject else _TABLE
    document = _parse(path, outside)
    if _lookup(document, keys) is not None:
        raise CompatshimError(
            f"{shown(path)} defines [{'.'.join(keys)}] outside compatshim's region: move its "
            f"entries into [tool.compatshim] aliases (or delete the table) and run "
            "compatshim export ruff --write",
            slug="export-conflict",
        )
    export = RuffExport(path, raw, span, keys, entries(config))
    if not _selected(document, is_pyproject):
        table = "tool.ruff.lint" if is_pyproject else "lint"
        slug = "export-not-selected"
        export.notes.append(
            f"{shown(path)}: ruff reports banned APIs only with rule TID251 selected: add "
            f'"TID251" to extend-select under [{table}] [{slug}]'
        )
    return export


def _selected(document: dict[str, Any], is_pyproject: bool) -> bool:
    base: Any = document.get("tool", {}).get("ruff", {}) if is_pyproject else document
    if not isinstance(base, dict):
        return False
    codes: list[Any] = []
    for table in (base, base.get("lint")):
        if isinstance(table, dict):
            for key in ("select", "extend-select"):
                value = table.get(key)
                if isinstance(value, list):
                    codes.extend(value)
    return any(isinstance(code, str) and code in _SELECTING for code in codes)


def export_command(config: str | os.PathLike[str] | None, *, write: bool) -> tuple[bool, list[str]]:
    """``compatshim export ruff``: whether the region is current (or now written), and the
    lines to tell the user (notes first).

    :raises CompatshimError: no configuration (``export-no-config``), or one of
        :func:`export_ruff`'s and :meth:`RuffExport.write`'s.
    """
    from .._model.config import read_config

    loaded = read_config(config, store=False)
    if loaded.path is None:
        raise CompatshimError(
            "no [tool.compatshim] table found in a pyproject.toml here or above; "
            "pass --config PATH",
            slug="export-no-config",
        )
    export = export_ruff(loaded)
    lines = [f"note: {note}" for note in export.notes]
    name = shown(export.path)
    if export.current:
        return True, [*lines, f"ruff: {name} is current."]
    if write:
        export.write()
        return True, [*lines, f"ruff: {len(export.expected)} entries written to {name}."]
    return False, [*lines, f"ruff: {name}: {export.status}; run compatshim export ruff --write."]
