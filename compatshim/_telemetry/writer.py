"""The writer of one process's data file (see ``store`` for what it holds).

Files are created and opened through ``sqlitefiles``: exclusively, never through a link.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3  # only the writer and the report import the telemetry store, on first use

from .._base.compat import hostname
from .._base.errors import StoreError
from .sqlitefiles import check_file
from .sqlitefiles import connect
from .sqlitefiles import create_file
from .sqlitefiles import transaction
from .store import create_schema
from .store import machine
from .store import process_file
from .store import text


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from .store import AliasKey
    from .store import Hit

__all__ = ["DataFile"]


class DataFile:
    """The data file of one process run: created on first write, then updated in place.

    It is created exclusively (a link or any file already at its name is refused), and reopened
    after :meth:`close` only if the file there is still the one it created.
    """

    def __init__(self, path: str, run: dict[str, Any]) -> None:
        #: The file's path; ``run``: the row of the ``run`` table (every column but ``id``).
        self.path = path
        self._run = run
        self._db: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._run_id = 0
        self._ended = False

    @classmethod
    def for_process(cls, data_file: str, root: str, started: float) -> DataFile:
        """This process's new file next to ``data_file`` (``store.process_file``), for a run
        that started at ``started``. The folder is made now (never through a link compatshim
        did not create: ``_model.state``); the file at the first write.

        :raises OSError: if the folder cannot be made.
        """
        import json
        import sys
        import uuid

        from .._base.version import __version__
        from .._model.state import ensure_folder

        ensure_folder(os.path.dirname(data_file), root)
        run = {
            "uuid": uuid.uuid4().hex,
            "host": hostname(),
            "pid": os.getpid(),
            "started": started,
            "argv": json.dumps(sys.argv),
            "python": sys.version.split()[0],
            "compatshim": __version__,
            "root": root,
        }
        return cls(process_file(data_file), run)

    def _open(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        if self._identity is not None:  # reopened after close(): the same file, the same run
            if check_file(self.path, writing=True) != self._identity:
                raise StoreError(
                    f"{self.path}: the data file was deleted or replaced since this process "
                    "wrote it",
                    slug="telemetry-write",
                )
            self._db = _connect(self.path, self._identity)
            return self._db
        identity = create_file(self.path)
        db = None
        try:
            check_file(self.path, writing=True)  # and no journal was planted beside it
            db = _connect(self.path, identity)
            with transaction(db):
                create_schema(db)
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", machine())
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

    def write(self, rows: Iterable[Hit]) -> None:
        """Store usage rows. Counts are absolute, so writing a row again is harmless.

        Nothing of a row is kept once it is written: memory does not grow with the sites
        written. SQLite finds the rows' sites itself, a batch at a time, in one transaction.
        """
        db = self._open()
        with transaction(db):
            if self._ended:  # written again after end(): the run goes on
                db.execute("UPDATE run SET ended = NULL WHERE id = ?", (self._run_id,))
                self._ended = False
            db.execute(_PENDING)
            # Aliases and contexts are few per flush: their ids are looked up once each, and
            # kept for this call only (nothing carries over: a reopened file has no stale id).
            aliases: dict[AliasKey, int] = {}
            contexts: dict[str, int] = {}
            batch = []
            for row in rows:
                alias = aliases.get(row.alias)
                if alias is None:
                    alias = aliases[row.alias] = _alias_id(db, row.alias)
                context = contexts.get(row.context)
                if context is None:
                    context = contexts[row.context] = _context_id(db, row.context)
                file, line, module = row.site
                batch.append(
                    (alias, row.path, text(file), line, text(module), context, row.hits,
                     row.first_seen, row.last_seen)
                )  # fmt: skip
                if len(batch) == _BATCH:
                    self._store(db, batch)
                    batch = []
            if batch:
                self._store(db, batch)

    def _store(self, db: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> None:
        # Sites are many (one per line of code that used a legacy path): they are found by
        # SQL, set-based, through the unique index on (file, line, module). That index holds
        # every column the join reads: a NULL, which would never join, is refused by pending.
        db.executemany("INSERT INTO temp.pending VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        db.execute(
            "INSERT OR IGNORE INTO site (file, line, module) "
            "SELECT file, line, module FROM temp.pending"
        )
        # "WHERE true": without it SQLite would read ON CONFLICT as the join's ON (the upsert
        # after a SELECT needs a WHERE clause, its documented parsing ambiguity).
        db.execute(
            "INSERT INTO usage (run_id, alias_id, path, site_id, context_id, hits, first_seen, "
            "last_seen) "
            "SELECT ?, p.alias_id, p.path, s.id, p.context_id, p.hits, p.first_seen, p.last_seen "
            "FROM temp.pending AS p JOIN site AS s "
            "ON s.file = p.file AND s.line = p.line AND s.module = p.module WHERE true "
            "ON CONFLICT (alias_id, site_id, run_id, path, context_id) DO UPDATE SET "
            "hits = excluded.hits, last_seen = excluded.last_seen",
            (self._run_id,),
        )
        db.execute("DELETE FROM temp.pending")

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

    def abandon(self) -> None:
        """Forget the connection without touching the file (in a forked child)."""
        self._db = None


def _connect(path: str, identity: tuple[int, int]) -> sqlite3.Connection:
    # A writer never waits long: a program must not stall because a report is reading.
    db = connect(path, identity, "rw", 0.5)
    try:
        # Temporary tables and statement journals in memory: never a file outside the project.
        db.execute("PRAGMA temp_store = MEMORY")
        # One writer per file: durability against an OS crash is not worth an fsync per flush
        # (a reopened connection too), but the rollback journal stays, so a process killed
        # mid-write leaves the last flush intact (a report rolls the journal back).
        db.execute("PRAGMA synchronous = OFF")
    except BaseException:
        db.close()
        raise
    return db


#: Rows stored per round trip through ``pending``: its pages are held in memory
#: (``temp_store``) and reused, so this bounds what a flush of any size leaves allocated.
_BATCH = 5000

# The rows of one batch, on their way in: a table of this connection only (TEMP tables are
# not in the file), with the types of the columns they are compared with.
_PENDING = """
CREATE TEMP TABLE IF NOT EXISTS pending (
    alias_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    module TEXT NOT NULL,
    context_id INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL
)
"""


def _alias_id(db: sqlite3.Connection, alias: AliasKey) -> int:
    db.execute(
        "INSERT OR IGNORE INTO alias (legacy, canonical, since, removed_in, remove_after) "
        "VALUES (?, ?, ?, ?, ?)",
        alias,
    )
    return int(db.execute("SELECT id FROM alias WHERE legacy = ?", alias[:1]).fetchone()[0])


def _context_id(db: sqlite3.Connection, context: str) -> int:
    name = (text(context),)
    db.execute("INSERT OR IGNORE INTO context (name) VALUES (?)", name)
    return int(db.execute("SELECT id FROM context WHERE name = ?", name).fetchone()[0])
