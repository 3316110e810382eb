"""Telemetry data files: SQLite, one writer per file, combined idempotently.

Every process writes its own file, ``<data_file>.<host>.<pid>.<random>``, and nothing else ever
writes it: a shared SQLite file gives "database is locked" and breaks on network filesystems.
``compatshim report`` combines the per-process files into ``<data_file>``; each file carries the
UUID of its run, and a run already in the combined file is never merged again, so combining twice
(or two reports at once) counts nothing twice. Hit counts in a file are absolute (the count so
far), so writing them again is harmless.

The schema is documented in docs/telemetry.md; change both together.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3  # only _report and the telemetry writer import this module, on first use


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Sequence
    from typing import Any

__all__ = ["SCHEMA_VERSION", "DataFile", "StoreError", "combine", "open_read"]

#: Version of the data file schema. Bump it, and log it here, on every change:
#: 1: first version (meta, run, alias, site, context, usage).
SCHEMA_VERSION = 1

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


class StoreError(Exception):
    """A data file cannot be used: missing, not SQLite, another schema, or unreadable."""


def _connect(path: str, timeout: float = 10.0) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    # One writer per file: durability against an OS crash is not worth an fsync per flush, but
    # the rollback journal stays, so a process killed mid-write leaves the last flush intact.
    db.execute("PRAGMA synchronous = OFF")
    return db


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection, begin: str = "BEGIN") -> Iterator[None]:
    # Explicit transactions on an autocommit connection: COMMIT on success, ROLLBACK (if one is
    # still open) on any error.
    db.execute(begin)
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _check_schema(db: sqlite3.Connection, path: str) -> None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a compatshim data file ({exc})") from None
    if row is None:
        raise StoreError(f"{path}: not a compatshim data file (no schema version)")
    if row[0] != str(SCHEMA_VERSION):
        raise StoreError(
            f"{path}: data file schema {row[0]}, this compatshim reads {SCHEMA_VERSION}"
        )


def _create(db: sqlite3.Connection) -> None:
    # Statement by statement: executescript() would commit the caller's transaction first.
    # (So no ';' may appear in the schema's comments.)
    from . import __version__

    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    db.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [("schema_version", str(SCHEMA_VERSION)), ("compatshim_version", __version__)],
    )


class DataFile:
    """The data file of one process run: created on first write, then updated in place."""

    def __init__(self, path: str, run: dict[str, Any]) -> None:
        self.path = path
        self._run = run
        self._db: sqlite3.Connection | None = None
        self._run_id = 0
        self._ids: dict[tuple[str, object], int] = {}

    def _open(self) -> sqlite3.Connection:
        if self._db is None and self._run_id:
            self._db = _connect(self.path, timeout=0.5)  # reopened after close(): same run
        if self._db is None:
            # A writer never waits long: a program must not stall because a report is reading.
            db = _connect(self.path, timeout=0.5)
            with _transaction(db):
                _create(db)
                cursor = db.execute(
                    "INSERT INTO run (uuid, host, pid, started, argv, python, compatshim, root) "
                    "VALUES (:uuid, :host, :pid, :started, :argv, :python, :compatshim, :root)",
                    self._run,
                )
            self._run_id = int(cursor.lastrowid or 0)
            self._db = db
        return self._db

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
            db.execute("INSERT OR IGNORE INTO site (file, line, module) VALUES (?, ?, ?)", key)
            row = db.execute(
                "SELECT id FROM site WHERE file = ? AND line = ? AND module = ?", key
            ).fetchone()
        else:
            db.execute("INSERT OR IGNORE INTO context (name) VALUES (?)", key)
            row = db.execute("SELECT id FROM context WHERE name = ?", key).fetchone()
        self._ids[(table, key)] = row[0]
        return int(row[0])

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        """Store usage rows: ``(alias_key, path, site_key, context, hits, first, last)``.

        ``alias_key`` is ``(legacy, canonical, since, removed_in, remove_after)`` and
        ``site_key`` is ``(file, line, module)``. Counts are absolute, so rewriting is harmless.
        """
        db = self._open()
        with _transaction(db):
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
            with _transaction(self._db):
                self._db.execute("UPDATE run SET ended = ? WHERE id = ?", (ended, self._run_id))

    def close(self) -> None:
        """Close the connection; a later write opens it again, for the same run."""
        if self._db is not None:
            self._db.close()
            self._db = None
            self._ids.clear()

    def abandon(self) -> None:
        """Forget the connection without touching the file (in a forked child)."""
        self._db = None
        self._ids.clear()


def open_read(path: str) -> sqlite3.Connection:
    """Open an existing data file for reading, checking that it is one.

    :raises StoreError: if it is missing, not SQLite, or of another schema.
    """
    if not os.path.isfile(path):
        raise StoreError(f"{path}: no such data file")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        _check_schema(db, path)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read ({exc})") from None
    return db


def finished(path: str) -> bool:
    """Whether the process that writes ``path`` is done with it, so it may be combined.

    Its run ended normally, or its process no longer exists on this host (killed). A file that
    cannot be read counts as finished: combining reports why it is skipped.
    """
    import socket

    try:
        db = open_read(path)
        try:
            rows = db.execute("SELECT host, pid, ended FROM run").fetchall()
        finally:
            db.close()
    except (StoreError, sqlite3.Error):
        return True
    host = socket.gethostname()
    return all(ended is not None or (h == host and not _alive(pid)) for h, pid, ended in rows)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True


# Copy one source file's run into the combined file, remapping every id through natural keys.
# ``new_runs`` holds the runs of the source that the combined file does not have yet.
_MERGE = """
CREATE TEMP TABLE new_runs AS
    SELECT uuid FROM src.run WHERE uuid NOT IN (SELECT uuid FROM main.run);
