"""``compatshim report``: which code still uses which legacy path, from the telemetry data.

The per-process data files are combined first (see ``_combine``), then every run is aggregated per
alias and site; ``_render`` turns the aggregate into text, Markdown or JSON.
"""

from __future__ import annotations

import functools
import glob
import os

from .._base.errors import NoDataError
from .._base.errors import StoreError
from . import combine as _combine
from . import datafiles as _datafiles


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

__all__ = [
    "AliasUsage",
    "TelemetryReport",
    "load",
    "telemetry_report",
    "third_party",
]


# Group by integer ids first, then join the names: much faster over millions of rows.
_SITES = """
SELECT a.legacy, a.canonical, a.since, a.removed_in, a.remove_after,
       s.file, s.line, s.module, g.hits, g.first_seen, g.last_seen,
       -- The values used must be of the right type and range (per group: a check per row
       -- would cost half as much again as the whole query; merged files are checked per row).
       coalesce(typeof(g.hits) = 'integer' AND g.hits >= 0 AND {times}, 0) AS valid
FROM (
    SELECT alias_id, site_id, sum(hits) AS hits,
           min(first_seen) AS first_seen, max(last_seen) AS last_seen
    FROM usage {where}
    GROUP BY alias_id, site_id
) g
JOIN alias a ON a.id = g.alias_id
JOIN site s ON s.id = g.site_id
"""
_TIMES = " AND ".join(
    f"typeof(g.{t}) IN ('integer', 'real') AND g.{t} BETWEEN 0 AND {_datafiles.LAST_TIME}"
    for t in ("first_seen", "last_seen")
)
_SOME_RUNS = "WHERE run_id IN (SELECT id FROM run WHERE uuid IN (SELECT uuid FROM temp.wanted))"


def _name(value: str | bytes) -> str:
    # Schema 2 stores a name that is not valid UTF-8 as its bytes (see _store.text).
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:  # not written by compatshim: show the bytes
            return value.decode("utf-8", "backslashreplace")
    return value


class Site:
    """Hits at one file, line and importing module."""

    __slots__ = ("file", "first_seen", "hits", "last_seen", "line", "module", "third_party")

    def __init__(self, file: str, line: int, module: str) -> None:
        self.file, self.line, self.module = file, line, module
        self.hits = 0
        self.first_seen = float("inf")
        self.last_seen = 0.0
        #: Whether the site is outside the project's own code (see :func:`third_party`).
        self.third_party = third_party(file)


@functools.lru_cache(maxsize=4096)  # the sites of one file share it
def third_party(file: str) -> bool:
    """Whether a recorded file is outside the project's own code: an absolute name (files
    inside the project root are stored relative to it: this is site-packages, the standard
    library, another checkout), a name through a ``site-packages`` or ``dist-packages`` folder
    (a virtual environment inside the project), or frozen standard-library code. Other names in
    angle brackets (``<string>``, ``<stdin>``) are code the program ran itself."""
    if file.startswith("<"):
        return file.startswith("<frozen ")
    if file.startswith(("/", "\\")) or os.path.isabs(file):
        return True
    parts = file.replace("\\", "/").split("/")
    return "site-packages" in parts or "dist-packages" in parts


