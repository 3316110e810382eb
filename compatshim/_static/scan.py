"""``compatshim scan``: every use of a legacy path in a source tree, found without importing it.

Most files of a large tree never mention a legacy or canonical path, so each file's bytes are
first searched for the paths' first components (one compiled pattern); only files that match, or
that sit inside a legacy package (their relative imports may reach a legacy path), are parsed.
Large trees are read by a pool of worker processes, one per core (``_pool``). Findings come
out in file order and can be streamed (:func:`stream`): memory stays bounded however many there
are.
"""

from __future__ import annotations

import itertools
import os
import time

from .._base.errors import CompatshimError
from .._model.config import read_config
from .analyze import analyze
from .files import blank_block
from .files import has_block
from .files import is_generated
from .files import iter_discover
from .files import module_name
from .findings import find
from .pool import ordered
from .source import decode
from .source import failure
from .source import read
from .source import reason
from .table import StaticTable


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from collections.abc import Sequence
    from typing import Any

    from .findings import Finding
    from .table import Prefilter

__all__ = ["Adoption", "ScanResult", "internal_error", "scan", "static_table", "stream", "wanted"]

#: How a file that compatshim itself failed on is reported (a bug: the rest is still read).
INTERNAL_ERROR = "compatshim failed on this file (please report it)"


class Adoption:
    """How far one alias's migration has come: uses of its legacy and its canonical path."""

    __module__ = "compatshim"
    __slots__ = ("canonical", "canonical_uses", "legacy", "legacy_uses")

    def __init__(self, legacy: str, canonical: str, legacy_uses: int, canonical_uses: int):
        self.legacy, self.canonical = legacy, canonical
        self.legacy_uses, self.canonical_uses = legacy_uses, canonical_uses

    @property
    def ratio(self) -> float | None:
        """Canonical uses over all uses (1.0 is done), or ``None`` when neither is used."""
        total = self.legacy_uses + self.canonical_uses
        return self.canonical_uses / total if total else None

    def __repr__(self) -> str:
        return f"<Adoption {self.legacy} {self.canonical_uses}/{self.legacy_uses}>"


class ScanResult:
    """What :func:`scan` found: findings in file order, unreadable files, adoption per alias."""

    __module__ = "compatshim"

    def __init__(self) -> None:
        #: In file order (the order of the paths given, each folder's files in string order),
        #: then by line and column. Empty when the findings were streamed (:func:`stream`).
        self.findings: list[Finding] = []
        #: (file, why it was skipped, ending with the slug): not a regular file, unreadable,
        #: undecodable, not valid Python.
        self.errors: list[tuple[str, str]] = []
        self.adoption: list[Adoption] = []
        self.files = 0  # files considered
        self.parsed = 0  # files that passed the byte filter and were parsed
        self.found = 0  # findings
        self.found_files = 0  # files with findings
        self.seconds = 0.0

    @property
    def ok(self) -> bool:
        """Whether no legacy path is used, as far as can be told: no finding, and no file that
        may hold one skipped (a file the byte filter passes over is never even decoded)."""
        return not self.found and not self.errors

    def render(self, fmt: str = "text") -> str:
        """The result as ``text``, ``json``, ``github`` or ``sarif``."""
        from .render import render

        return render(self, fmt)


# -- per-file work (runs in worker processes) ---------------------------------------------------

_STATE: dict[str, Any] = {}


def _init(static: StaticTable) -> None:
    _STATE["static"] = static
    _STATE["prefilter"] = static.prefilter()
    _STATE["packages"] = {}


def _in_legacy_folder(path: str, static: StaticTable) -> bool:
    # A quick look before working out the module name: is a legacy root a folder on the path?
    parts = path.replace(os.sep, "/").split("/")[:-1]
    return not static.roots.isdisjoint(parts)


def wanted(path: str, raw: bytes) -> tuple[bool, str | None, bool]:
    """Whether a file can mention a legacy or canonical path, its module name, and if a package."""
    return _wanted(path, raw)[:3]


def _wanted(path: str, raw: bytes) -> tuple[bool, str | None, bool, list[bytes]]:
    # wanted(), and the first components of paths the file contains (see Prefilter.check).
    static: StaticTable = _STATE["static"]
    prefilter: Prefilter = _STATE["prefilter"]
    if is_generated(raw):  # stubs written by `compatshim stubs` are not uses, nor migrated
        return False, None, False, []
    go, present = prefilter.check(raw)
    if not go and (b"from ." not in raw or not _in_legacy_folder(path, static)):
        return False, None, False, present
    module, is_package = module_name(path, _STATE["packages"])
    if go:
        return True, module, is_package, present
    # A relative import inside a legacy package need not spell the package's name.
    go = module is not None and module.partition(".")[0] in static.roots
    return go, module, is_package, present


