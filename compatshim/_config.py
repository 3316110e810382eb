"""Reading ``[tool.compatshim]``: find the file, parse it, validate it against the options table.

The nearest ``pyproject.toml`` above the current directory that has the table is used;
``COMPATSHIM_CONFIG`` names a file explicitly. Unknown keys, wrong types and invalid values are
:class:`~compatshim.ConfigError`\\ s naming the file, line (where it can be found) and key.
"""

from __future__ import annotations

import os

from . import _compat
from ._alias import FIELDS
from ._alias import Alias
from ._errors import ConfigError
from ._options import OPTIONS
from ._options import REQUIRED
from ._options import Option
from ._table import AliasTable


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["Config", "load_config", "make_alias", "parse_table"]

_TOP = {o.key: o for o in OPTIONS if o.scope in ("top", "both")}
_ALIAS = {o.key: o for o in OPTIONS if o.scope in ("alias", "both")}
_PYTHON_TYPES: dict[str, type] = {"string": str, "boolean": bool, "table": dict}


class Config:
    """The validated ``[tool.compatshim]`` settings of one ``pyproject.toml``."""

    __module__ = "compatshim"

    def __init__(self, path: str | None, settings: Mapping[str, Any], table: AliasTable) -> None:
        #: The ``pyproject.toml`` read (``None`` when no file has a ``[tool.compatshim]`` table).
        self.path = path
        #: The directory paths in the configuration are relative to (absolute).
        self.root = os.path.dirname(path) if path is not None else os.getcwd()
        #: The aliases as a validated :class:`AliasTable` (chains resolved, cycles rejected).
        self.table = table
        #: The aliases in file order, with their chains resolved.
        self.aliases = tuple(table)
        self._settings = {k: v for k, v in settings.items() if k != "aliases"}
        self.policy: str = settings["policy"]
        self.category: str | None = settings["category"]
        self.message: str | None = settings["message"]
        self.package: str | None = settings["package"]
        self.strategy: str = settings["strategy"]
        self.telemetry: bool = settings["telemetry"]
        #: The telemetry data file (absolute).
        self.data_file = os.path.normpath(os.path.join(self.root, settings["data_file"]))

    def __repr__(self) -> str:
        return f"<Config {self.path!r} with {len(self.aliases)} aliases>"


class _Locator:
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


def _check_value(option: Option, value: Any, label: str) -> Any:
    if option.type == "date":
        import datetime  # on demand: the cached start-up path never needs it

        # TOML dates are datetime.date; a datetime (a date subclass) is a different TOML type.
        valid = isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    else:
        expected = _PYTHON_TYPES[option.type]
        valid = isinstance(value, expected) and (expected is bool or not isinstance(value, bool))
    if not valid:
        hint = " (quote version numbers)" if option.key in ("since", "removed_in") else ""
        raise ConfigError(
            f"{label} must be a {option.type}, not {type(value).__name__} {value!r}{hint}",
            slug="config-wrong-type",
        )
    if option.choices and value not in option.choices:
        raise ConfigError(
            f"{label} must be one of {', '.join(option.choices)}, not {value!r}",
            slug="config-bad-value",
        )
    if option.check is not None:
        problem = option.check(value)
        if problem is not None:
            raise ConfigError(f"{label}: {problem}", slug="config-bad-value")
    return value


def make_alias(
    legacy: str,
    value: Any,
    *,
    defaults: Mapping[str, Any],
    where: str,
    project_version: str | None = None,
) -> Alias:
    """Build one alias from its configured value (a target string or a table of options)."""
    label = f"{where}: alias {legacy!r}"
    options = {"target": value} if isinstance(value, str) else value
    if not isinstance(options, dict):
        raise ConfigError(
            f"{label} must be a target string or an inline table, not {type(value).__name__}",
            slug="config-wrong-type",
        )
    unknown = sorted(set(options) - set(_ALIAS))
    if unknown and "target" not in options:
        # TOML reads an unquoted dotted key (old.pkg = "new.pkg") as nested tables.
        raise ConfigError(
            f"{label} looks like an unquoted dotted key: quote legacy paths in "
            f'[tool.compatshim.aliases], as in "{legacy}.{unknown[0]}" = ...',
            slug="config-unknown-key",
        )
    if unknown:
        raise ConfigError(
            f"{label}: unknown key {unknown[0]!r} (known: {', '.join(_ALIAS)})",
            slug="config-unknown-key",
        )
    if "target" not in options:
        raise ConfigError(f"{label}: 'target' is required", slug="config-bad-value")
    fields: dict[str, Any] = {}
    for key, option in _ALIAS.items():
        if key in options:
            fields[key] = _check_value(option, options[key], f"{label}: {key}")
        else:
            fields[key] = defaults.get(key, None if option.default is REQUIRED else option.default)
    target = fields.pop("target")
    return Alias(legacy, target, origin=where, project_version=project_version, **fields)