class AliasUsage:
    """Everything recorded about one alias, over every run."""

    __slots__ = ("canonical", "legacy", "remove_after", "removed_in", "since", "sites", "status")

    def __init__(
        self, legacy: str, canonical: str, since: Any, removed_in: Any, after: Any
    ) -> None:
        self.legacy, self.canonical = legacy, canonical
        self.since, self.removed_in, self.remove_after = since, removed_in, after
        self.sites: dict[tuple[str, int, str], Site] = {}
        #: ``"due"`` (its removal version is installed or its date is past), ``"scheduled"``,
        #: ``"not configured"`` (no longer in the configuration) or ``""`` (no schedule).
        self.status = "scheduled" if removed_in or after else ""

    @property
    def hits(self) -> int:
        """Total hits over every site."""
        return sum(site.hits for site in self.sites.values())

    @property
    def third_party_hits(self) -> int:
        """The hits at sites outside the project (see :func:`third_party`)."""
        return sum(site.hits for site in self.sites.values() if site.third_party)

    def ranked(self) -> list[Site]:
        """The sites, most hits first."""
        return sorted(self.sites.values(), key=lambda s: (-s.hits, s.file, s.line))

    @property
    def files(self) -> int:
        """How many files use the alias."""
        return len({site.file for site in self.sites.values()})

    @property
    def first_seen(self) -> float:
        return min(site.first_seen for site in self.sites.values())

    @property
    def last_seen(self) -> float:
        return max(site.last_seen for site in self.sites.values())

    @property
    def removal(self) -> str:
        """The removal schedule and status in words (``""`` when none is set)."""
        when = ""
        if self.removed_in:
            when = f"in {self.removed_in}"
        elif self.remove_after:
            when = f"after {self.remove_after}"
        if self.status in ("due", "not configured"):
            return f"{when} ({self.status})".strip() if when else self.status
        return when


class TelemetryReport:
    """The aggregate of every readable data file, and what was skipped."""

    __module__ = "compatshim"

    def __init__(self) -> None:
        self.aliases: dict[str, AliasUsage] = {}
        self.runs: set[str] = set()
        self.read: list[str] = []
        self.skipped: list[tuple[str, str]] = []

    def add_file(self, path: str) -> None:
        """Add every run of ``path`` not added yet (runs are identified by their UUID).

        :raises StoreError: if the file cannot be read, or is not a valid data file.
        """
        import sqlite3

        db = _datafiles.open_read(path, usage=False)  # the usage values used: checked below
        try:
            uuids = [row[0] for row in db.execute("SELECT uuid FROM run")]
            wanted = [u for u in uuids if u not in self.runs]
            where = ""
            if len(wanted) < len(uuids):  # some runs were read from another file already
                where = _SOME_RUNS
                db.execute("CREATE TEMP TABLE wanted (uuid TEXT PRIMARY KEY)")
                db.executemany("INSERT INTO temp.wanted VALUES (?)", [(u,) for u in wanted])
            rows = db.execute(_SITES.format(where=where, times=_TIMES)).fetchall() if wanted else []
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # the budget ran out, bad text
            raise StoreError(f"{path}: cannot read ({_datafiles.reason(exc)})") from None
        finally:
            db.close()
        if not all(row[11] for row in rows):  # a sum of hits that is not an integer, a time
            # that is text or out of range
            raise StoreError(
                f"{path}: not a compatshim data file (usage rows hold values of the wrong type "
                "or out of range)"
            )
        for row in rows:
            legacy, canonical, since, removed, after, file, line, module, hits, first, last = row[
                :11
            ]
            usage = self.aliases.get(legacy)
            if usage is None:
                usage = self.aliases[legacy] = AliasUsage(legacy, canonical, since, removed, after)
            key = (_name(file), line, _name(module))
            site = usage.sites.get(key)
            if site is None:
                site = usage.sites[key] = Site(*key)
            site.hits += hits
            site.first_seen = min(site.first_seen, first)
            site.last_seen = max(site.last_seen, last)
        self.runs.update(wanted)
        self.read.append(path)

    def ranked(self) -> list[AliasUsage]:
        """The aliases used, most hits first."""
        return sorted(self.aliases.values(), key=lambda a: (-a.hits, a.legacy))

    def render(self, fmt: str = "text", width: int = 100) -> str:
        """The report as ``text`` (sized to ``width``), ``markdown`` or ``json``."""
        from .render import render

        return render(self, fmt, width)

    def to_json(self) -> dict[str, Any]:
        """The report as the ``--format json`` document (see docs/telemetry.md)."""
        from .render import to_json

        return to_json(self)


