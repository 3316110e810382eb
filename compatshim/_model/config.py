"""Reading ``[tool.compatshim]``: find the file, parse it, validate it against the options table.

The nearest ``pyproject.toml`` above the current directory that has the table is used;
``COMPATSHIM_CONFIG`` names a file explicitly. Unknown keys, wrong types and invalid values are
:class:`~compatshim.ConfigError`\\ s naming the file, line (where it can be found) and key. A table
read back from the cache (``cache``) goes through exactly the same validation.
"""

from __future__ import annotations

import os
from itertools import repeat

from .._base.errors import ConfigError
from .._base.safeio import UnsafePath
from .._base.safeio import read_regular
from . import environ as _environ
from .alias import FIELDS
from .alias import Alias
from .table import AliasTable
from .validate import ALIAS_OPTIONS
from .validate import TOP_OPTIONS
from .validate import alias_maker
from .validate import check_data_file
from .validate import check_value
from .validate import settings as checked_settings


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Mapping
    from typing import Any

    from .alias import Policy
    from .alias import Strategy
    from .cache import Payload
    from .factory import FactoryTable
    from .options import StrictScope

__all__ = [
    "Config",
    "alias_columns",
    "aliases_from_columns",
    "configured",
    "empty_config",
    "load_config",
    "parse_table",
]

# What the cache stores of each alias: the fields the configuration sets, by their index.
_COLUMNS = {
    f: i for i, f in enumerate(FIELDS) if f not in ("canonical", "origin", "project_version")
}
_COLUMNS_BETWEEN = FIELDS[FIELDS.index("since") : FIELDS.index("origin")]


class Config:
    """The validated ``[tool.compatshim]`` settings of one ``pyproject.toml``."""

    __module__ = "compatshim"

    def __init__(
        self,
        path: str | None,
        settings: Mapping[str, Any],
        table: AliasTable,
        *,
        root: str | None = None,
        factories: FactoryTable | None = None,
    ) -> None:
        #: The ``pyproject.toml`` read (``None`` when no file has a ``[tool.compatshim]`` table).
        self.path = path
        #: The directory paths in the configuration are relative to (absolute).
        self.root = root if root is not None else _root_of(path)
        #: The aliases as a validated :class:`AliasTable` (chains resolved, cycles rejected).
        self.table = table
        #: The aliases in file order, with their chains resolved.
        self.aliases = tuple(table)
        #: The factory rules (``[tool.compatshim.factories]``), validated; ``None`` for none.
        self.factories = factories or None
        self._settings = {k: v for k, v in settings.items() if k not in ("aliases", "factories")}
        self.policy: Policy = settings["policy"]
        self.category: str | None = settings["category"]
        self.message: str | None = settings["message"]
        self.package: str | None = settings["package"]
        self.strategy: Strategy = settings["strategy"]
        self.telemetry: bool = settings["telemetry"]
        #: Whether the counts are also published as OpenTelemetry metrics (``otel``).
        self.otel: bool = settings["otel"]
        #: ``[tool.compatshim.paths]``: file names mapped onto one when combining (or ``{}``).
        self.paths: dict[str, list[str]] = settings.get("paths") or {}
        #: Where the ``error`` policy raises: ``"project"`` (its own files) or ``"all"``.
        self.strict_scope: StrictScope = settings["strict_scope"]
        #: The distributions whose shipped alias tables this project uses too.
        self.include: tuple[str, ...] = tuple(settings["include"])
        #: The package a library ships its table in (``compatshim stubs --write``), if any.
        self.ship: str | None = settings["ship"]
        #: The telemetry data file (absolute).
        self.data_file = os.path.normpath(os.path.join(self.root, settings["data_file"]))

    def __repr__(self) -> str:
        return f"<Config {self.path!r} with {len(self.aliases)} aliases>"


def cwd() -> str:
    """The current directory.

    :raises ConfigError: ``cwd-missing`` if it no longer exists (deleted, or moved away).
    """
    try:
        return os.getcwd()
    except OSError as exc:
        raise ConfigError(
            f"the current folder cannot be found ({exc.strerror}: deleted, or moved away?), and "
            "compatshim looks for pyproject.toml and resolves paths from it; run from a folder "
            "that exists",
            slug="cwd-missing",
        ) from None


def _root_of(path: str | None) -> str:
    return os.path.dirname(path) if path is not None else cwd()


