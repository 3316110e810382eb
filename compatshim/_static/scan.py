"""``compatshim scan``: every use of a legacy path in a source tree, found without importing it.

Most files of a large tree never mention a legacy or canonical path, so each file's bytes are
first searched for the paths' first components (one compiled pattern); only files that match, or
that sit inside a legacy package (their relative imports may reach a legacy path), are parsed.
Large trees are read by a pool of worker processes, one per core (``pool``). Findings come
out in file order and can be streamed (:func:`stream`): memory stays bounded however many there
are.
"""

from __future__ import annotations

import functools
import os
import time
from typing import NamedTuple

from .analyze import analyze
from .constructions import find_constructions
from .files import DOC_SUFFIXES
from .files import SUFFIXES
from .files import blank_block
from .files import has_block
from .findings import CODES
from .findings import find
from .pipeline import internal_error
from .pipeline import prepare
from .pipeline import sources
from .pipeline import static
from .pipeline import static_table
from .pipeline import unread_folder
from .pipeline import wanted
from .pool import ordered
from .source import Source
from .source import decode
from .source import failure
from .source import read
from .suppress import may_suppress
from .suppress import suppressions


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Sequence

    from .findings import Finding
    from .render import ScanFormat
    from .table import StaticTable

__all__ = ["Adoption", "FileScan", "ScanResult", "scan", "stream"]


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
        self.suppressed = 0  # findings silenced by a noqa comment
        self.baselined = 0  # findings the baseline accounts for (scan --baseline)
        self.seconds = 0.0

    @property
    def ok(self) -> bool:
        """Whether no legacy path is used, as far as can be told: no finding, and no file that
        may hold one skipped (a file the byte filter passes over is never even decoded)."""
        return not self.found and not self.errors

    def render(self, fmt: ScanFormat = "text") -> str:
        """The result as ``text``, ``json``, ``github`` or ``sarif``."""
        from .render import render

        return render(self, fmt)


# -- per-file work (runs in worker processes) ---------------------------------------------------


class FileScan(NamedTuple):
    """What scanning one file found (sent back by a worker)."""

    path: str
    findings: list[Finding]
    #: Uses of canonical paths, per alias key (for adoption).
    canonical: dict[str, int]
    #: Why the file was skipped, ending with the slug (``None`` if it was read).
    error: str | None
    #: Whether the file was parsed (or failed to parse).
    parsed: bool
    #: Findings silenced by a noqa or compatshim ignore comment on their line.
    suppressed: list[Finding]


#: The codes ``scan`` reports unless ``select`` says otherwise: every use in code and every
#: direct construction (CS107, references in prose, only on request).
DEFAULT_SELECT = frozenset(CODES) - {"CS107"}


def _scan_one(path: str, select: frozenset[str] = DEFAULT_SELECT) -> FileScan | None:
    raw = None
    prose = "CS107" in select
    try:
        raw = read(path)[0]
        if prose and path.endswith(DOC_SUFFIXES):
            return _prose_only(path, raw, python=False)
        candidate = wanted(path, raw)
        if candidate is None:
            return _prose_only(path, raw, python=True) if prose else None
        text = decode(raw)[0]
        if has_block(raw):  # the block `compatshim stubs` generated: neither legacy nor canonical
            text = blank_block(text)
        module, is_package, roots = candidate
        analysis = analyze(text, module, is_package, static(), present=roots)
    except (OSError, ValueError, SyntaxError) as exc:  # unreadable, undecodable, not Python
        parsed = raw is not None and isinstance(exc, SyntaxError)
        return FileScan(path, [], {}, failure(exc, raw), parsed, [])
    except Exception as exc:  # noqa: BLE001 - one file must never stop the scan of the rest
        return FileScan(path, [], {}, internal_error(exc), True, [])
    try:
        found, canonical = find(analysis, static())
        found += find_constructions(text, analysis.source, module, is_package, static())
        if prose:
            from .docrefs import doc_findings  # only when asked: its patterns cost an import

            found.extend(doc_findings(text, static(), python=True))
        if select != DEFAULT_SELECT:
            found = [finding for finding in found if finding.code in select]
        found, suppressed = _placed(found, path, analysis.source, raw, text)
    except Exception as exc:  # noqa: BLE001 - as above
        return FileScan(path, [], {}, internal_error(exc), True, [])
    return FileScan(path, found, canonical, None, True, suppressed)


def _prose_only(path: str, raw: bytes, *, python: bool) -> FileScan | None:
    # A documentation file, or Python source whose code names no path: its prose only (CS107).
    from .docrefs import doc_findings

    if not any(root.encode() in raw for root in static().roots):
        return None
    try:
        text = decode(raw)[0]
    except ValueError as exc:
        return FileScan(path, [], {}, failure(exc, raw), False, [])
    found = doc_findings(text, static(), python=python)
    if not found:
        return None
    # (Comments in a documentation file are not Python's: no noqa there.)
    found, suppressed = _placed(found, path, Source(text), raw if python else b"", text)
    return FileScan(path, found, {}, None, False, suppressed)