def per_process_files(data_file: str) -> list[str]:
    """The data files processes wrote next to ``data_file`` and no report combined yet."""
    return sorted(
        path
        for path in glob.glob(glob.escape(data_file) + ".*")
        if not path.endswith(("-journal", "-wal", "-shm", ".tmp"))
    )


def _done(sources: list[str], data_file: str) -> list[str]:
    # The files no process will write again. A file whose writer is gone is recovered first
    # (its hot journal rolled back), so that it is read and combined, not skipped.
    return [
        source
        for source in sources
        if _datafiles.finished(source, recover=_datafiles.writer_gone(source, data_file))
    ]


def _skip(path: str, exc: StoreError) -> tuple[str, str]:
    # Store errors start with the file they are about; the slug says which kind of problem.
    return (path, f"{str(exc).removeprefix(f'{path}: ')} [{exc.slug}]")


def combine_all(data_file: str, but: str = "") -> list[tuple[str, str]]:
    """Combine the per-process files next to ``data_file`` into it (all but the file ``but``,
    which a live process still writes); return what was skipped."""
    sources = _done([f for f in per_process_files(data_file) if f != but], data_file)
    return [_skip(path, exc) for path, exc in _combine.combine(data_file, sources)[1]]


def load(data_file: str | None, explicit: Iterable[str] = ()) -> TelemetryReport:
    """Read the telemetry: combine ``data_file``'s per-process files into it and read it, or
    read the ``explicit`` files as they are (nothing is combined or deleted then).

    :raises NoDataError: if there is nothing readable to report.
    """
    data = TelemetryReport()
    paths = list(explicit)
    if not paths and data_file is not None:
        sources = per_process_files(data_file)
        # A process still running keeps writing its file: read it as it is, combine it later.
        done = _done(sources, data_file)
        live = [source for source in sources if source not in done]
        if sources or os.path.lexists(data_file):
            try:
                skipped = _combine.combine(data_file, done)[1]
                data.skipped.extend(_skip(path, exc) for path, exc in skipped)
                paths = [data_file, *live]
            except StoreError as exc:  # an unusable combined file: read the sources
                data.skipped.append(_skip(data_file, exc))
                paths = sources
    for path in paths:
        try:
            data.add_file(path)
        except StoreError as exc:
            data.skipped.append(_skip(path, exc))
    if not data.read:
        from .render import plain

        where = ", ".join(paths) if paths else (data_file or "the configuration")
        reasons = "; ".join(f"{path}: {reason}" for path, reason in data.skipped)
        raise NoDataError(
            plain(f"no telemetry data to report in {where}" + (f" ({reasons})" if reasons else ""))
        )
    return data


def telemetry_report(
    pyproject: str | os.PathLike[str] | None = None, data: Iterable[str] = ()
) -> TelemetryReport:
    """Aggregate the telemetry recorded for a project.

    :param pyproject: the configuration whose ``data_file`` to read (the nearest by default);
        its per-process files are combined into it first.
    :param data: data files to read as they are instead (nothing is combined or deleted).
    :raises NoDataError: if there is nothing readable to report.
    :raises ConfigError: if the configuration is invalid.
    """
    from .._base.errors import ConfigError
    from .._model.config import load_config

    paths = [os.fspath(p) for p in data]
    try:
        config = load_config(pyproject)
    except ConfigError:
        if not paths:
            raise
        config = None  # explicit data files can be reported without a valid configuration
    report = load(None if paths or config is None else config.data_file, paths)
    if config is not None and config.path is not None:
        _judge_removals(report, config)
    return report


def _judge_removals(report: TelemetryReport, config: Any) -> None:
    # Against the configuration and the installed versions of today, not of the recording.
    from .._model import policy as _policy

    for usage in report.aliases.values():
        alias = config.table.get(usage.legacy)
        if alias is None:
            usage.status = "not configured"
        elif _policy.removal(alias) is not None:
            usage.status = "due"
