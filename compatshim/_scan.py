"""``compatshim scan``: every use of a legacy path in a source tree, found without importing it.

Most files of a large tree never mention a legacy or canonical path, so each file's bytes are
first searched for the paths' first components (one compiled pattern); only files that match, or
that sit inside a legacy package (their relative imports may reach a legacy path), are parsed.
Large trees are read by a pool of worker processes, one per core.
"""

from __future__ import annotations

import gc
import itertools
import os
import sys
import time

from ._analyze import analyze
from ._config import read_config
from ._errors import CompatshimError
from ._files import iter_discover
from ._files import module_name
from ._findings import find
from ._source import decode
from ._static import StaticTable
from ._stubfiles import blank_block
from ._stubfiles import has_block
from ._stubfiles import is_generated


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Sequence
    from typing import Any

    from ._findings import Finding
    from ._static import Prefilter

__all__ = ["Adoption", "ScanResult", "parallel", "read_bytes", "scan", "static_table"]

#: Below this many files a pool costs more than it saves.
POOL_THRESHOLD = 400
#: How a file that compatshim itself failed on is reported (a bug: the rest is still read).
INTERNAL_ERROR = "compatshim failed on this file (please report it)"
_CHUNK = 64


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
        self.findings: list[Finding] = []
        #: (file, why it was skipped): unreadable, undecodable or not valid Python.
        self.errors: list[tuple[str, str]] = []
        self.adoption: list[Adoption] = []
        self.files = 0  # files considered
        self.parsed = 0  # files that passed the byte filter and were parsed
        self.seconds = 0.0

    @property
    def ok(self) -> bool:
        """Whether no legacy path is used."""
        return not self.findings

    def render(self, fmt: str = "text") -> str:
        """The result as ``text``, ``json``, ``github`` or ``sarif``."""
        from ._scan_render import render

        return render(self, fmt)


# -- per-file work (runs in worker processes) ---------------------------------------------------

_STATE: dict[str, Any] = {}


def _init(static: StaticTable) -> None:
    _STATE["static"] = static
    _STATE["prefilter"] = static.prefilter()
    _STATE["packages"] = {}


def read_bytes(path: str) -> bytes:
    """The bytes of a file (decoded only once it is known to be worth parsing).

    :raises OSError: when it cannot be read.
    """
    with open(path, "rb") as file:
        return file.read()


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


def _scan_one(path: str) -> tuple[str, list[Finding], dict[str, int], str | None, bool] | None:
    try:
        raw = read_bytes(path)
        go, module, is_package, present = _wanted(path, raw)
        if not go:
            return None
        text = decode(raw)[0]
        if has_block(raw):  # the block `compatshim stubs` generated: neither legacy nor canonical
            text = blank_block(text)
        roots = [first.decode("ascii") for first in present]
        analysis = analyze(text, module, is_package, _STATE["static"], present=roots)
    except SyntaxError as exc:
        return path, [], {}, f"not valid Python: {exc.msg} (line {exc.lineno})", True
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return path, [], {}, f"cannot read: {exc}", False
    except Exception as exc:  # noqa: BLE001 - one file must never stop the scan of the rest
        return path, [], {}, f"{INTERNAL_ERROR}: {exc!r}", True
    try:
        found, canonical = find(analysis, _STATE["static"])
        for finding in found:
            finding.file = path
            finding.line, finding.column = analysis.source.position(finding.column)
    except Exception as exc:  # noqa: BLE001 - as above
        return path, [], {}, f"{INTERNAL_ERROR}: {exc!r}", True
    return path, found, canonical, None, True


def _run_chunk(work: Callable[[str], Any], paths: Sequence[str]) -> tuple[int, list[Any]]:
    # Syntax trees hold no reference cycles, yet building them triggers the cycle collector
    # over and over (a fifth of the parse time): it is paused while a chunk is read.
    enabled = gc.isenabled()
    gc.disable()
    try:
        # Files not worth parsing give None: nothing to send back to the main process.
        return len(paths), [r for r in map(work, paths) if r is not None]
    finally:
        if enabled:
            gc.enable()


def parallel(
    work: Callable[[str], Any],
    files: Iterable[str],
    static: StaticTable,
    *,
    jobs: int | None = None,
    progress: bool = False,
    label: str = "scan",
) -> Iterable[Any]:
    """``work(path)`` for every file, in worker processes for large trees; results unordered,
    ``None`` results left out. ``files`` may be a lazy iterator: chunks are handed to the
    workers as it yields them."""
    jobs = jobs or os.cpu_count() or 1
    pending = iter(files)
    head = list(itertools.islice(pending, POOL_THRESHOLD))
    if jobs == 1 or len(head) < POOL_THRESHOLD:
        _init(static)
        everything = head + list(pending)
        show = progress and len(everything) >= POOL_THRESHOLD
        for start in range(0, len(everything), _CHUNK):
            yield from _run_chunk(work, everything[start : start + _CHUNK])[1]
            if show:
                _show(label, min(start + _CHUNK, len(everything)), len(everything))
        if show:
            _show(label, 0, 0)
        return
    from concurrent.futures import FIRST_COMPLETED
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import wait

    remaining = itertools.chain(head, pending)
    done = listed = 0
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(static,)) as pool:
        futures = set()
        while True:
            chunk = list(itertools.islice(remaining, _CHUNK))
            if chunk:
                listed += len(chunk)
                futures.add(pool.submit(_run_chunk, work, chunk))
            # Collect what is ready while listing goes on; once listed, wait for the rest.
            finished, futures = wait(futures, timeout=0 if chunk else None,
                                     return_when=FIRST_COMPLETED)  # fmt: skip
            for future in finished:
                count, results = future.result()
                done += count
                if progress:
                    _show(label, done, listed)
                yield from results
            if not chunk and not futures:
                break
    if progress:
        _show(label, 0, 0)


def _show(label: str, done: int, total: int) -> None:
    # The progress line on stderr, rewritten in place; erased with a total of 0.
    line = f"compatshim {label}: {done}/{total} files" if total else "\033[K"
    sys.stderr.write(f"\r{line}")
    sys.stderr.flush()


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
    started = time.perf_counter()
    static = static_table(config)
    files, counted = sources(paths, exclude)
    result = ScanResult()
    canonical: dict[str, int] = {}
    legacy: dict[str, int] = {}
    for path, found, uses, error, parsed in parallel(
        _scan_one, files, static, jobs=jobs, progress=progress
    ):
        result.parsed += parsed
        if error is not None:
            result.errors.append((path, error))
        result.findings.extend(found)
        for finding in found:
            legacy[finding.key] = legacy.get(finding.key, 0) + 1
        for key, count in uses.items():
            canonical[key] = canonical.get(key, 0) + count
    result.files = next(counted)
    result.findings.sort(key=lambda f: (f.file, f.line, f.column, f.code))
    result.errors.sort()
    result.adoption = sorted(
        (
            Adoption(key, target, legacy.get(key, 0), canonical.get(key, 0))
            for key, target in static.canonical.items()
        ),
        key=lambda a: (-a.legacy_uses, a.legacy),
    )
    result.seconds = time.perf_counter() - started
    return result