def _placed(
    found: list[Finding], path: str, source: Source, raw: bytes, text: str
) -> tuple[list[Finding], list[Finding]]:
    # The findings of one file with their file and position, in file order; and, apart, those
    # a noqa comment on their line silences (marked so).
    for finding in found:
        finding.file = path
        finding.line, finding.column = source.position(finding.column)
    found.sort(key=_in_file_order)
    if not found or not may_suppress(raw):
        return found, []
    found, suppressed = suppressions(text, (f.line for f in found)).split(found)
    for finding in suppressed:
        finding.suppressed = True
    return found, suppressed


def _in_file_order(finding: Finding) -> tuple[int, int, str]:
    return finding.line, finding.column, finding.code


def scan(
    paths: Sequence[str] = (".",),
    config: str | os.PathLike[str] | None = None,
    *,
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    progress: bool = False,
    include: Sequence[str] = (),
    show_suppressed: bool = False,
    select: Iterable[str] | None = None,
) -> ScanResult:
    """Find every use of a configured legacy path in the source files under ``paths``.

    :param exclude: glob patterns of files and folders to skip, on top of the default excludes.
    :param jobs: worker processes for large trees (default: one per core).
    :param include: distributions whose shipped alias tables are read too (``--from``), on top
        of the configuration's ``include``.
    :param show_suppressed: list the findings a ``# noqa`` silences too (marked ``suppressed``;
        they never count as found).
    :param select: the codes to report (default: every code but CS107; ``ALL``: every one);
        ``CS107`` adds the legacy paths named in comments, docstrings and ``.md``/``.rst``
        files.
    :raises ConfigError: if the configuration is invalid.
    :raises CompatshimError: if there is no configuration or a path does not exist.
    """
    result = ScanResult()
    result.findings.extend(stream(result, paths, config, exclude=exclude, jobs=jobs,
                                  progress=progress, include=include,
                                  show_suppressed=show_suppressed, select=select))  # fmt: skip
    return result


def stream(
    result: ScanResult,
    paths: Sequence[str] = (".",),
    config: str | os.PathLike[str] | None = None,
    *,
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    progress: bool = False,
    include: Sequence[str] = (),
    show_suppressed: bool = False,
    select: Iterable[str] | None = None,
) -> Iterator[Finding]:
    """:func:`scan`, one finding at a time, in file order, without keeping them: ``result``
    gets everything else (skipped files, adoption, counts) once the iterator is exhausted.

    The configuration and paths are checked before the first finding is asked for.
    """
    started = time.perf_counter()
    table = static_table(config, include)
    chosen = DEFAULT_SELECT if select is None else frozenset(select)
    if "ALL" in chosen:
        chosen = frozenset(CODES)
    suffixes = (*SUFFIXES, *DOC_SUFFIXES) if "CS107" in chosen else SUFFIXES
    problems: list[tuple[str, OSError]] = []
    files, counted = sources(paths, exclude, problems, suffixes)
    work = functools.partial(_scan_one, select=chosen)
    return _stream(
        result, table, files, counted, started, jobs, progress, problems, show_suppressed, work
    )


def _stream(
    result: ScanResult,
    table: StaticTable,
    files: Iterator[str],
    counted: Iterator[int],
    started: float,
    jobs: int | None,
    progress: bool,
    problems: list[tuple[str, OSError]],
    show_suppressed: bool,
    work: Callable[[str], FileScan | None],
) -> Iterator[Finding]:
    canonical: dict[str, int] = {}
    legacy: dict[str, int] = {}
    for path, found, uses, error, parsed, suppressed in ordered(
        work, files, prepare, (table,), jobs=jobs, progress=progress
    ):
        result.parsed += parsed
        if error is not None:
            result.errors.append((path, error))
        # A suppressed use is still a legacy use: the adoption share counts it (not prose).
        for finding in (*found, *suppressed):
            if finding.code != "CS107":
                legacy[finding.key] = legacy.get(finding.key, 0) + 1
        for key, count in uses.items():
            canonical[key] = canonical.get(key, 0) + count
        result.found += len(found)
        result.found_files += bool(found)
        result.suppressed += len(suppressed)
        if show_suppressed and suppressed:
            yield from sorted((*found, *suppressed), key=_in_file_order)
        else:
            yield from found
    result.files = next(counted)
    result.errors.extend((folder, unread_folder(exc)) for folder, exc in problems)
    result.adoption = sorted(
        (
            Adoption(key, target, legacy.get(key, 0), canonical.get(key, 0))
            for key, target in table.canonical.items()
        ),
        key=lambda a: (-a.legacy_uses, a.legacy),
    )
    result.seconds = time.perf_counter() - started
