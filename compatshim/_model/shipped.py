"""Alias tables that libraries ship: found through a distribution's metadata, never imported.

A library declares its aliases in its own ``[tool.compatshim]`` table; ``compatshim stubs
--write`` copies them into ``compatshim.toml`` in one of its packages (the ``ship`` key), and an
entry point in the group ``compatshim.aliases`` names that package::

    [project.entry-points."compatshim.aliases"]
    mylib = "mylib"

A downstream project reads the table without importing the library: ``include = ["mylib"]`` in
its ``[tool.compatshim]``, ``--from mylib`` on the command line, or the library itself calling
:func:`compatshim.install_distribution` at import. The file is untrusted input: read only if it
is a regular file of reasonable size, parsed and validated exactly like a ``pyproject.toml``
table (the same checks and slugs), every error one line naming the distribution and the file.
"""

from __future__ import annotations

import os

from .._base.errors import ConfigError
from .._base.errors import shown
from .._base.safeio import read_regular
from .table import AliasTable
from .validate import alias_maker
from .validate import settings as checked_settings


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from .config import Config

__all__ = ["FILENAME", "GROUP", "Shipped", "full_table", "read_beside", "read_distribution"]

#: The entry point group a distribution names the package holding its table in.
GROUP = "compatshim.aliases"
#: The name of the table's file in that package.
FILENAME = "compatshim.toml"
#: Keys that are the application's to set, never a library's (they say where data goes and how
#: strict the project is): refused in a shipped table.
APPLICATION_KEYS = ("telemetry", "data_file", "include", "strict_scope", "ship")
# A shipped table larger than this is not read (a million aliases fit in far less).
_LIMIT = 64 * 1024 * 1024


class Shipped:
    """The alias table one installed distribution ships."""

    __slots__ = ("files", "name", "packages", "table", "version")

    def __init__(
        self, name: str, version: str, files: list[str], table: AliasTable, packages: list[str]
    ) -> None:
        #: The distribution's name, as its metadata spells it, and its version.
        self.name, self.version = name, version
        #: The table files read (one per entry point), and the package each is in.
        self.files, self.packages = files, packages
        self.table = table

    def __repr__(self) -> str:
        return f"<Shipped {self.name} {self.version}: {len(tuple(self.table))} aliases>"


def read_distribution(name: str) -> Shipped:
    """The table the installed distribution ``name`` ships, validated.

    :raises ConfigError: ``include-not-installed`` if no such distribution is installed,
        ``include-no-table`` if it ships no table, or the slug of what is wrong in its table.
    """
    from .._base.compat import metadata

    md = metadata()
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        raise ConfigError(
            f"{shown(name)}: no distribution of that name is installed, so it has no alias table "
            "to include (install it, or correct the name in include / --from)",
            slug="include-not-installed",
        ) from None
    except Exception as exc:  # noqa: BLE001 - the backport reads METADATA to find it: see below
        raise _unreadable(name, exc) from None
    try:
        # What the installer wrote is untrusted input: a field may be missing (the backport
        # raises KeyError for it, 3.12+ warns and gives None), a file may not be UTF-8, an entry
        # point line may not parse, and each Python version fails differently on each.
        meta = dist.metadata  # (the backport gives None for an empty file)
        meta_name = str((meta is not None and meta.get("Name")) or name)
        version = str((meta is not None and meta.get("Version")) or "")
        points = sorted(
            (ep for ep in dist.entry_points if ep.group == GROUP), key=lambda ep: str(ep.name)
        )
    except Exception as exc:  # noqa: BLE001 - see above: any failure is the metadata's
        raise _unreadable(name, exc) from None
    label = f"{meta_name} {version}".strip()
    if not points:
        raise ConfigError(
            f"{label} ships no alias table: it declares no {GROUP!r} entry point",
            slug="include-no-table",
        )
    aliases = []
    files = []
    packages = [str(point.value) for point in points]
    for package in packages:
        try:
            path = _locate(dist, package, label)
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - its file list (RECORD), as the metadata above
            raise _unreadable(label, exc) from None
        files.append(path)
        try:
            aliases.extend(_read_table(path, meta_name))
        except ConfigError as exc:
            raise ConfigError(f"{label}: {exc}", slug=exc.slug) from None
    try:
        table = AliasTable(aliases)
    except ConfigError as exc:
        raise ConfigError(f"{label}: {exc}", slug=exc.slug) from None
    return Shipped(meta_name, version, files, table, packages)


