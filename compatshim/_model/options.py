"""The options of ``[tool.compatshim]``: one table of keys, types, defaults and meanings.

``config`` parses and validates with it, and ``docs/config.md`` is generated from it (a test
keeps the two identical), so what is accepted and what is documented cannot drift apart.
"""

from __future__ import annotations

from . import policy as _policy
from .alias import POLICIES
from .alias import STRATEGIES


#: Every value of ``strict_scope``, the default first.
STRICT_SCOPES: tuple[StrictScope, ...] = ("project", "all")


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any
    from typing import Literal

    #: Where the ``error`` policy raises (the ``strict_scope`` key).
    StrictScope = Literal["project", "all"]

__all__ = ["OPTIONS", "REQUIRED", "STRICT_SCOPES", "Option"]

#: The default of a key that must be given.
REQUIRED = object()


class Option:
    """One configuration key: where it may appear, its type, default, and what it means."""

    __slots__ = ("check", "choices", "default", "doc", "example", "key", "scope", "type")

    def __init__(
        self,
        key: str,
        type: str,
        default: Any,
        doc: str,
        *,
        scope: str,
        example: str,
        choices: tuple[str, ...] = (),
        check: Callable[[Any], str | None] | None = None,
    ) -> None:
        self.key, self.type, self.default, self.doc = key, type, default, doc
        self.scope, self.example, self.choices, self.check = scope, example, choices, check


def _check_version(value: str) -> str | None:
    from . import versions as _versions

    return None if _versions.parse(value) else f"{value!r} is not a PEP 440 version"


def _check_object_path(value: str) -> str | None:
    from .._base import paths

    if paths.kind(value) == "module":
        return f"{value!r} must name a class as 'package.module:Name'"
    return paths.problem(value, what="protocol", allow_attr=True)


def _check_paths(value: dict[Any, Any]) -> str | None:
    # [tool.compatshim.paths]: name = ["canonical prefix", "pattern", ...] (see _telemetry/remap)
    for name, entries in value.items():
        if not isinstance(entries, list) or len(entries) < 2:
            return f"{name!r} must be a list of at least two strings: the canonical prefix first"
        for entry in entries:
            if not isinstance(entry, str) or not entry.strip() or not entry.isprintable():
                return f"{name!r} holds {entry!r}: not a printable, non-empty string"
            if len(entry) > 4096:
                return f"{name!r} holds a path longer than 4096 characters"
    return None


# The characters of a distribution name (PEP 508), which starts and ends with a letter or digit.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _check_distributions(value: list[Any]) -> str | None:
    for item in value:
        if not (
            isinstance(item, str)
            and item
            and set(item) <= _NAME_CHARS
            and item[0].isalnum()
            and item[-1].isalnum()
        ):
            from .._base.errors import shown

            return f"{shown(item)} is not a distribution name"
    return None


def _check_package(value: str) -> str | None:
    from .._base import paths

    if paths.kind(value) == "name":
        return f"{value!r} must name a package, as 'mylib'"
    return paths.problem(value, what="ship", allow_attr=False)