def parse_table(
    data: Mapping[str, Any], path: str | None = None, text: str | None = None
) -> Config:
    """Validate a parsed ``pyproject.toml`` (a mapping with ``tool.compatshim``)."""
    from .toml import Locator  # only with a file: a cached start needs no TOML at all

    where = Locator(path, text)
    tool = data.get("tool")
    table = tool.get("compatshim", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.compatshim] must be a table", slug="config-wrong-type")
    settings = checked_settings(table, where)
    root = _root_of(path)
    if path is not None or "data_file" in table:  # with no file, nothing is ever written
        check_data_file(settings, root, path, where)
    project = data.get("project")
    version = project.get("version") if isinstance(project, dict) else None
    version = version if isinstance(version, str) else None
    make = alias_maker(settings, version)
    aliases = tuple(
        make(legacy, value, where(legacy) if isinstance(legacy, str) else where.path or "")
        for legacy, value in settings["aliases"].items()
    )
    factories = None
    if settings["factories"]:
        from .factory import factory_rules

        factories = factory_rules(settings["factories"], where, settings, version)
    return Config(path, settings, AliasTable(aliases), root=root, factories=factories)


def alias_columns(aliases: Iterable[Alias]) -> dict[str, list[Any]]:
    """The fields the configuration sets of each alias, as columns (a cache's form of them)."""
    rows = [alias.fields() for alias in aliases]
    columns: dict[str, list[Any]] = {
        name: [row[index] for row in rows] for name, index in _COLUMNS.items()
    }
    columns["remove_after"] = [
        None if day is None else day.isoformat() for day in columns["remove_after"]
    ]
    return columns


def _to_payload(config: Config, version: str | None) -> Payload:
    # Never the paths table: a configuration with one is never cached (_load_file).
    settings = {
        key: value
        for key, value in config._settings.items()
        if value is not None and key != "paths"
    }
    columns = alias_columns(config.table)
    # The line of each alias in the file (its origin is "<path>:<line>", or the path).
    start = len(f"{config.path}:")
    columns["line"] = [alias.origin[start:] or None for alias in config.table]
    return settings, version, columns


def _from_payload(path: str, text: str, payload: Payload) -> Config:
    """The configuration a cache holds, validated with the same checks as the file's table.

    :raises Exception: anything at all, if the cache holds what the file could not have.
    """
    stored, version, strings = payload
    columns: dict[str, list[Any]] = dict(strings)
    if set(columns) != {*_COLUMNS, "line"} or "aliases" in stored:
        raise ValueError("not the columns of this version")

    def where(key: str) -> str:  # only for an error: searching the file takes time
        from .toml import Locator

        return Locator(path, text)(key)

    settings = checked_settings(stored, where)
    settings["aliases"] = {}
    root = _root_of(path)
    check_data_file(settings, root, path, where)
    lines = columns.pop("line")
    numbers = "".join(filter(None, lines))
    if numbers and not (numbers.isascii() and numbers.isdigit()):
        raise ValueError("a line that is not a number")
    origins = [path if line is None else f"{path}:{line}" for line in lines]
    aliases = aliases_from_columns(columns, origins, version, f"{path}: cached")
    return Config(path, settings, AliasTable(aliases), root=root)


def aliases_from_columns(
    columns: dict[str, list[Any]], origins: list[str], version: str | None, label: str
) -> Iterator[Alias]:
    """The aliases :func:`alias_columns` made columns of, each value checked as in a file.

    :raises Exception: anything at all, if the columns hold what no configuration could.
    """
    if set(columns) != set(_COLUMNS):
        raise ValueError("not the columns of this version")
    legacy, target = columns["legacy"], columns["target"]
    if any(len(column) != len(legacy) for column in [*columns.values(), origins]):
        raise ValueError("columns of different lengths")
    if any(day is not None for day in columns["remove_after"]):
        import datetime

        columns["remove_after"] = [
            None if day is None else datetime.date.fromisoformat(day)
            for day in columns["remove_after"]
        ]
    for name, option in ALIAS_OPTIONS.items():
        if name == "target":
            continue  # a name: validated by the table, as when it is written as a string
        for value in set(columns[name]):  # each distinct value once
            if value is not None:
                check_value(option, value, f"{label} {name}")
            elif option.default is not None:
                raise ValueError(f"{name} must be set")
    if None in legacy or None in target:
        raise ValueError("an alias without a name")
    return map(
        Alias.from_fields,
        zip(
            legacy,
            target,
            target,
            *(columns[name] for name in _COLUMNS_BETWEEN),
            origins,
            repeat(version),
            columns["protocol"],
        ),
    )


