"""Telemetry data files: the schema, and the writer of one process's file.

Every process writes its own file, ``<data_file>.<host>.<pid>.<random>``, and nothing else ever
writes it: a shared SQLite file gives "database is locked" and breaks on network filesystems.
``compatshim report`` combines the per-process files into ``<data_file>`` (see ``_datafiles``).
Hit counts in a file are absolute (the count so far), so writing them again is harmless.

Files are created and opened through ``_sqlitefiles``: exclusively, never through a link.

The schema is documented in docs/telemetry.md; change both together.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3  # only the telemetry writer and the report import this module, on first use

from .._base.errors import StoreError
from .sqlitefiles import check_file
from .sqlitefiles import connect
from .sqlitefiles import create_file
from .sqlitefiles import transaction


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Sequence
    from typing import Any

__all__ = ["OLDEST_SCHEMA", "SCHEMA", "SCHEMA_VERSION", "DataFile", "create_schema", "text"]

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


class DataFile:
    """The data file of one process run: created on first write, then updated in place.

    It is created exclusively (a link or any file already at its name is refused), and reopened
    after :meth:`close` only if the file there is still the one it created.
    """

    def __init__(self, path: str, run: dict[str, Any]) -> None:
        self.path = path
        self._run = run
        self._db: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._run_id = 0
        self._ended = False
        self._ids: dict[tuple[str, object], int] = {}

    def _open(self) -> sqlite3.Connection:
        # A writer never waits long: a program must not stall because a report is reading.
        if self._db is not None:
            return self._db
        if self._identity is not None:  # reopened after close(): the same file, the same run
            if check_file(self.path, writing=True) != self._identity:
                raise StoreError(
                    f"{self.path}: the data file was deleted or replaced since this process "
                    "wrote it",
                    slug="telemetry-write",
                )
            self._db = connect(self.path, self._identity, "rw", 0.5)
            return self._db
        identity = create_file(self.path)
        db = None
        try:
            check_file(self.path, writing=True)  # and no journal was planted beside it
            db = connect(self.path, identity, "rw", 0.5)
            # One writer per file: durability against an OS crash is not worth an fsync per
            # flush, but the rollback journal stays, so a process killed mid-write leaves the
            # last flush intact (a report rolls the journal back).
            db.execute("PRAGMA synchronous = OFF")
            with transaction(db):
                create_schema(db)
                run = dict(self._run, root=text(self._run["root"]), host=text(self._run["host"]))
                cursor = db.execute(
                    "INSERT INTO run (uuid, host, pid, started, argv, python, compatshim, root) "
                    "VALUES (:uuid, :host, :pid, :started, :argv, :python, :compatshim, :root)",
                    run,
                )
        except BaseException:
            if db is not None:
                db.close()
            with contextlib.suppress(OSError):  # the next write starts afresh
                if check_file(self.path) == identity:
                    os.unlink(self.path)
            raise
        self._identity = identity
        self._run_id = int(cursor.lastrowid or 0)
        self._db = db
        return db

    def _intern(self, db: sqlite3.Connection, table: str, key: tuple[Any, ...]) -> int:
        cached = self._ids.get((table, key))
        if cached is not None:
            return cached
        if table == "alias":
            db.execute(
                "INSERT OR IGNORE INTO alias (legacy, canonical, since, removed_in, remove_after) "
                "VALUES (?, ?, ?, ?, ?)",
                key,
            )
            row = db.execute("SELECT id FROM alias WHERE legacy = ?", key[:1]).fetchone()
        elif table == "site":
            stored = (text(key[0]), key[1], text(key[2]))
            db.execute("INSERT OR IGNORE INTO site (file, line, module) VALUES (?, ?, ?)", stored)
            row = db.execute(
                "SELECT id FROM site WHERE file = ? AND line = ? AND module = ?", stored
            ).fetchone()
        else:
            name = (text(key[0]),)
            db.execute("INSERT OR IGNORE INTO context (name) VALUES (?)", name)
            row = db.execute("SELECT id FROM context WHERE name = ?", name).fetchone()
        self._ids[(table, key)] = row[0]
        return int(row[0])

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        """Store usage rows: ``(alias_key, path, site_key, context, hits, first, last)``.

        ``alias_key`` is ``(legacy, canonical, since, removed_in, remove_after)`` and
        ``site_key`` is ``(file, line, module)``. Counts are absolute, so rewriting is harmless.
        """
        db = self._open()
        with transaction(db):
            if self._ended:  # written again after end(): the run goes on
                db.execute("UPDATE run SET ended = NULL WHERE id = ?", (self._run_id,))
                self._ended = False
            params = [
                (
                    self._run_id,
                    self._intern(db, "alias", alias),
                    path,
                    self._intern(db, "site", site),
                    self._intern(db, "context", (context,)),
                    hits,
                    first,
                    last,
                )
                for alias, path, site, context, hits, first, last in rows
            ]
            db.executemany(
                "INSERT INTO usage (run_id, alias_id, path, site_id, context_id, hits, "
                "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (alias_id, site_id, run_id, path, context_id) DO UPDATE SET "
                "hits = excluded.hits, last_seen = excluded.last_seen",
                params,
            )

    def end(self, ended: float) -> None:
        """Record the end of the run (only if anything was ever written)."""
        if self._db is not None:
            with transaction(self._db):
                self._db.execute("UPDATE run SET ended = ? WHERE id = ?", (ended, self._run_id))
            self._ended = True

    def close(self) -> None:
        """Close the connection; a later write opens the same file again, for the same run."""
        if self._db is not None:
            self._db.close()
            self._db = None
            self._ids.clear()

    def abandon(self) -> None:
        """Forget the connection without touching the file (in a forked child)."""
        self._db = None
        self._ids.clear()
