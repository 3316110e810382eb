"""Combining per-process data files into the combined file, each run once.

Each file carries the UUID of its run, and a run already in the combined file is never merged
again, so combining twice (or two reports at once) counts nothing twice. Every source is checked
row by row first (``_datafiles.validate``), and the combined file must hold exactly the tables
compatshim creates: no file can spoil it.
"""

from __future__ import annotations

import os
import sqlite3

from .._base.errors import StoreError
from .datafiles import guard
from .datafiles import open_read
from .datafiles import pages
from .datafiles import reason
from .datafiles import validate
from .sqlitefiles import check_file
from .sqlitefiles import connect
from .sqlitefiles import create_file
from .sqlitefiles import transaction
from .sqlitefiles import uri
from .store import SCHEMA_VERSION
from .store import create_schema


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["combine"]


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
        identity = check_file(target, writing=True)
        if identity is None:
            identity = create_file(target)
        db = connect(target, identity, "rw", 10.0)
        db.execute("PRAGMA synchronous = OFF")
        guard(db, pages(target) + pages(target + "-journal"))
        with transaction(db, "BEGIN IMMEDIATE"):
            if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                create_schema(db)
            else:
                validate(db, target, texts="names", exact=True)
                # A version 1 file only lacks what version 2 may store: it is version 2 now.
                db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
                )
    except (sqlite3.Error, StoreError, UnicodeDecodeError) as exc:
        if db is not None:
            db.close()
        if isinstance(exc, StoreError):
            why, slug = str(exc).removeprefix(f"{target}: "), exc.slug
        else:
            why, slug = reason(exc), StoreError.slug
        raise StoreError(f"{target}: cannot combine into it ({why})", slug=slug) from None
    return db


def _merge_one(db: sqlite3.Connection, target: str, source: str) -> None:
    # The source is checked by open_read (which also rolled back its hot journal, if any), and
    # then attached read-only: a link swapped in meanwhile is refused by attaching its identity.
    identity = check_file(source)
    if identity is None:
        raise StoreError(f"{source}: no such data file")
    db.execute("ATTACH DATABASE ? AS src", (uri(source, "ro"),))
    try:
        if check_file(source) != identity:
            raise StoreError(f"{source}: replaced while being combined", slug="data-file-link")
        guard(db, pages(target) + pages(source))
        validate(db, source, "src", texts="all")
        # IMMEDIATE: of two reports combining at once, one merges and the other then finds
        # every run already present.
        with transaction(db, "BEGIN IMMEDIATE"):
            for statement in _MERGE:
                db.execute(statement)
    finally:
        db.execute("DETACH DATABASE src")


def combine(target: str, sources: Iterable[str]) -> tuple[list[str], list[tuple[str, StoreError]]]:
    """Merge per-process ``sources`` into ``target`` (created if needed), each run once.

    Merged sources are deleted. A source that cannot be read is left in place and reported; one
    that vanished meanwhile (another report combined it) is passed over.

    :returns: ``(merged sources, [(skipped source, reason)])``.
    :raises StoreError: if ``target`` itself cannot be used.
    """
    merged: list[str] = []
    skipped: list[tuple[str, StoreError]] = []
    db = _open_target(target)
    try:
        for source in sources:
            if not os.path.lexists(source):
                continue
            try:
                open_read(source).close()
                _merge_one(db, target, source)
            except (StoreError, sqlite3.Error, UnicodeDecodeError) as exc:
                if not isinstance(exc, StoreError):
                    exc = StoreError(f"{source}: cannot combine it ({reason(exc)})")
                skipped.append((source, exc))
                continue
            merged.append(source)
            # With it, a journal that was never hot (its writer was killed as it created it).
            for name in (source, source + "-journal"):
                try:
                    os.unlink(name)  # a link is removed, never followed
                except OSError:
                    pass
    finally:
        db.close()
    return merged, skipped