def _unreadable(label: str, exc: Exception) -> ConfigError:
    return ConfigError(
        f"{label}: its installed metadata cannot be read ({type(exc).__name__}: "
        f"{shown(str(exc))}); reinstall the distribution",
        slug="include-unreadable",
    )


def read_beside(name: str, module_file: str) -> Shipped | None:
    """The table of distribution ``name`` in the folder of ``module_file`` (the module that
    asks for it, in the library's package), or ``None`` if there is no ``compatshim.toml`` there.

    The fast way for a library installing its own table at import: no metadata is read (the
    version, needed only to judge a removal, is looked up when a use needs it).

    :raises ConfigError: as :func:`read_distribution`, for an invalid table.
    """
    path = os.path.join(os.path.dirname(os.path.abspath(module_file)), FILENAME)
    if not os.path.isfile(path):
        return None
    try:
        table = AliasTable(_read_table(path, name))
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc}", slug=exc.slug) from None
    return Shipped(name, "", [path], table, [])


def _locate(dist: Any, package: str, label: str) -> str:
    # The file in the package the entry point names: from the distribution's file list (an
    # installed wheel), else where the path finder finds the package (an editable install).
    # Nothing is imported.
    from .._base import paths

    if paths.kind(package) != "module" or paths.problem(package, what="package", allow_attr=False):
        raise ConfigError(
            f"{label}: the {GROUP!r} entry point must name a package, as 'mylib', not "
            f"{shown(package)}",
            slug="include-no-table",
        )
    parts = package.split(".")
    wanted = (*parts, FILENAME)
    for file in dist.files or ():
        if tuple(file.parts) == wanted:
            return os.path.abspath(str(dist.locate_file(file)))
    folder = _package_folder(parts)
    if folder is not None:
        return os.path.join(folder, FILENAME)
    raise ConfigError(
        f"{label}: package {package} (its {GROUP!r} entry point) has no {FILENAME}",
        slug="include-no-table",
    )


def _package_folder(parts: list[str]) -> str | None:
    import sys
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec(parts[0], sys.path)
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for part in parts[1:]:
        locations = [os.path.join(folder, part) for folder in locations]
        locations = [folder for folder in locations if os.path.isdir(folder)]
    return locations[0] if locations else None


def _read_table(path: str, name: str) -> list[Any]:
    from .toml import Locator
    from .toml import parse

    try:
        raw = read_regular(path, limit=_LIMIT)
    except OSError as exc:
        problem = "no such file" if isinstance(exc, FileNotFoundError) else str(exc)
        raise ConfigError(f"{path}: {problem}", slug="include-no-table") from None
    data, text = parse(path, raw)
    where = Locator(path, text)
    tool = data.get("tool")
    table = tool.get("compatshim") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: has no [tool.compatshim] table", slug="config-no-table")
    for key in APPLICATION_KEYS:
        if key in table:
            raise ConfigError(
                f"{where(key)}: [tool.compatshim] {key} is the application's to set, not a "
                "shipped table's",
                slug="config-unknown-key",
            )
    settings = checked_settings(table, where)
    # Removals compare with this distribution's installed version, unless an alias says more.
    # Its name is normalized and no version is kept in the aliases, so that one table reads the
    # same whichever way it was found (a library's own call and a project's include).
    settings["package"] = settings["package"] or _canonical_name(name)
    make = alias_maker(settings, None)
    return [
        make(legacy, value, where(legacy) if isinstance(legacy, str) else path)
        for legacy, value in settings["aliases"].items()
    ]


def read_all(names: Iterable[str]) -> list[Shipped]:
    """The tables of the distributions ``names``, each read once, in order."""
    seen: dict[str, Shipped] = {}
    for name in names:
        key = _canonical_name(name)
        if key not in seen:
            seen[key] = read_distribution(name)
    return list(seen.values())


def _canonical_name(name: str) -> str:
    # PEP 503: runs of -, _ and . are one separator, in any case.
    parts = name.lower().replace("_", "-").replace(".", "-").split("-")
    return "-".join(part for part in parts if part)


