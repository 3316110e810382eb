"""Validating configured values against the options table: the settings of
``[tool.compatshim]`` and the aliases, each value with its option's type, choices and check.

One home for every check, whichever way the values came: parsed from ``pyproject.toml``, read
back from the cache, or passed to :func:`compatshim.alias`. Error messages name the file, line
and key; the line is looked up only when there is an error (it costs a search of the file).
"""

from __future__ import annotations

from .._base.errors import ConfigError
from .._base.errors import shown
from .alias import FIELDS
from .alias import Alias
from .options import OPTIONS
from .options import REQUIRED
from .state import data_file_problem


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping
    from typing import Any

    from .options import Option

__all__ = [
    "ALIAS_OPTIONS",
    "TOP_OPTIONS",
    "alias_maker",
    "check_data_file",
    "check_value",
    "make_alias",
    "settings",
]

#: The keys of ``[tool.compatshim]`` and of an alias's inline table, with their options.
TOP_OPTIONS = {o.key: o for o in OPTIONS if o.scope in ("top", "both")}
ALIAS_OPTIONS = {o.key: o for o in OPTIONS if o.scope in ("alias", "both")}
_ALIAS_KEYS = frozenset(ALIAS_OPTIONS)
_INDEX = {field: index for index, field in enumerate(FIELDS)}
_ORIGIN = _INDEX["origin"]
_PYTHON_TYPES: dict[str, type] = {"string": str, "boolean": bool, "table": dict, "array": list}


def check_value(option: Option, value: Any, label: str) -> Any:
    """``value``, if it is valid for ``option``.

    :raises ConfigError: saying why not, after ``label`` (file, line and key).
    """
    problem = _problem(option, value)
    if problem is not None:
        raise ConfigError(label + problem[1], slug=problem[0])
    return value


def _problem(option: Option, value: Any) -> tuple[str, str] | None:
    """``(slug, text)`` saying why ``value`` is not valid for ``option``, or ``None``."""
    if option.type == "date":
        import datetime  # on demand: most configurations have no dates

        # TOML dates are datetime.date; a datetime (a date subclass) is a different TOML type.
        valid = isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    else:
        expected = _PYTHON_TYPES[option.type]
        valid = isinstance(value, expected) and (expected is bool or not isinstance(value, bool))
    if not valid:
        hint = " (quote version numbers)" if option.key in ("since", "removed_in") else ""
        return (
            "config-wrong-type",
            f" must be a {option.type}, not {type(value).__name__} {shown(value)}{hint}",
        )
    problem = _text_problem(value) if option.type == "string" else None
    if problem is None and option.choices and value not in option.choices:
        problem = f" must be one of {', '.join(option.choices)}, not {shown(value)}"
    if problem is None and option.check is not None:
        problem = option.check(value)
        problem = None if problem is None else f": {problem}"
    return None if problem is None else ("config-bad-value", problem)


def _text_problem(value: str) -> str | None:
    if not value.strip():
        return " must not be empty"
    if not value.isprintable():
        bad = next(char for char in value if not char.isprintable())
        return (
            f" contains {bad!r} in {shown(value)}: control, format and separator characters "
            "(escape sequences, newlines, tabs) are refused"
        )
    return None


def alias_maker(
    defaults: Mapping[str, Any], project_version: str | None
) -> Callable[[Any, Any, str], Alias]:
    """A function that builds one alias from its configured value, with these defaults.

    Names are not checked here: :class:`AliasTable` validates every alias however it was made.
    """
    template: list[Any] = [None] * len(FIELDS)
    for key, option in ALIAS_OPTIONS.items():
        default = None if option.default is REQUIRED else option.default
        template[_INDEX[key]] = defaults.get(key, default)
    template[_INDEX["project_version"]] = project_version
    # Aliases repeat their values (one policy, a few versions): each is checked once.
    checked: dict[tuple[str, type, Any], tuple[str, str] | None] = {}

    def make(legacy: Any, value: Any, where: str) -> Alias:
        if not isinstance(legacy, str):
            raise ConfigError(f"{where}: alias {shown(legacy)} must be named by a string")
        row = template.copy()
        if isinstance(value, str):  # the short form, "old" = "new": the usual case
            row[1] = row[2] = value
        else:
            _fill(row, legacy, value, where, checked)
        row[0] = legacy
        row[_ORIGIN] = where
        return Alias.from_fields(row)

    return make


