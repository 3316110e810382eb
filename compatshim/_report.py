"""``compatshim report``: which code still uses which legacy path, from the telemetry data.

The per-process data files are combined first (see ``_store``), then every run is aggregated per
alias and site. Renderers turn the aggregate into text sized to the terminal, Markdown for a pull
request, or versioned JSON.
"""

from __future__ import annotations

import datetime
import glob
import json
import os

from . import _store
from ._errors import CompatshimError


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

__all__ = [
    "FORMAT_VERSION",
    "AliasUsage",
    "NoDataError",
    "TelemetryReport",
    "load",
    "telemetry_report",
]

#: Version of the JSON written by ``compatshim report --format json``.
#: 1: first version ({"format", "aliases": [{"legacy", "canonical", "hits", "sites": [...]}]}).
FORMAT_VERSION = 1

# Group by integer ids first, then join the names: much faster over millions of rows.
_SITES = """
SELECT a.legacy, a.canonical, a.since, a.removed_in, a.remove_after,
       s.file, s.line, s.module, g.hits, g.first_seen, g.last_seen
FROM (
    SELECT alias_id, site_id, sum(hits) AS hits,
           min(first_seen) AS first_seen, max(last_seen) AS last_seen
    FROM usage {where}
    GROUP BY alias_id, site_id
) g
JOIN alias a ON a.id = g.alias_id
JOIN site s ON s.id = g.site_id
"""
_SOME_RUNS = "WHERE run_id IN (SELECT id FROM run WHERE uuid IN (SELECT uuid FROM temp.wanted))"


class NoDataError(CompatshimError):
    """There is no telemetry data to report, or none of it can be read."""

    __module__ = "compatshim"
    slug = "report-no-data"


class Site:
    """Hits at one file, line and importing module."""

    __slots__ = ("file", "first_seen", "hits", "last_seen", "line", "module")

    def __init__(self, file: str, line: int, module: str) -> None:
        self.file, self.line, self.module = file, line, module
        self.hits = 0
        self.first_seen = float("inf")
        self.last_seen = 0.0


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
        """Add every run of ``path`` not added yet (runs are identified by their UUID)."""
        db = _store.open_read(path)
        try:
            uuids = [row[0] for row in db.execute("SELECT uuid FROM run")]
            wanted = [u for u in uuids if u not in self.runs]
            where = ""
            if len(wanted) < len(uuids):  # some runs were read from another file already
                where = _SOME_RUNS
                db.execute("CREATE TEMP TABLE wanted (uuid TEXT PRIMARY KEY)")
                db.executemany("INSERT INTO temp.wanted VALUES (?)", [(u,) for u in wanted])
            rows = db.execute(_SITES.format(where=where)).fetchall() if wanted else []
            for row in rows:
                legacy, canonical, since, removed, after, file, line, module, hits, first, last = (
                    row
                )
                usage = self.aliases.get(legacy)
                if usage is None:
                    usage = self.aliases[legacy] = AliasUsage(
                        legacy, canonical, since, removed, after
                    )
                site = usage.sites.get((file, line, module))
                if site is None:
                    site = usage.sites[(file, line, module)] = Site(file, line, module)
                site.hits += hits
                site.first_seen = min(site.first_seen, first)
                site.last_seen = max(site.last_seen, last)
        finally:
            db.close()
        self.runs.update(wanted)
        self.read.append(path)

    def ranked(self) -> list[AliasUsage]:
        """The aliases used, most hits first."""
        return sorted(self.aliases.values(), key=lambda a: (-a.hits, a.legacy))

    def render(self, fmt: str = "text", width: int = 100) -> str:
        """The report as ``text`` (sized to ``width``), ``markdown`` or ``json``."""
        return render(self, fmt, width)

    def to_json(self) -> dict[str, Any]:
        """The report as the ``--format json`` document."""
        return to_json(self)


def per_process_files(data_file: str) -> list[str]:
    """The data files processes wrote next to ``data_file`` and no report combined yet."""
    return sorted(
        path
        for path in glob.glob(glob.escape(data_file) + ".*")
        if not path.endswith(("-journal", "-wal", "-shm", ".tmp"))
    )


def combine_all(data_file: str, but: str = "") -> list[tuple[str, str]]:
    """Combine the per-process files next to ``data_file`` into it (all but the file ``but``,
    which a live process still writes); return what was skipped."""
    sources = [f for f in per_process_files(data_file) if f != but and _store.finished(f)]
    return _store.combine(data_file, sources)[1]


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
        done = [source for source in sources if _store.finished(source)]
        live = [source for source in sources if source not in done]
        if sources or os.path.exists(data_file):
            try:
                data.skipped.extend(_store.combine(data_file, done)[1])
                paths = [data_file, *live]
            except _store.StoreError as exc:  # an unusable combined file: read the sources
                data.skipped.append((data_file, str(exc)))
                paths = sources
    for path in paths:
        try:
            data.add_file(path)
        except _store.StoreError as exc:
            data.skipped.append((path, str(exc)))
    if not data.read:
        where = ", ".join(paths) if paths else (data_file or "the configuration")
        reasons = "; ".join(reason for _, reason in data.skipped)
        raise NoDataError(
            f"no telemetry data to report in {where}" + (f" ({reasons})" if reasons else "")
        )
    return data


