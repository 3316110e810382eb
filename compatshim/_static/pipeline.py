"""What ``scan`` and ``migrate`` share for each file: which files to read, and the table every
worker reads them with.

The alias table comes from the configuration (:func:`static_table`); the files are listed
lazily (:func:`sources`). Each process that reads files (this one, or a pool worker: ``pool``)
is prepared once (:func:`prepare`) and then decides per file, on its bytes, whether it can
mention a legacy or canonical path at all (:func:`wanted`): most files of a large tree never do.
"""

from __future__ import annotations

import itertools
import os
from typing import NamedTuple

from .._base.errors import CompatshimError
from .._base.terminal import plain
from .._model.config import read_config
from .files import SUFFIXES
from .files import is_generated
from .files import iter_discover
from .files import module_name
from .source import reason
from .table import StaticTable


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from collections.abc import Sequence

    from .table import Prefilter

__all__ = [
    "INTERNAL_ERROR",
    "Wanted",
    "internal_error",
    "prepare",
    "sources",
    "static",
    "static_table",
    "unread_folder",
    "wanted",
]

#: How a file that compatshim itself failed on is reported (a bug: the rest is still read).
INTERNAL_ERROR = "compatshim failed on this file (please report it)"


class Wanted(NamedTuple):
    """A file that can mention a legacy or canonical path: what module it is, and the first
    components of the paths its bytes contain (``StaticTable.prefilter``)."""

    module: str | None
    is_package: bool
    present: list[str]


class _Reader:
    # What this process reads files with (set by prepare(), in each worker).
    __slots__ = ("packages", "prefilter", "static")

    def __init__(self, static: StaticTable) -> None:
        self.static = static
        self.prefilter: Prefilter = static.prefilter()
        self.packages: dict[str, str | None] = {}  # folder -> package, for module_name()


_reader: _Reader | None = None


def prepare(static: StaticTable) -> None:
    """Read files with ``static`` in this process from now on (a pool's initializer)."""
    global _reader
    _reader = _Reader(static)


def static() -> StaticTable:
    """The table this process reads files with (see :func:`prepare`)."""
    assert _reader is not None, "prepare() first"
    return _reader.static


def _in_legacy_folder(path: str, static: StaticTable) -> bool:
    # A quick look before working out the module name: is a legacy root a folder on the path?
    parts = path.replace(os.sep, "/").split("/")[:-1]
    return not static.roots.isdisjoint(parts)


def wanted(path: str, raw: bytes) -> Wanted | None:
    """Whether the file ``path`` (of bytes ``raw``) can mention a legacy or canonical path, and
    if so what it is; ``None`` if it need not be parsed at all."""
    assert _reader is not None, "prepare() first"
    if is_generated(raw):  # stubs written by `compatshim stubs` are not uses, nor migrated
        return None
    static = _reader.static
    go, present = _reader.prefilter.check(raw)
    if not go and (b"from ." not in raw or not _in_legacy_folder(path, static)):
        return None
    module, is_package = module_name(path, _reader.packages)
    # A relative import inside a legacy package need not spell the package's name.
    if go or (module is not None and module.partition(".")[0] in static.roots):
        return Wanted(module, is_package, [first.decode("ascii") for first in present])
    return None


def internal_error(exc: BaseException) -> str:
    """How a file compatshim itself failed on is reported (a bug: the rest is still read)."""
    return reason(f"{INTERNAL_ERROR}: {exc!r}", slug="internal-error")


def static_table(config: str | os.PathLike[str] | None, include: Sequence[str] = ()) -> StaticTable:
    """The alias table of the configuration, with the tables of the distributions it includes
    and of ``include`` (shipped by libraries, read without importing them), for reading source.

    :raises CompatshimError: when no ``[tool.compatshim]`` table is found and ``include`` names
        no distribution.
    """
    from .._model.shipped import full_table

    loaded = read_config(config, store=False)  # reading source must not write to the project
    if loaded.path is None and not include:
        raise CompatshimError(
            "no [tool.compatshim] table found in a pyproject.toml here or above; "
            "pass --config PATH (or --from DISTRIBUTION)",
            slug="scan-no-config",
        )
    from .constructions import rules_of

    return StaticTable(full_table(loaded, include), rules_of(loaded.factories))


def sources(
    paths: Sequence[str],
    exclude: Sequence[str],
    problems: list[tuple[str, OSError]] | None = None,
    suffixes: tuple[str, ...] = SUFFIXES,
) -> tuple[Iterator[str], Iterator[int]]:
    """The source files under ``paths``, listed lazily (the workers start on the first ones at
    once), and a counter whose next value, once they are all listed, is how many there were.
    Folders that cannot be read go to ``problems`` (see :func:`unread_folder`).

    :raises CompatshimError: if a path does not exist or cannot be looked at.
    """
    for path in paths:
        try:
            os.stat(path)
        except FileNotFoundError:
            raise CompatshimError(
                f"{plain(path)}: no such file or folder", slug="scan-path"
            ) from None
        except (OSError, ValueError) as exc:  # a name too long, a loop of links, a NUL byte
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise CompatshimError(f"{plain(path)}: {why}", slug="scan-path") from None
    counted = itertools.count()
    listed = iter_discover(paths, exclude, problems, suffixes)
    return (path for path, _ in zip(listed, counted)), counted


def unread_folder(exc: OSError) -> str:
    """Why a folder was not read (every file below it is skipped), ending with the slug."""
    return reason(f"cannot read the folder: {exc.strerror or exc}", slug="source-unreadable")
