"""Telemetry data files, the on-disk contract: their names, their schema, the rows they hold.

Every process writes its own file, ``<data_file>.<host>.<pid>.<random>`` (:func:`process_file`),
and nothing else ever writes it: a shared SQLite file gives "database is locked" and breaks on
network filesystems. ``compatshim report`` finds them (:func:`process_files`) and combines them
into ``<data_file>`` (``combine``). Hit counts in a file are absolute (the count so far), so
writing them again is harmless.

The recorder hands the writer (``writer``) :class:`Hit` rows; the report reads per-site totals
(``datafiles.read_sites``). Names that are not valid UTF-8 are stored as bytes (:func:`text`)
and read back with :func:`name`.

The schema is documented in docs/telemetry.md; change both together.
"""

from __future__ import annotations

import glob
import os

from .._base.compat import hostname


TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3

    #: An alias as stored: ``(legacy, canonical, since, removed_in, remove_after)``.
    AliasKey = tuple[str, str, "str | None", "str | None", "str | None"]
    #: A site as stored: ``(file, line, importing module)``.
    SiteKey = tuple[str, int, str]

__all__ = [
    "OLDEST_SCHEMA",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Hit",
    "create_schema",
    "machine",
    "name",
    "process_file",
    "process_files",
    "text",
    "writer_of",
]

#: Version of the data file schema. Bump it, and log it here, on every change:
#: 1: first version (meta, run, alias, site, context, usage).
#: 2: ``site.file``, ``site.module``, ``context.name`` and ``run.root`` hold a BLOB when the
#:    name is not valid UTF-8 (a file name from a non-UTF-8 file system): the name encoded with
#:    ``encode("utf-8", "surrogatepass")``; decode it the same way. Version 1 files are read as
#:    they are, and a version 1 combined file becomes version 2 when a report combines into it.
SCHEMA_VERSION = 2
#: The oldest schema this version reads.
OLDEST_SCHEMA = 1

SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,                -- 'schema_version', 'compatshim_version'
    value TEXT NOT NULL
);
CREATE TABLE run (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,           -- identifies the run: combine merges it once
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started REAL NOT NULL,               -- Unix time
    ended REAL,                          -- NULL until the process flushed at exit
    argv TEXT NOT NULL,                  -- JSON list
    python TEXT NOT NULL,
    compatshim TEXT NOT NULL,
    root TEXT NOT NULL                   -- the project root relative file names refer to
);
CREATE TABLE alias (
    id INTEGER PRIMARY KEY,
    legacy TEXT NOT NULL UNIQUE,         -- as in the configuration: 'old.mod' or 'old.mod:Name'
    canonical TEXT NOT NULL,
    since TEXT,
    removed_in TEXT,
    remove_after TEXT                    -- ISO date
);
CREATE TABLE site (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,                  -- relative to the root when inside it, else absolute
    line INTEGER NOT NULL,
    module TEXT NOT NULL,                -- the importing module's __name__ ('' if unknown)
    UNIQUE (file, line, module)
);
CREATE TABLE context (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE            -- '' or e.g. a pytest node id
);
CREATE TABLE usage (
    run_id INTEGER NOT NULL REFERENCES run (id),
    alias_id INTEGER NOT NULL REFERENCES alias (id),
    path TEXT NOT NULL,                  -- the legacy path used: 'old.pkg.sub' under alias 'old'
    site_id INTEGER NOT NULL REFERENCES site (id),
    context_id INTEGER NOT NULL REFERENCES context (id),
    hits INTEGER NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    -- Clustered by alias and site: the report's GROUP BY reads the table in this order.
    PRIMARY KEY (alias_id, site_id, run_id, path, context_id)
) WITHOUT ROWID;
"""


def text(value: str) -> str | bytes:
    """``value`` as stored: itself, or its bytes when it is not valid UTF-8 (schema 2)."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: a name from a non-UTF-8 file system
        return value.encode("utf-8", "surrogatepass")
    return value


def create_schema(db: sqlite3.Connection) -> None:
    """Create the tables of an empty data file (inside the caller's transaction)."""
    # Statement by statement: executescript() would commit the caller's transaction first.
    # (So no ';' may appear in the schema's comments.)
    from .._base.version import __version__

    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    db.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [("schema_version", str(SCHEMA_VERSION)), ("compatshim_version", __version__)],
    )


def name(value: str | bytes) -> str:
    """A name as read back: :func:`text` undone (bytes that are not even UTF-8 with surrogates
    were not written by compatshim, and are shown as escapes)."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return value.decode("utf-8", "backslashreplace")
    return value


# -- the names of the files ------------------------------------------------------------------


def process_file(data_file: str) -> str:
    """A new name for this process's own file next to ``data_file``:
    ``<data_file>.<host>.<pid>.<8 random hex digits>``."""
    import uuid

    return f"{data_file}.{hostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


def machine() -> list[tuple[str, str]]:
    """This machine's identity, as ``meta`` rows of a per-process file: ``machine`` (the
    systemd/D-Bus machine id) and ``boot`` (the kernel's boot id), where the system has them
    (Linux). Host names are not unique (containers, CI runners, copied artifacts), so a report
    judges whether a file's writer can be seen by these, and by the host name only without."""
    if _machine:
        return _machine[0]
    rows = []
    for key, path in (("machine", "/etc/machine-id"), ("boot", "/proc/sys/kernel/random/boot_id")):
        try:
            with open(path, "rb") as file:
                value = file.read(64).strip().decode("ascii")
        except (OSError, UnicodeDecodeError):
            continue
        if value:
            rows.append((key, value))
    _machine.append(rows)
    return rows


_machine: list[list[tuple[str, str]]] = []  # machine()'s answer, once known


def process_files(data_file: str) -> list[str]:
    """The per-process files next to ``data_file`` that no report combined yet, sorted."""
    return sorted(
        path
        for path in glob.glob(glob.escape(data_file) + ".*")
        if not path.endswith(("-journal", "-wal", "-shm", ".tmp"))
    )


def writer_of(path: str, data_file: str) -> tuple[str, int] | None:
    """``(host, pid)`` of the process that wrote the per-process file ``path`` of ``data_file``,
    as its name says; ``None`` if the name says no such thing."""
    host, _, pid = path[len(data_file) + 1 :].rpartition(".")[0].rpartition(".")
    return (host, int(pid)) if host and pid.isdigit() and pid.isascii() else None


# -- the rows --------------------------------------------------------------------------------


class Hit:
    """One usage row as the recorder hands it to the writer: the hits of one legacy ``path``
    (covered by the alias) at one site, in one context, in this process so far."""

    __slots__ = ("alias", "context", "first_seen", "hits", "last_seen", "path", "site")

    def __init__(
        self,
        alias: AliasKey,
        path: str,
        site: SiteKey,
        context: str,
        hits: int,
        first_seen: float,
        last_seen: float,
    ) -> None:
        self.alias, self.path, self.site, self.context = alias, path, site, context
        self.hits, self.first_seen, self.last_seen = hits, first_seen, last_seen
