"""The history of a migration: dated summaries of the report, kept beside the data files.

``compatshim snapshot`` (or ``report --snapshot``) appends a :class:`Snapshot` (per alias: hits,
sites, files) to ``history.json`` in the data folder; ``report --since`` and ``--last`` show
the trend, and the HTML report draws it. Histories from elsewhere (CI artifacts of many runs)
are merged in with ``snapshot --import``: each snapshot has an id, so merging a file twice, or
two files holding the same snapshot, keeps it once.

The file is untrusted input, like the data files: read only if it is a regular file and not a
link, within a size limit, checked value by value; anything else is a :class:`HistoryError`
with a slug, and the command goes on without it. It is written whole or not at all
(``safeio.write_replace``), never through a link.
"""

from __future__ import annotations

import datetime
import json
import os
import time
import uuid
from typing import NamedTuple

from .._base.errors import HistoryError
from .._base.safeio import UnsafePath
from .._base.safeio import read_regular
from .._base.safeio import write_replace


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from typing_extensions import TypeGuard

    from .report import TelemetryReport

__all__ = [
    "NAME",
    "SCHEMA_VERSION",
    "AliasSummary",
    "HistoryError",
    "Snapshot",
    "aliases_json",
    "append",
    "merge",
    "parse_date",
    "read",
    "select",
    "summarize",
    "write",
]

#: Version of ``history.json``. Log of every bump (and of keys added within a version):
#: 1: first version ({"schema", "snapshots": [{"id", "taken", "runs", "aliases": [{"legacy",
#:    "canonical", "hits", "sites", "files"}]}]}).
SCHEMA_VERSION = 1
#: The history's name, in the folder of ``data_file``.
NAME = "history.json"
#: The largest history read (a snapshot of 100 aliases is about 10 kB: years of daily ones).
MAX_BYTES = 64 << 20
_MAX_COUNT = (1 << 63) - 1
_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # microseconds: two snapshots in one second keep their order
_LAYOUTS = (_TIME, "%Y-%m-%dT%H:%M:%SZ")


class AliasSummary(NamedTuple):
    """One alias in a snapshot."""

    canonical: str
    hits: int
    sites: int
    files: int


class Snapshot(NamedTuple):
    """The report summarized at one moment."""

    id: str
    #: Unix time (UTC) the snapshot was taken.
    taken: float
    runs: int
    #: Per legacy path.
    aliases: dict[str, AliasSummary]

    @property
    def hits(self) -> int:
        return sum(a.hits for a in self.aliases.values())

    @property
    def sites(self) -> int:
        return sum(a.sites for a in self.aliases.values())

    @property
    def files(self) -> int:
        return sum(a.files for a in self.aliases.values())


def summarize(report: TelemetryReport, taken: float | None = None) -> Snapshot:
    """The snapshot of ``report``, taken now (or at ``taken``), with a new id."""
    aliases = {
        usage.legacy: AliasSummary(usage.canonical, usage.hits, len(usage.sites), usage.files)
        for usage in report.ranked()
    }
    when = round(time.time() if taken is None else taken, 6)
    return Snapshot(uuid.uuid4().hex, when, len(report.runs), aliases)


def when(taken: float) -> str:
    """``taken`` as the history writes it (ISO 8601, UTC, to the microsecond)."""
    return datetime.datetime.fromtimestamp(taken, tz=datetime.timezone.utc).strftime(_TIME)


def parse_date(text: str) -> float:
    """The Unix time of ``YYYY-MM-DD`` (midnight UTC) or ``YYYY-MM-DDTHH:MM[:SS][Z]``.

    :raises HistoryError: (``history-bad-date``) for anything else.
    """
    value = text.strip().removesuffix("Z").replace(" ", "T")
    for layout in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            moment = datetime.datetime.strptime(value, layout)
        except ValueError:
            continue
        return moment.replace(tzinfo=datetime.timezone.utc).timestamp()
    raise HistoryError(
        f"{text!r} is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM in UTC)", slug="history-bad-date"
    )


# -- the file --------------------------------------------------------------------------------


def read(path: str) -> list[Snapshot]:
    """The snapshots in the history at ``path``, oldest first (none if there is no file).

    :raises HistoryError: ``history-link`` for a link or not a regular file (or too large),
        ``history-newer`` for a newer schema, ``history-invalid`` for anything else wrong.
    """
    try:
        raw = read_regular(path, limit=MAX_BYTES, follow=False)
    except FileNotFoundError:
        return []
    except UnsafePath as exc:
        raise HistoryError(f"{path}: {_reason(exc, path)}", slug="history-link") from None
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read it: {exc.strerror}") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deep
        raise HistoryError(f"{path}: not a compatshim history (not JSON)") from None
    return _check(path, document)


def _reason(exc: OSError, path: str) -> str:
    return str(exc).removeprefix(f"{path} ")