def parse_table(
    data: Mapping[str, Any], path: str | None = None, text: str | None = None
) -> Config:
    """Validate a parsed ``pyproject.toml`` (a mapping with ``tool.compatshim``)."""
    where = _Locator(path, text)
    table = data.get("tool", {}).get("compatshim", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.compatshim] must be a table", slug="config-wrong-type")
    for key in table:
        if key not in _TOP:
            raise ConfigError(
                f"{where(key)}: unknown key [tool.compatshim] {key!r} (known: {', '.join(_TOP)})",
                slug="config-unknown-key",
            )
    settings = {}
    for key, option in _TOP.items():
        if key in table:
            label = f"{where(key)}: [tool.compatshim] {key}"
            settings[key] = _check_value(option, table[key], label)
        else:
            settings[key] = option.default
    project = data.get("project", {})
    version = project.get("version") if isinstance(project, dict) else None
    aliases = tuple(
        make_alias(
            legacy,
            value,
            defaults=settings,
            where=where(legacy),
            project_version=version if isinstance(version, str) else None,
        )
        for legacy, value in settings["aliases"].items()
    )
    return Config(path, settings, AliasTable(aliases))


def _parse(path: str, raw: bytes) -> tuple[dict[str, Any], str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc})", slug="config-invalid-toml") from None
    try:
        return _compat.toml_loads(text), text
    except _compat.toml_error() as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", slug="config-invalid-toml") from None


def _has_table(data: Mapping[str, Any]) -> bool:
    tool = data.get("tool")
    return isinstance(tool, dict) and "compatshim" in tool


def telemetry_disabled_by_env() -> bool:
    """Whether ``COMPATSHIM_TELEMETRY`` switches telemetry (and every write) off."""
    value = os.environ.get("COMPATSHIM_TELEMETRY", "").strip().lower()
    return value in ("0", "false", "no", "off")


_REMOVE_AFTER = FIELDS.index("remove_after")


def _to_payload(config: Config) -> tuple[object, ...]:
    # marshal knows no dates: remove_after travels as an ISO string.
    rows = []
    for alias in config.table:
        row = list(alias.fields())
        if alias.remove_after is not None:
            row[_REMOVE_AFTER] = alias.remove_after.isoformat()
        rows.append(tuple(row))
    return (tuple(config._settings.items()), tuple(rows))


def _from_payload(path: str, payload: Any) -> Config:
    settings, rows = payload
    aliases = []
    for row in rows:
        if row[_REMOVE_AFTER] is not None:
            import datetime

            row = list(row)
            row[_REMOVE_AFTER] = datetime.date.fromisoformat(row[_REMOVE_AFTER])
        aliases.append(Alias.from_fields(row))
    return Config(path, dict(settings), AliasTable(aliases, resolved=True))


def _load_file(path: str, raw: bytes, *, required: bool, store: bool = True) -> Config | None:
    from . import _cache

    key = _cache.make_key(path, raw)
    cached = _cache.load(path, key)
    if cached is not None:
        try:
            return _from_payload(path, cached)
        except Exception:  # noqa: BLE001, S110 - a cache of another shape: parse the file
            pass
    data, text = _parse(path, raw)
    if not _has_table(data):
        if required:
            raise ConfigError(f"{path}: has no [tool.compatshim] table", slug="config-no-table")
        return None
    config = parse_table(data, path, text)
    if store and config.telemetry and not telemetry_disabled_by_env():
        _cache.store(path, key, _to_payload(config))
    return config


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def load_config(pyproject: str | os.PathLike[str] | None = None) -> Config:
    """Read the ``[tool.compatshim]`` settings.

    :param pyproject: the file to read; by default ``COMPATSHIM_CONFIG``, else the nearest
        ``pyproject.toml`` with a ``[tool.compatshim]`` table at or above the current directory.
        With none found, the configuration is empty.
    :raises ConfigError: if the file is missing, not TOML, or the settings are invalid.
    """
    return read_config(pyproject, store=True)


def read_config(pyproject: str | os.PathLike[str] | None, *, store: bool) -> Config:
    """:func:`load_config`; with ``store=False`` it writes no cache (for commands that only read)."""
    explicit = pyproject if pyproject is not None else os.environ.get("COMPATSHIM_CONFIG") or None
    if explicit is not None:
        path = os.path.realpath(os.fspath(explicit))
        raw = _read_bytes(path) if os.path.isfile(path) else None
        if raw is None:
            source = "COMPATSHIM_CONFIG" if pyproject is None else "pyproject"
            raise ConfigError(f"{path}: no such file ({source})", slug="config-not-found")
        config = _load_file(path, raw, required=True, store=store)
        assert config is not None
        return config
    folder = os.getcwd()
    while True:
        path = os.path.join(folder, "pyproject.toml")
        raw = _read_bytes(path)
        # Most pyproject files do not mention compatshim at all: no need to parse them.
        if raw is not None and b"compatshim" in raw:
            config = _load_file(path, raw, required=False, store=store)
            if config is not None:
                return config
        parent = os.path.dirname(folder)
        if parent == folder:
            return parse_table({})
        folder = parent