def full_table(config: Config, extra: Iterable[str] = (), *, store: bool = False) -> AliasTable:
    """The aliases of ``config`` with those of the distributions it includes and ``extra``.

    The aliases of ``config``'s own ``include`` are read from a cache beside its configuration
    cache when it is current (see below), so that a process start need not read package
    metadata; with ``store`` (``install()``), a cache is written when there is none.

    :raises ConfigError: for an included table that cannot be read or validated, or an alias
        declared differently in two of them (``alias-conflict``).
    """
    extra = list(extra)
    names = [*config.include, *extra]
    if not names:
        return config.table
    cached = _cached(config) if config.include and not extra else None
    if cached is not None:
        return AliasTable([*config.table, *cached])
    shipped = read_all(names)
    if store and config.include and not extra:
        _store(config, shipped)
    return AliasTable([*config.table, *(a for s in shipped for a in s.table)])


# -- the cache of included tables ------------------------------------------------------------
#
# Reading an included table costs more than everything else a start does (importing
# importlib.metadata alone), so its aliases are kept in ``.compatshim/include.cache``, in the
# configuration cache's format, keyed by the configuration's path, its include list and both
# versions. The cache is used only while each table file it was read from has the same size and
# modification time, and is still the file of the package Python would import first (the path
# finder is asked, which reads no metadata): an upgrade, an uninstall or another copy put first
# on sys.path is noticed. Like every cache it is untrusted input: its aliases are validated
# again, as the file's would be. Written only when the configuration cache would be.

_CACHE = "include.cache"


def _cache_key(config: Config) -> str:
    from .cache import make_key

    return make_key(f"{config.path}\0include", "\0".join(config.include).encode())


def _stamp(path: str) -> str:
    status = os.stat(path)
    return f"{status.st_size}:{status.st_mtime_ns}"


def _same(path: str, folder: str | None) -> bool:
    return folder is not None and os.path.normcase(os.path.abspath(folder)) == os.path.normcase(
        os.path.dirname(os.path.abspath(path))
    )


def _cached(config: Config) -> list[Any] | None:
    from . import cache
    from .config import aliases_from_columns

    if config.path is None:
        return None
    payload = cache.load(config.path, _cache_key(config), _LIMIT // 2, name=_CACHE)
    if payload is None:
        return None
    try:
        stored, _, strings = payload
        columns: dict[str, list[Any]] = dict(strings)
        files, stamps, packages = stored["files"], stored["stamps"], stored["packages"]
        if not all(isinstance(v, list) for v in (files, stamps, packages)):
            return None
        if not len(files) == len(stamps) == len(packages):
            return None
        for path, stamp, package in zip(files, stamps, packages):
            if _stamp(path) != stamp or not _same(path, _package_folder(package.split("."))):
                return None
        origins = columns.pop("origin")
        # Where each alias was declared, as messages show it: one of the files, and a line.
        for origin in origins:
            file, _, line = str(origin).rpartition(":")
            if file not in files or not (line.isascii() and line.isdigit()):
                return None
        aliases = list(aliases_from_columns(columns, origins, None, f"{_CACHE}: cached"))
        AliasTable(aliases)  # the names, checked as the shipped tables' were
        return aliases
    except Exception:  # noqa: BLE001 - a cache that does not validate: read the tables
        return None


def _store(config: Config, shipped: list[Shipped]) -> None:
    from . import cache
    from . import environ
    from .config import alias_columns

    if config.path is None or not config.telemetry or environ.telemetry_off():
        return
    try:
        if any(not s.packages for s in shipped):
            return  # read beside a module, not through an entry point: nothing to stamp
        files = [f for s in shipped for f in s.files]
        packages = [p for s in shipped for p in s.packages]
        stamps = [_stamp(f) for f in files]
    except OSError:
        return
    aliases = [a for s in shipped for a in s.table]
    columns = alias_columns(aliases)
    columns["origin"] = [a.origin for a in aliases]
    settings = {"files": files, "stamps": stamps, "packages": packages}
    cache.store(config.path, _cache_key(config), (settings, None, columns), name=_CACHE)