def internal_error(exc: BaseException) -> str:
    """How a file compatshim itself failed on is reported (a bug: the rest is still read)."""
    return reason(f"{INTERNAL_ERROR}: {exc!r}", slug="internal-error")


def _scan_one(path: str) -> tuple[str, list[Finding], dict[str, int], str | None, bool] | None:
    raw = None
    try:
        raw = read(path)[0]
        go, module, is_package, present = _wanted(path, raw)
        if not go:
            return None
        text = decode(raw)[0]
        if has_block(raw):  # the block `compatshim stubs` generated: neither legacy nor canonical
            text = blank_block(text)
        roots = [first.decode("ascii") for first in present]
        analysis = analyze(text, module, is_package, _STATE["static"], present=roots)
    except (OSError, ValueError, SyntaxError) as exc:  # unreadable, undecodable, not Python
        return path, [], {}, failure(exc, raw), raw is not None and isinstance(exc, SyntaxError)
    except Exception as exc:  # noqa: BLE001 - one file must never stop the scan of the rest
        return path, [], {}, internal_error(exc), True
    try:
        found, canonical = find(analysis, _STATE["static"])
        for finding in found:
            finding.file = path
            finding.line, finding.column = analysis.source.position(finding.column)
        found.sort(key=_in_file_order)
    except Exception as exc:  # noqa: BLE001 - as above
        return path, [], {}, internal_error(exc), True
    return path, found, canonical, None, True


def _in_file_order(finding: Finding) -> tuple[int, int, str]:
    return finding.line, finding.column, finding.code


def static_table(config: str | os.PathLike[str] | None) -> StaticTable:
    """The alias table of the configuration, for reading source.

    :raises CompatshimError: when no ``[tool.compatshim]`` table is found.
    """
    loaded = read_config(config, store=False)  # reading source must not write to the project
    if loaded.path is None:
        raise CompatshimError(
            "no [tool.compatshim] table found in a pyproject.toml here or above; "
            "pass --config PATH",
            slug="scan-no-config",
        )
    return StaticTable(loaded.table)


def sources(paths: Sequence[str], exclude: Sequence[str]) -> tuple[Iterator[str], Iterator[int]]:
    """The source files under ``paths``, listed lazily (the workers start on the first ones at
    once), and a counter whose next value, once they are all listed, is how many there were.

    :raises CompatshimError: if a path does not exist.
    """
    for path in paths:
        if not os.path.exists(path):
            raise CompatshimError(f"{path}: no such file or folder", slug="scan-path")
    counted = itertools.count()
    return (path for path, _ in zip(iter_discover(paths, exclude), counted)), counted


def scan(
    paths: Sequence[str] = (".",),
    config: str | os.PathLike[str] | None = None,
    *,
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    progress: bool = False,
) -> ScanResult:
    """Find every use of a configured legacy path in the source files under ``paths``.

    :param exclude: glob patterns of files and folders to skip, on top of the default excludes.
    :param jobs: worker processes for large trees (default: one per core).
    :raises ConfigError: if the configuration is invalid.
    :raises CompatshimError: if there is no configuration or a path does not exist.
    """
    result = ScanResult()
    result.findings.extend(stream(result, paths, config, exclude=exclude, jobs=jobs,
                                  progress=progress))  # fmt: skip
    return result


def stream(
    result: ScanResult,
    paths: Sequence[str] = (".",),
    config: str | os.PathLike[str] | None = None,
    *,
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    progress: bool = False,
) -> Iterator[Finding]:
    """:func:`scan`, one finding at a time, in file order, without keeping them: ``result``
    gets everything else (skipped files, adoption, counts) once the iterator is exhausted.

    The configuration and paths are checked before the first finding is asked for.
    """
    started = time.perf_counter()
    static = static_table(config)
    files, counted = sources(paths, exclude)
    return _stream(result, static, files, counted, started, jobs, progress)


def _stream(
    result: ScanResult,
    static: StaticTable,
    files: Iterator[str],
    counted: Iterator[int],
    started: float,
    jobs: int | None,
    progress: bool,
) -> Iterator[Finding]:
    canonical: dict[str, int] = {}
    legacy: dict[str, int] = {}
    for path, found, uses, error, parsed in ordered(
        _scan_one, files, _init, (static,), jobs=jobs, progress=progress
    ):
        result.parsed += parsed
        if error is not None:
            result.errors.append((path, error))
        for finding in found:
            legacy[finding.key] = legacy.get(finding.key, 0) + 1
        for key, count in uses.items():
            canonical[key] = canonical.get(key, 0) + count
        result.found += len(found)
        result.found_files += bool(found)
        yield from found
    result.files = next(counted)
    result.adoption = sorted(
        (
            Adoption(key, target, legacy.get(key, 0), canonical.get(key, 0))
            for key, target in static.canonical.items()
        ),
        key=lambda a: (-a.legacy_uses, a.legacy),
    )
    result.seconds = time.perf_counter() - started