def _check(path: str, document: Any) -> list[Snapshot]:
    def bad(what: str) -> HistoryError:
        return HistoryError(f"{path}: not a compatshim history ({what})")

    if not isinstance(document, dict) or not _count(document.get("schema")):
        raise bad("no schema version")
    if document["schema"] > SCHEMA_VERSION:
        raise HistoryError(
            f"{path}: written by a newer compatshim (history schema {document['schema']}, this "
            f"one reads {SCHEMA_VERSION}); upgrade compatshim",
            slug="history-newer",
        )
    items = document.get("snapshots")
    if not isinstance(items, list):
        raise bad("no list of snapshots")
    out = []
    for index, item in enumerate(items):
        snapshot = _snapshot(item)
        if snapshot is None:
            raise bad(f"snapshot {index + 1} is malformed")
        out.append(snapshot)
    return merge([], out)


def _count(value: Any) -> TypeGuard[int]:
    return type(value) is int and 0 <= value <= _MAX_COUNT


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 4096


def _snapshot(item: Any) -> Snapshot | None:
    if not isinstance(item, dict) or not _text(item.get("id")) or not _count(item.get("runs")):
        return None
    moment = _moment(item.get("taken"))
    rows = item.get("aliases")
    if moment is None or not isinstance(rows, list):
        return None
    aliases: dict[str, AliasSummary] = {}
    for row in rows:
        if not isinstance(row, dict) or not _text(row.get("legacy")):
            return None
        if not _text(row.get("canonical")) or row["legacy"] in aliases:
            return None
        hits, sites, files = (row.get(key) for key in ("hits", "sites", "files"))
        if not (_count(hits) and _count(sites) and _count(files)):
            return None
        aliases[row["legacy"]] = AliasSummary(row["canonical"], hits, sites, files)
    stamp = moment.replace(tzinfo=datetime.timezone.utc).timestamp()
    return Snapshot(item["id"], stamp, item["runs"], aliases)


def _moment(taken: Any) -> datetime.datetime | None:
    for layout in _LAYOUTS if isinstance(taken, str) else ():
        try:
            return datetime.datetime.strptime(taken, layout)
        except ValueError:
            continue
    return None


def to_json(snapshots: Iterable[Snapshot]) -> dict[str, Any]:
    """The history as ``history.json`` holds it."""
    return {
        "schema": SCHEMA_VERSION,
        "snapshots": [
            {
                "id": s.id,
                "taken": when(s.taken),
                "runs": s.runs,
                "aliases": aliases_json(s),
            }
            for s in snapshots
        ],
    }


def aliases_json(snapshot: Snapshot) -> list[dict[str, Any]]:
    """A snapshot's aliases as JSON holds them (in ``history.json`` and ``report``'s trend)."""
    return [
        {
            "legacy": legacy,
            "canonical": a.canonical,
            "hits": a.hits,
            "sites": a.sites,
            "files": a.files,
        }
        for legacy, a in snapshot.aliases.items()
    ]


def write(path: str, snapshots: Iterable[Snapshot]) -> None:
    """Replace the history at ``path`` with ``snapshots``, atomically, never through a link.

    :raises HistoryError: (``history-write``) if it cannot be written.
    """
    text = json.dumps(to_json(snapshots), indent=1) + "\n"
    try:
        write_replace(path, text.encode("utf-8"))
    except OSError as exc:
        raise HistoryError(
            f"cannot write {path}: {exc.strerror or exc}", slug="history-write"
        ) from None


def merge(existing: Iterable[Snapshot], more: Iterable[Snapshot]) -> list[Snapshot]:
    """Every snapshot of both, each id once (the first kept), oldest first."""
    seen: dict[str, Snapshot] = {}
    for snapshot in (*existing, *more):
        seen.setdefault(snapshot.id, snapshot)
    return sorted(seen.values(), key=lambda s: (s.taken, s.id))


def append(path: str, snapshot: Snapshot) -> list[Snapshot]:
    """Add ``snapshot`` to the history at ``path`` (created if missing); the whole history.

    An unreadable history is left as it is (:class:`HistoryError`), never overwritten.
    """
    snapshots = merge(read(path), [snapshot])
    write(path, snapshots)
    return snapshots


def select(
    snapshots: list[Snapshot], since: float | None = None, last: int | None = None
) -> list[Snapshot]:
    """The snapshots taken at or after ``since``, the ``last`` N of them."""
    chosen = [s for s in snapshots if since is None or s.taken >= since]
    return chosen[-last:] if last else chosen


def default_path(data_file: str) -> str:
    """Where the history of ``data_file``'s project is kept: beside it."""
    return os.path.join(os.path.dirname(data_file), NAME)


def locate(pyproject: str | None, explicit: str | None = None) -> tuple[str | None, str | None]:
    """The project root (for source lines and links) and the history file of the configuration
    ``pyproject`` (the nearest by default), or ``explicit``; ``None`` for what is unknown (no
    valid configuration, no data folder configured)."""
    from .._base.errors import ConfigError
    from .._model.config import load_config

    try:
        config = load_config(pyproject)
    except ConfigError:
        return None, explicit
    if explicit is not None:
        return config.root, explicit
    if config.path is None:
        return config.root, None
    return config.root, default_path(config.data_file)


def required(where: str | None) -> str:
    """``where``, the history file :func:`locate` found.

    :raises HistoryError: (``history-write``) if there is none.
    """
    if where is None:
        raise HistoryError(
            "no history file: give --history FILE, or run where a configuration names the data "
            "folder",
            slug="history-write",
        )
    return where