#: Every key of ``[tool.compatshim]`` and of an alias's inline table. ``scope`` says where a key
#: may appear: ``"top"`` (the table itself), ``"alias"`` (an alias), ``"both"`` (a default at the
#: top, overridden per alias) or ``"factory"`` (only a factory rule; ``_model.factory`` lists
#: the alias keys a rule takes too). ``docs/config.md`` is generated from this table.
OPTIONS: tuple[Option, ...] = (
    Option(
        "target",
        "string",
        REQUIRED,
        'Where the legacy path now lives: a module (`"new.pkg"`) for a module alias, '
        '`"module:name"` for a moved name. Writing the target as the alias\'s whole value '
        '(`"old.pkg" = "new.pkg"`) is the short form of an inline table with only `target`.',
        scope="alias",
        example='"new.tools"',
    ),
    Option(
        "policy",
        "string",
        "warn",
        "What a use of the legacy path does: `warn` emits a warning at the user's line, `error` "
        "raises `compatshim.LegacyPathError` (an `ImportError`) naming the canonical path, "
        "`ignore` does neither. The environment variable `COMPATSHIM_POLICY` overrides it for "
        "every alias.",
        scope="both",
        example='"error"',
        choices=POLICIES,
    ),
    Option(
        "category",
        "string",
        None,
        'The warning category: the name of a builtin `Warning` subclass (`"FutureWarning"` is '
        'shown by default filters everywhere) or `"package.module:Name"`. The default is '
        "`compatshim.CompatshimDeprecationWarning`, a `DeprecationWarning`.",
        scope="both",
        example='"FutureWarning"',
        check=_policy.check_category,
    ),
    Option(
        "message",
        "string",
        None,
        "A template for the warning text, with the placeholders `{legacy}`, `{canonical}`, "
        "`{since}` and `{removed_in}`, replaced as they are: no format specs, conversions or "
        'attributes (`{{` and `}}` are braces). The default reads "old.pkg is deprecated since '
        '2.1 and will be removed in 3.0; import new.pkg instead", leaving out what is not set.',
        scope="both",
        example='"{legacy} moved to {canonical}"',
        check=_policy.check_template,
    ),
    Option(
        "since",
        "string",
        None,
        "The version that deprecated the legacy path (shown in the message).",
        scope="alias",
        example='"2.1"',
    ),
    Option(
        "removed_in",
        "string",
        None,
        "The version that removes the legacy path. Once the installed version of the "
        "distribution providing the canonical package reaches it, the legacy path raises "
        "`compatshim.LegacyPathRemoved`.",
        scope="alias",
        example='"3.0"',
        check=_check_version,
    ),
    Option(
        "remove_after",
        "date",
        None,
        "A date (TOML date, `2027-06-30`) after which the legacy path raises "
        "`compatshim.LegacyPathRemoved`.",
        scope="alias",
        example="2027-06-30",
    ),
    Option(
        "package",
        "string",
        None,
        "The distribution whose installed version `removed_in` is compared with. By default it "
        "is the distribution that installs the canonical top-level package; if none does, the "
        "`[project] version` of this `pyproject.toml` is used.",
        scope="both",
        example='"my-dist"',
    ),
    Option(
        "strategy",
        "string",
        "proxy",
        "`proxy` binds the legacy path to a module object that forwards every lookup to the "
        "canonical module, so each line that uses it is seen. `direct` binds the canonical "
        "module itself: no cost per access, but only the first import in a process is seen.",
        scope="both",
        example='"direct"',
        choices=STRATEGIES,
    ),
    Option(
        "protocol",
        "string",
        None,
        'A `typing.Protocol` the canonical object must satisfy, as `"package.module:Name"`. '
        "`compatshim check` verifies that the canonical class (or module) provides every member "
        "of it with a compatible signature: the contract the legacy callers rely on.",
        scope="alias",
        example='"myapp.protocols:SocketManager"',
        check=_check_object_path,
    ),
    Option(
        "strict_scope",
        "string",
        "project",
        "Where the `error` policy (and `COMPATSHIM_POLICY=error`, and pytest's "
        "`--compatshim-strict`) raises. `project`: only for uses in the project's own files "
        "(under the folder of this `pyproject.toml`, outside `site-packages` and the virtual "
        "environment) and in code with no file (`python -c`, doctests); a use in an installed "
        "package, the standard library or elsewhere is still counted but keeps the alias's own "
        "policy (warns where that is `error` too), since only its authors can fix it. `all`: every use raises. A removed path raises "
        "everywhere either way. See docs/pytest.md.",
        scope="top",
        example='"all"',
        choices=STRICT_SCOPES,
    ),
    Option(
        "telemetry",
        "boolean",
        True,
        "Record which code uses which legacy path, locally, in per-process files next to "
        "`data_file` (see docs/telemetry.md). `false` (or `COMPATSHIM_TELEMETRY=0`) writes "
        "nothing at all, not even the configuration cache.",
        scope="top",
        example="false",
    ),
    Option(
        "otel",
        "boolean",
        False,
        "Also publish the counts as OpenTelemetry metrics over OTLP/HTTP (the counter "
        "`compatshim.legacy_path.uses`), to the collector the standard `OTEL_*` variables name, "
        "beside the local files. Needs the `compatshim[otel]` extra, and `telemetry` on. "
        "`COMPATSHIM_OTEL` overrides it (see docs/telemetry.md).",
        scope="top",
        example="true",
    ),
    Option(
        "data_file",
        "string",
        ".compatshim/telemetry.db",
        "Where telemetry is stored, relative to the directory of this `pyproject.toml` and inside "
        "it; an absolute path is your explicit choice of a place elsewhere. Not a folder, not an "
        "existing file of the project (compatshim would overwrite it). Each process writes "
        "`<data_file>.<host>.<pid>.<random>`; `compatshim report` combines them into "
        "`<data_file>`. Only compatshim's own `.compatshim` folder gets a `.gitignore`.",
        scope="top",
        example='"build/compatshim.db"',
    ),
    Option(
        "paths",
        "table",
        None,
        "File names recorded on other machines, mapped onto one when data is combined "
        "(`compatshim combine`, `compatshim report`), as coverage.py's `[paths]`: each entry is "
        "a list whose first value is the canonical prefix and the others patterns (`*`, `?`; "
        "`/` and `\\` match either separator; Windows patterns match in any case). A recorded "
        "file name that starts with a pattern gets that start replaced, so that one line counts "
        "as one site on every host. Only combining reads it.",
        scope="top",
        example='{ shop = ["shop/", "/srv/app/shop/", "/home/ci/*/shop/", \'C:\\build\\shop\\\' ] }',
        check=_check_paths,
    ),
    Option(
        "include",
        "array",
        [],
        "Installed distributions whose shipped alias tables this project uses too, by their "
        "distribution names: `scan`, `migrate`, `stubs` and `report` read them without importing "
        "the libraries, and `install()` activates their aliases. Each must ship a table (see "
        "docs/libraries.md); their aliases join this table's, and a legacy path declared "
        "differently in two places is an error. `--from NAME` adds one for a single command.",
        scope="top",
        example='["mylib"]',
        check=_check_distributions,
    ),
    Option(
        "ship",
        "string",
        None,
        "For a library: the package (its import name) that ships this table to downstream "
        "projects. `compatshim stubs --write` writes the aliases into `compatshim.toml` in that "
        "package's folder, and `stubs --check` (and `compatshim check`) reports it stale; the "
        'library declares the entry point `[project.entry-points."compatshim.aliases"]` '
        '`mylib = "mylib"` naming the same package. See docs/libraries.md.',
        scope="top",
        example='"mylib"',
        check=_check_package,
    ),
    Option(
        "aliases",
        "table",
        {},
        'The aliases: each key is a legacy path (`"old.pkg"` or `"old.mod:Name"`), each '
        "value a target string or an inline table of the alias keys.",
        scope="top",
        example='{ "old.pkg" = "new.pkg" }',
    ),
    Option(
        "factories",
        "table",
        {},
        "Classes that must be constructed through their factory (see docs/factories.md): each "
        'key is a canonical class (`"package.module:Class"`), each value its factory '
        '(`"package.module:function"`) or an inline table of `factory` and the alias keys '
        "`protocol`, `policy`, `category`, `message`, `since`, `removed_in`, `remove_after` and "
        "`package`. Constructing the class anywhere but inside its factory warns at the user's "
        "line, is counted, and under `error` or after removal raises "
        "`compatshim.DirectConstructionError` (a `TypeError`).",
        scope="top",
        example='{ "chat.ws:Manager" = "chat.factory:create_manager" }',
    ),
    Option(
        "factory",
        "string",
        REQUIRED,
        'The function that makes a factory rule\'s class, as `"package.module:function"` (a '
        'classmethod or staticmethod as `"package.module:Class.method"`). Writing the factory '
        "as the rule's whole value is the short form of an inline table with only `factory`.",
        scope="factory",
        example='"chat.factory:create_manager"',
    ),
)
