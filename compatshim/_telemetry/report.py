"""``compatshim report``: which code still uses which legacy path, from the telemetry data.

The per-process data files are combined first (``combine``); then the hits of every run, read
per alias and site (``datafiles.read_sites``), are added up here; ``render`` presents the
result as text, Markdown or JSON. The pytest plugin's summary is made the same way, from the
hits of the session's processes.
"""

from __future__ import annotations

import functools
import os

from .._base.errors import NoDataError
from .._base.errors import StoreError
from .combine import combine_all
from .combine import combine_finished
from .combine import refuse_linked_folder
from .datafiles import read_sites


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Sequence
    from typing import Any

    from .render import ReportFormat

__all__ = [
    "AliasUsage",
    "TelemetryReport",
    "combine_session",
    "load",
    "process_hits",
    "session_summary",
    "telemetry_report",
    "third_party",
]


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
        wanted, rows = read_sites(path, self.runs)
        for row in rows:
            usage = self.aliases.get(row.legacy)
            if usage is None:
                usage = self.aliases[row.legacy] = AliasUsage(
                    row.legacy, row.canonical, row.since, row.removed_in, row.remove_after
                )
            key = (row.file, row.line, row.module)
            site = usage.sites.get(key)
            if site is None:
                site = usage.sites[key] = Site(*key)
            site.hits += row.hits
            site.first_seen = min(site.first_seen, row.first_seen)
            site.last_seen = max(site.last_seen, row.last_seen)
        self.runs.update(wanted)
        self.read.append(path)

    def ranked(self) -> list[AliasUsage]:
        """The aliases used, most hits first."""
        return sorted(self.aliases.values(), key=lambda a: (-a.hits, a.legacy))

    def render(self, fmt: ReportFormat = "text", width: int = 100) -> str:
        """The report as ``text`` (sized to ``width``), ``markdown``, ``json`` or ``html``."""
        from .render import render

        return render(self, fmt, width)

    def to_json(self) -> dict[str, Any]:
        """The report as the ``--format json`` document (see docs/telemetry.md)."""
        from .render import to_json

        return to_json(self)


def _skip(path: str, exc: StoreError) -> tuple[str, str]:
    # Store errors start with the file they are about; the slug says which kind of problem.
    return (path, f"{str(exc).removeprefix(f'{path}: ')} [{exc.slug}]")


def load(
    data_file: str | None,
    explicit: Iterable[str] = (),
    root: str | None = None,
    remapping: dict[str, list[str]] | None = None,
) -> TelemetryReport:
    """Read the telemetry: combine ``data_file``'s per-process files into it and read it, or
    read the ``explicit`` files as they are (nothing is combined or deleted then).

    ``root``: the project folder; no folder between it and ``data_file`` may be a link
    compatshim did not create (``_model.state.linked_folder``). ``remapping``: the
    ``[tool.compatshim.paths]`` table, applied to the files combined (``remap``).

    :raises NoDataError: if there is nothing readable to report.
    :raises StoreError: (``data-file-link``) if the data folder is reached through a link.
    """
    data = TelemetryReport()
    paths = list(explicit)
    if not paths and data_file is not None:
        refuse_linked_folder(data_file, root)
        # A process still running keeps writing its file: it is read as it is, combined later.
        from .remap import PathMap

        paths, skipped = combine_finished(data_file, PathMap(remapping) or None)
        data.skipped.extend(_skip(path, exc) for path, exc in skipped)
    vanished = False
    for path in paths:
        try:
            data.add_file(path)
        except StoreError as exc:
            if data_file is not None and path != data_file and not os.path.lexists(path):
                vanished = True  # another report combined it meanwhile: into data_file
                continue
            data.skipped.append(_skip(path, exc))
    if vanished and data_file not in {path for path, _ in data.skipped}:
        try:  # only the runs not read yet (each run is read once, by its UUID)
            data.add_file(data_file)  # type: ignore[arg-type]
        except StoreError as exc:
            data.skipped.append(_skip(data_file, exc))  # type: ignore[arg-type]
    if not data.read:
        from .._base.terminal import plain

        where = ", ".join(paths) if paths else (data_file or "the configuration")
        reasons = "; ".join(f"{path}: {reason}" for path, reason in data.skipped)
        raise NoDataError(
            plain(f"no telemetry data to report in {where}" + (f" ({reasons})" if reasons else ""))
        )
    return data


def telemetry_report(
    pyproject: str | os.PathLike[str] | None = None,
    data: Iterable[str] = (),
    *,
    include: Iterable[str] = (),
) -> TelemetryReport:
    """Aggregate the telemetry recorded for a project.

    :param pyproject: the configuration whose ``data_file`` to read (the nearest by default);
        its per-process files are combined into it first.
    :param data: data files to read as they are instead (nothing is combined or deleted).
    :param include: distributions whose shipped alias tables count as configured too (on top of
        the configuration's ``include``): their removals are judged like the project's.
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
    report = load(
        None if paths or config is None else config.data_file,
        paths,
        None if config is None else config.root,
        None if config is None else config.paths,
    )
    include = list(include)
    if config is not None and (config.path is not None or include):
        from .._model.shipped import full_table

        _judge_removals(report, full_table(config, include), config.factories)
    return report


def _judge_removals(report: TelemetryReport, table: Any, factories: Any) -> None:
    # Against the configuration and the installed versions of today, not of the recording.
    from .._model import policy as _policy

    for usage in report.aliases.values():
        alias = table.get(usage.legacy)
        if alias is None and factories:  # a direct construction ("pkg.mod:Class()")
            rule = factories.by_legacy(usage.legacy)
            alias = rule.alias if rule is not None else None
        if alias is None:
            usage.status = "not configured"
        elif _policy.removal(alias) is not None:
            usage.status = "due"


# -- a pytest session ------------------------------------------------------------------------


def process_hits() -> list[tuple[str, str, str, int]]:
    """This process's hits so far, per alias and site, as plain tuples (what a pytest-xdist
    worker sends its controller): ``(legacy, canonical, "file:line", hits)``."""
    from .recorder import recorder

    return recorder.summary()


def session_summary(
    per_process: Iterable[Iterable[Sequence[Any]]],
    *,
    before: Iterable[Sequence[Any]] = (),
    all_sites: bool = False,
) -> list[str]:
    """The lines of the pytest summary, from the rows of every process of the session (as
    :func:`process_hits` gives them): each alias's hits added up per site, less the ``before``
    rows (what this process had counted before the session began). ``all_sites``: every site
    of each alias, not only the busiest."""
    totals: dict[tuple[str, str], dict[str, int]] = {}

    def add(rows: Iterable[Sequence[Any]], sign: int) -> None:
        for legacy, canonical, site, hits in rows:
            sites = totals.setdefault((str(legacy), str(canonical)), {})
            sites[str(site)] = sites.get(str(site), 0) + sign * int(hits)

    for rows in per_process:
        add(rows, 1)
    add(before, -1)
    for key in list(totals):
        totals[key] = {site: hits for site, hits in totals[key].items() if hits > 0}
        if not totals[key]:
            del totals[key]
    from .render import session_lines

    return session_lines(totals, all_sites=all_sites)


def combine_session() -> None:
    """Combine the data files of every process of the session into the data file, all but the
    one this process still writes (a pytest-xdist controller, at the end). Never raises: if it
    cannot, ``compatshim report`` combines them later."""
    from .recorder import recorder

    if recorder.data_file:
        try:
            combine_all(recorder.data_file, recorder.own_file)
        except Exception:  # noqa: BLE001, S110 - never fail the test session for telemetry
            pass
