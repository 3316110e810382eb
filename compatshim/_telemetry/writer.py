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
        self._ids: dict[tuple[str, object], int] = {}

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

    def write(self, rows: Iterable[Hit]) -> None:
        """Store usage rows. Counts are absolute, so writing a row again is harmless."""
        db = self._open()
        with transaction(db):
            if self._ended:  # written again after end(): the run goes on
                db.execute("UPDATE run SET ended = NULL WHERE id = ?", (self._run_id,))
                self._ended = False
            params = [
                (
                    self._run_id,
                    self._intern(db, "alias", row.alias),
                    row.path,
                    self._intern(db, "site", row.site),
                    self._intern(db, "context", (row.context,)),
                    row.hits,
                    row.first_seen,
                    row.last_seen,
                )
                for row in rows
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