INSERT INTO run (uuid, host, pid, started, ended, argv, python, compatshim, root)
    SELECT uuid, host, pid, started, ended, argv, python, compatshim, root FROM src.run
    WHERE uuid IN (SELECT uuid FROM new_runs);
INSERT OR IGNORE INTO alias (legacy, canonical, since, removed_in, remove_after)
    SELECT legacy, canonical, since, removed_in, remove_after FROM src.alias;
INSERT OR IGNORE INTO site (file, line, module) SELECT file, line, module FROM src.site;
INSERT OR IGNORE INTO context (name) SELECT name FROM src.context;
INSERT INTO usage (run_id, alias_id, path, site_id, context_id, hits, first_seen, last_seen)
    SELECT r.id, a.id, u.path, s.id, c.id, u.hits, u.first_seen, u.last_seen
    FROM src.usage u
    JOIN src.run sr ON sr.id = u.run_id
    JOIN main.run r ON r.uuid = sr.uuid
    JOIN src.alias sa ON sa.id = u.alias_id
    JOIN main.alias a ON a.legacy = sa.legacy
    JOIN src.site ss ON ss.id = u.site_id
    JOIN main.site s ON s.file = ss.file AND s.line = ss.line AND s.module = ss.module
    JOIN src.context sc ON sc.id = u.context_id
    JOIN main.context c ON c.name = sc.name
    WHERE sr.uuid IN (SELECT uuid FROM new_runs);
DROP TABLE temp.new_runs
""".split(";")


def _open_target(target: str) -> sqlite3.Connection:
    db = None
    try:
        db = _connect(target)
        with _transaction(db, "BEGIN IMMEDIATE"):
            if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                _create(db)
            else:
                _check_schema(db, target)
    except (sqlite3.Error, StoreError) as exc:
        if db is not None:
            db.close()
        raise StoreError(f"{target}: cannot combine into it ({exc})") from None
    return db


def _merge_one(db: sqlite3.Connection, source: str) -> None:
    open_read(source).close()  # a foreign or corrupt file is refused before it is attached
    db.execute("ATTACH DATABASE ? AS src", (source,))
    try:
        # IMMEDIATE: of two reports combining at once, one merges and the other then finds
        # every run already present.
        with _transaction(db, "BEGIN IMMEDIATE"):
            for statement in _MERGE:
                db.execute(statement)
    finally:
        db.execute("DETACH DATABASE src")


def combine(target: str, sources: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Merge per-process ``sources`` into ``target`` (created if needed), each run once.

    Merged sources are deleted. A source that cannot be read is left in place and reported; one
    that vanished meanwhile (another report combined it) is passed over.

    :returns: ``(merged sources, [(skipped source, reason)])``.
    :raises StoreError: if ``target`` itself cannot be used.
    """
    merged: list[str] = []
    skipped: list[tuple[str, str]] = []
    db = _open_target(target)
    try:
        for source in sources:
            if not os.path.exists(source):
                continue
            try:
                _merge_one(db, source)
            except (StoreError, sqlite3.Error) as exc:
                skipped.append((source, str(exc)))
                continue
            merged.append(source)
            try:
                os.unlink(source)
            except OSError:
                pass
    finally:
        db.close()
    return merged, skipped