# -- rendering --------------------------------------------------------------------------------


def _when(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _display(path: str) -> str:
    return path.replace(":", ".")


def to_json(data: TelemetryReport) -> dict[str, Any]:
    """The report as the ``--format json`` document (see docs/telemetry.md)."""
    return {
        "format": FORMAT_VERSION,
        "runs": len(data.runs),
        "aliases": [
            {
                "legacy": usage.legacy,
                "canonical": usage.canonical,
                "since": usage.since,
                "removed_in": usage.removed_in,
                "remove_after": usage.remove_after,
                "removal": usage.status or None,
                "hits": usage.hits,
                "files": usage.files,
                "first_seen": _when(usage.first_seen),
                "last_seen": _when(usage.last_seen),
                "sites": [
                    {
                        "file": site.file,
                        "line": site.line,
                        "module": site.module or None,
                        "hits": site.hits,
                        "first_seen": _when(site.first_seen),
                        "last_seen": _when(site.last_seen),
                    }
                    for site in usage.ranked()
                ],
            }
            for usage in data.ranked()
        ],
    }


def _table(
    header: list[str],
    rows: list[list[str]],
    width: int,
    right: set[int],
    optional: tuple[int, ...] = (),
) -> list[str]:
    # Columns as wide as their content. Too wide for `width`: drop the `optional` columns in
    # that order, then shrink the first two (never below their header) with an ellipsis.
    columns = list(range(len(header)))

    def total(widths: dict[int, int]) -> int:
        return sum(widths.values()) + 2 * (len(widths) - 1)

    widths = {i: max(len(r[i]) for r in [header, *rows]) for i in columns}
    for i in optional:
        if total(widths) <= width:
            break
        del widths[i]
    for i in (1, 0):
        excess = total(widths) - width
        if excess > 0:
            widths[i] -= min(excess, max(widths[i] - len(header[i]), 0))

    def fit(text: str, i: int) -> str:
        text = text if len(text) <= widths[i] else text[: widths[i] - 1] + "…"
        return text.rjust(widths[i]) if i in right else text.ljust(widths[i])

    return ["  ".join(fit(row[i], i) for i in widths).rstrip() for row in [header, *rows]]


def render_text(data: TelemetryReport, width: int = 100, max_sites: int = 10) -> str:
    """Readable tables: one line per alias, then each alias's busiest sites."""
    aliases = data.ranked()
    hits = sum(a.hits for a in aliases)
    sites = sum(len(a.sites) for a in aliases)
    summary = (
        f"compatshim report: {_count(len(aliases), 'legacy path')} used, {_count(hits, 'hit')} "
        f"at {_count(sites, 'site')} ({_count(len(data.runs), 'run')})"
    )
    out = [summary, ""]
    rows = [
        [
            _display(a.legacy),
            _display(a.canonical),
            f"{a.hits:,}",
            f"{len(a.sites):,}",
            f"{a.files:,}",
            _when(a.last_seen)[:16].replace("T", " "),
            a.removal or "-",
        ]
        for a in aliases
    ]
    header = ["Legacy path", "Canonical path", "Hits", "Sites", "Files", "Last seen", "Removal"]
    out += _table(header, rows, width, right={2, 3, 4}, optional=(5, 4, 6))
    for usage in aliases:
        out += ["", f"{_display(usage.legacy)} -> {_display(usage.canonical)}"]
        ranked = usage.ranked()
        site_rows = [[f"{s.hits:,}", f"{s.file}:{s.line}", s.module] for s in ranked[:max_sites]]
        out += [
            "  " + line for line in _table(["Hits", "Site", "Module"], site_rows, width - 2, {0})
        ]
        if len(ranked) > max_sites:
            out.append(f"  ... and {len(ranked) - max_sites} more sites")
    return "\n".join(out) + "\n"


def render_markdown(data: TelemetryReport, max_sites: int = 10) -> str:
    """Markdown tables to paste into a pull request or an issue."""
    aliases = data.ranked()
    out = [
        "| Legacy path | Canonical path | Hits | Sites | Files | Last seen | Removal |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    out += [
        f"| `{_display(a.legacy)}` | `{_display(a.canonical)}` | {a.hits:,} | {len(a.sites):,} "
        f"| {a.files:,} | {_when(a.last_seen)[:10]} | {a.removal or '-'} |"
        for a in aliases
    ]
    for usage in aliases:
        out += [
            "",
            f"**`{_display(usage.legacy)}`** sites:",
            "",
            "| Hits | Site | Module |",
            "| ---: | --- | --- |",
        ]
        out += [
            f"| {s.hits:,} | `{s.file}:{s.line}` | `{s.module}` |"
            for s in usage.ranked()[:max_sites]
        ]
    return "\n".join(out) + "\n"


def render(data: TelemetryReport, fmt: str, width: int = 100) -> str:
    """The report in ``fmt`` (``text``, ``markdown`` or ``json``)."""
    if fmt == "json":
        return json.dumps(to_json(data), indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(data)
    return render_text(data, width)


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
    from ._config import load_config
    from ._errors import ConfigError

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
    from . import _policy

    for usage in report.aliases.values():
        alias = config.table.get(usage.legacy)
        if alias is None:
            usage.status = "not configured"
        elif _policy.removal(alias) is not None:
            usage.status = "due"