def empty_config(root: str) -> Config:
    """The configuration of a process that has none: no aliases, every default."""
    return Config(
        None, {key: option.default for key, option in TOP_OPTIONS.items()}, AliasTable(), root=root
    )


def _has_table(data: Mapping[str, Any]) -> bool:
    tool = data.get("tool")
    return isinstance(tool, dict) and "compatshim" in tool


def _load_file(path: str, raw: bytes, *, required: bool, store: bool = True) -> Config | None:
    from . import cache as _cache

    key = _cache.make_key(path, raw)
    cached = _cache.load(path, key, len(raw))
    if cached is not None:
        try:
            # The cache is untrusted input: validated with the same checks as the file.
            return _from_payload(path, raw.decode("utf-8"), cached)
        except Exception:  # noqa: BLE001, S110 - a cache that does not validate: parse the file
            pass
    from .toml import parse

    data, text = parse(path, raw)
    if not _has_table(data):
        if required:
            raise ConfigError(f"{path}: has no [tool.compatshim] table", slug="config-no-table")
        return None
    config = parse_table(data, path, text)
    # The cache holds flat columns of aliases: a configuration with factory rules, or with a
    # [tool.compatshim.paths] table (only combining reads it), is parsed at each start.
    uncached = config.factories or config.paths
    if store and config.telemetry and not uncached and not _environ.telemetry_off():
        project = data.get("project")
        version = project.get("version") if isinstance(project, dict) else None
        _cache.store(path, key, _to_payload(config, version if isinstance(version, str) else None))
    return config


def _mentioning(path: str) -> bytes | None:
    # The content of the pyproject.toml at ``path`` if it may have the table: most pyproject
    # files do not mention compatshim at all, and need no parse. None when it is missing,
    # unreadable, or not a regular file (a FIFO would block).
    try:
        raw = read_regular(path)
    except OSError:
        return None
    return raw if b"compatshim" in raw else None


def configured(path: str) -> bool:
    """Whether the ``pyproject.toml`` at ``path`` has a ``[tool.compatshim]`` table (the pytest
    plugin asks this of the rootdir's file, which may be anything).

    :raises ConfigError: if it has the table, and the table is invalid.
    """
    if _mentioning(path) is None:
        return False
    try:
        load_config(path)
    except ConfigError as exc:
        if exc.slug == "config-no-table":
            return False  # a pyproject.toml that merely mentions compatshim
        raise
    return True


def load_config(pyproject: str | os.PathLike[str] | None = None) -> Config:
    """Read the ``[tool.compatshim]`` settings.

    :param pyproject: the file to read; by default ``COMPATSHIM_CONFIG``, else the nearest
        ``pyproject.toml`` with a ``[tool.compatshim]`` table at or above the current directory.
        With none found, the configuration is empty.
    :raises ConfigError: if the file is missing, not TOML, or the settings are invalid; also
        (``cwd-missing``) if the current directory is needed and no longer exists.
    """
    return read_config(pyproject, store=True)


def read_config(pyproject: str | os.PathLike[str] | None, *, store: bool) -> Config:
    """:func:`load_config`; with ``store=False`` it writes no cache (for commands that only read)."""
    explicit = pyproject if pyproject is not None else _environ.config_path()
    if explicit is not None:
        path = os.fspath(explicit)
        # Not realpath(): a pyproject.toml that is a link belongs to the folder it is in, and
        # .compatshim goes there, never beside a target outside the project.
        path = os.path.normpath(path if os.path.isabs(path) else os.path.join(cwd(), path))
        source = "COMPATSHIM_CONFIG" if pyproject is None else "pyproject"
        try:
            raw = read_regular(path)
        except UnsafePath as exc:
            raise ConfigError(f"{exc} ({source})", slug="config-not-found") from None
        except OSError as exc:
            problem = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror
            raise ConfigError(f"{path}: {problem} ({source})", slug="config-not-found") from None
        config = _load_file(path, raw, required=True, store=store)
        assert config is not None
        return config
    folder = cwd()
    while True:
        path = os.path.join(folder, "pyproject.toml")
        found = _mentioning(path)
        if found is not None:
            config = _load_file(path, found, required=False, store=store)
            if config is not None:
                return config
        parent = os.path.dirname(folder)
        if parent == folder:
            return empty_config(cwd())
        folder = parent