def _fill(
    row: list[Any],
    legacy: str,
    value: Any,
    where: str,
    checked: dict[tuple[str, type, Any], tuple[str, str] | None],
) -> None:
    if not isinstance(value, dict) or not value.keys() <= _ALIAS_KEYS or "target" not in value:
        _refuse_table(legacy, value, where)
    for key, item in value.items():
        option = ALIAS_OPTIONS[key]
        try:
            memo = (key, type(item), item)
            problem = (
                checked[memo]
                if memo in checked
                else checked.setdefault(memo, _problem(option, item))
            )
        except TypeError:  # unhashable: a list or a table where a value should be
            problem = _problem(option, item)
        if problem is not None:
            raise ConfigError(f"{where}: alias {shown(legacy)}: {key}{problem[1]}", slug=problem[0])
        row[_INDEX[key]] = item
    row[2] = row[1]  # canonical: the target, until the table resolves chains


def _refuse_table(legacy: str, value: Any, where: str) -> None:
    label = f"{where}: alias {shown(legacy)}"
    if not isinstance(value, dict):
        raise ConfigError(
            f"{label} must be a target string or an inline table, not {type(value).__name__}",
            slug="config-wrong-type",
        )
    unknown = sorted(map(str, value.keys() - _ALIAS_KEYS))
    if unknown and "target" not in value:
        # TOML reads an unquoted dotted key (old.pkg = "new.pkg") as nested tables.
        raise ConfigError(
            f"{label} looks like an unquoted dotted key: quote legacy paths in "
            f'[tool.compatshim.aliases], as in "{shown(legacy)[1:-1]}.{shown(unknown[0])[1:-1]}" '
            "= ...",
            slug="config-unknown-key",
        )
    if unknown:
        raise ConfigError(
            f"{label}: unknown key {shown(unknown[0])} (known: {', '.join(ALIAS_OPTIONS)})",
            slug="config-unknown-key",
        )
    raise ConfigError(f"{label}: 'target' is required", slug="config-bad-value")


def make_alias(
    legacy: str,
    value: Any,
    *,
    defaults: Mapping[str, Any],
    where: str,
    project_version: str | None = None,
) -> Alias:
    """Build one alias from its configured value (a target string or a table of options)."""
    return alias_maker(defaults, project_version)(legacy, value, where)


def settings(table: Mapping[str, Any], where: Callable[[str], str]) -> dict[str, Any]:
    """The validated top-level settings of ``table``, with defaults for the keys not set.

    :param where: gives ``file:line`` of a key (called only for an error).
    :raises ConfigError: for an unknown key or an invalid value.
    """
    for key in table:
        if key not in TOP_OPTIONS:
            raise ConfigError(
                f"{where(str(key))}: unknown key [tool.compatshim] {shown(key)} "
                f"(known: {', '.join(TOP_OPTIONS)})",
                slug="config-unknown-key",
            )
    values = {}
    for key, option in TOP_OPTIONS.items():
        if key in table:
            problem = _problem(option, table[key])
            if problem is not None:  # only now look for the line: a search of the whole file
                label = f"{where(key)}: [tool.compatshim] {key}"
                raise ConfigError(label + problem[1], slug=problem[0])
            values[key] = table[key]
        else:
            values[key] = option.default
    return values


def check_data_file(
    settings: Mapping[str, Any], root: str, path: str | None, where: Callable[[str], str]
) -> None:
    """Check the telemetry ``data_file`` of validated ``settings`` (see ``state``).

    :raises ConfigError: ``config-bad-value``, naming the file, line and key.
    """
    problem = data_file_problem(settings["data_file"], root, path)
    if problem is not None:
        label = f"{where('data_file')}: [tool.compatshim] data_file"
        raise ConfigError(f"{label}: {problem}", slug="config-bad-value")
