"""One batch of per-process files read, checked and merged into the combined file.

Each file is opened once, by a connection of its own, which checks its schema
(``datafiles.validate``) and reads its rows into memory. The rows of the batch go into
temporary tables of the combined file's connection, are checked there as ``validate`` checks a
file's (one statement for the batch), and merged in one transaction, by statements prepared
once per report (attaching each file instead would make SQLite prepare every statement again
per file). Files are merged one after the other, in order, with the same statements: the result
is that of merging each alone. A file whose merging fails (after its checks passed) makes the
batch roll back and merge file by file, so it alone is skipped.
"""

from __future__ import annotations

import os
import sqlite3

from .._base.errors import StoreError
from .datafiles import COMBINED_LIMIT
from .datafiles import MAX_COMBINED_HITS
from .datafiles import MAX_HITS
from .datafiles import bad_rows
from .datafiles import batch_checks
from .datafiles import guard
from .datafiles import open_read
from .datafiles import pages
from .datafiles import reason
from .datafiles import too_many_hits
from .datafiles import validate
from .liveness import finished
from .liveness import seen
from .liveness import writer_gone
from .sqlitefiles import check_file
from .sqlitefiles import connect
from .sqlitefiles import create_file
from .sqlitefiles import same_file
from .sqlitefiles import transaction
from .store import SCHEMA_VERSION
from .store import create_schema


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing_extensions import TypeAlias

    #: A file as read: per table, its rows (every column, in the schema's order).
    Read: TypeAlias = "dict[str, list[tuple[object, ...]]]"

__all__ = ["batches", "merge_batch", "open_target", "read"]

#: Files read and merged in one transaction: at most this many, and at most this many bytes of
#: them (their rows are held in memory; a larger file is a batch alone).
BATCH = 100
BATCH_BYTES = 16 * 2**20


_COLUMNS = {
    "meta": "key, value",
    "run": "id, uuid, host, pid, started, ended, argv, python, compatshim, root",
    "alias": "id, legacy, canonical, since, removed_in, remove_after",
    "site": "id, file, line, module",
    "context": "id, name",
    "usage": "run_id, alias_id, path, site_id, context_id, hits, first_seen, last_seen",
}
# The batch's rows, ``f`` numbering the file within it. (No constraint: a file's ids were
# checked to be integers; the merge joins on them as the file's own tables would.)
_STAGING = [
    f"CREATE TEMP TABLE IF NOT EXISTS batch_{table} (f INTEGER NOT NULL, {columns})"
    for table, columns in _COLUMNS.items()
] + [
    f"CREATE INDEX IF NOT EXISTS temp.batch_{table}_f ON batch_{table} (f{', id' * (table != 'usage')})"
    for table in _COLUMNS
    if table != "meta"
]

# One file's runs that the combined file does not have yet are inserted (with consecutive ids,
# above ``:before``); then only their rows are copied, every id remapped through natural keys.
# The usage rows drive the copy (SQLite keeps the order of a CROSS JOIN), each of its ids
# looked up by index: left to choose, the planner, which has no statistics of the staging
# tables, nested the file's contexts, sites and usage rows, a cost of their product (1.35
# billion steps for 734 rows of 391 sites, each in its own test), which the budget refused.
_NEW_RUNS = """
INSERT INTO main.run (uuid, host, pid, started, ended, argv, python, compatshim, root)
    SELECT uuid, host, pid, started, ended, argv, python, compatshim, root FROM batch_run b
    WHERE f = :f AND NOT EXISTS (SELECT 1 FROM main.run m WHERE m.uuid = b.uuid) ORDER BY id
"""
_MERGE = """
INSERT OR IGNORE INTO main.alias (legacy, canonical, since, removed_in, remove_after)
    SELECT legacy, canonical, since, removed_in, remove_after FROM batch_alias WHERE f = :f;
INSERT OR IGNORE INTO main.site (file, line, module)
    SELECT {file}, line, module FROM batch_site WHERE f = :f;
INSERT OR IGNORE INTO main.context (name) SELECT name FROM batch_context WHERE f = :f;
INSERT INTO main.usage (run_id, alias_id, path, site_id, context_id, hits, first_seen, last_seen)
    SELECT r.id, a.id, u.path, s.id, c.id, u.hits, u.first_seen, u.last_seen
    FROM batch_usage u
    CROSS JOIN batch_run sr ON sr.f = :f AND sr.id = u.run_id
    CROSS JOIN main.run r ON r.uuid = sr.uuid
    CROSS JOIN batch_alias sa ON sa.f = :f AND sa.id = u.alias_id
    CROSS JOIN main.alias a ON a.legacy = sa.legacy
    CROSS JOIN batch_site ss ON ss.f = :f AND ss.id = u.site_id
    CROSS JOIN main.site s ON s.file = {ss_file} AND s.line = ss.line AND s.module = ss.module
    CROSS JOIN batch_context sc ON sc.f = :f AND sc.id = u.context_id
    CROSS JOIN main.context c ON c.name = sc.name
    WHERE u.f = :f AND r.id > :before
    ON CONFLICT (alias_id, site_id, run_id, path, context_id) DO UPDATE SET
        hits = hits + excluded.hits, first_seen = min(first_seen, excluded.first_seen),
        last_seen = max(last_seen, excluded.last_seen)
"""
# Without a paths table, file names are copied as they are; with one, through compatshim_path
# (``remap.PathMap``), which may make two sites of a file one (their hits are added up).
_MERGE_AS_IS = _MERGE.format(file="file", ss_file="ss.file").split(";")
_MERGE_REMAPPED = _MERGE.format(
    file="compatshim_path(file)", ss_file="compatshim_path(ss.file)"
).split(";")


def open_target(target: str) -> tuple[sqlite3.Connection, int]:
    """The combined file ``target`` (created if needed), checked and ready to merge into, and
    the sum of the hits it holds.

    :raises StoreError: if it cannot be used.
    """
    db = None
    total = 0
    try:
        identity = check_file(target, writing=True)
        if identity is None:
            identity = create_file(target)
        db = connect(target, identity, "rw", 10.0)
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA temp_store = MEMORY")
        db.execute("PRAGMA cache_size = -65536")  # 64 MiB: merging reads all of its indexes
        guard(db, pages(target) + pages(target + "-journal"))
        with transaction(db, "BEGIN IMMEDIATE"):
            if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                create_schema(db)
            else:
                total = validate(db, target, texts="names", exact=True, limit=COMBINED_LIMIT)
                # Merging finds names through the indexes: a damaged page whose rows still read
                # (an index that disagrees with its table) would file the next hits under
                # another name, and make the file unreadable afterwards. SQLite's own check
                # reads every page once (about 50 ms for 100,000 sites).
                damage = db.execute("PRAGMA integrity_check(1)").fetchone()
                if damage is None or damage[0] != "ok":
                    why = damage[0] if damage else "no answer"
                    raise StoreError(f"{target}: damaged ({why})")
                # A version 1 file only lacks what version 2 may store: it is version 2 now.
                db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
                )
        for statement in _STAGING:
            db.execute(statement)
    except (sqlite3.Error, StoreError, UnicodeDecodeError) as exc:
        if db is not None:
            db.close()
        if isinstance(exc, StoreError):
            why, slug = str(exc).removeprefix(f"{target}: "), exc.slug
        else:
            why, slug = reason(exc), StoreError.slug
        raise StoreError(f"{target}: cannot combine into it ({why})", slug=slug) from None
    return db, total


def read(source: str, target: str) -> Read | Exception:
    """``source`` opened once, its schema checked (``datafiles.validate``) and its rows read
    (:func:`merge_batch` checks them), by a connection of its own; or why it cannot be read."""
    try:
        return _read(source, target)
    except (StoreError, sqlite3.Error, UnicodeDecodeError) as exc:
        return exc


def _read(source: str, target: str) -> Read:
    identity = check_file(source)
    if identity is None:
        raise StoreError(f"{source}: no such data file")
    if os.path.lexists(source + "-journal"):
        # Perhaps a hot journal: rolled back if its writer is gone, else the file is refused.
        open_read(source, recover=writer_gone(source, target), usage=False).close()
    db = connect(source, identity, "ro", 10.0)
    try:
        if not same_file(source, identity):
            raise StoreError(f"{source}: replaced while being combined", slug="data-file-link")
        guard(db, pages(source))
        # One transaction: every statement reads the file as it was checked.
        with transaction(db):
            validate(db, source, check_rows=False)
            try:  # every text is decoded as it is read
                return {
                    table: db.execute(f"SELECT {columns} FROM {table}").fetchall()
                    for table, columns in _COLUMNS.items()
                }
            except UnicodeDecodeError:
                raise StoreError(
                    f"{source}: not a compatshim data file (text that is not UTF-8)"
                ) from None
            except sqlite3.Error as exc:
                raise StoreError(f"{source}: cannot read ({reason(exc)})") from None
    finally:
        db.close()


def batches(sources: list[str]) -> list[list[str]]:
    """``sources`` in batches of at most ``BATCH`` files and ``BATCH_BYTES`` bytes (but one
    file at least), in order."""
    grouped: list[list[str]] = []
    size = 0
    for source in sources:
        try:
            length = os.lstat(source).st_size
        except OSError:
            length = 0
        if not grouped or len(grouped[-1]) == BATCH or size + length > BATCH_BYTES:
            grouped.append([])
            size = 0
        grouped[-1].append(source)
        size += length
    return grouped


def _too_many(source: str, hits: int) -> StoreError:
    # SQLite's sum() fails past 2**63: the combined file must stay readable. (The total may
    # miss what another report merges meanwhile: see COMBINED_LIMIT.)
    return StoreError(
        f"{source}: not combined: its {hits:,} hits would take the combined file "
        f"past {MAX_COMBINED_HITS:,} hits, more than any real program counts"
    )


def _stage(db: sqlite3.Connection, number: int, rows: Read) -> None:
    for table, columns in _COLUMNS.items():
        marks = ", ".join("?" * (columns.count(",") + 2))
        db.executemany(
            f"INSERT INTO batch_{table} VALUES ({marks})", [(number, *row) for row in rows[table]]
        )


def _copy(db: sqlite3.Connection, number: int, remapped: bool) -> None:
    # Copy the runs of the batch's file ``number`` that the combined file does not have yet
    # (in the caller's transaction).
    cursor = db.execute(_NEW_RUNS, {"f": number})
    if cursor.rowcount > 0:  # else every run is there already: nothing to copy
        values = {"f": number, "before": (cursor.lastrowid or 0) - cursor.rowcount}
        for statement in _MERGE_REMAPPED if remapped else _MERGE_AS_IS:
            db.execute(statement, values if ":before" in statement else {"f": number})


def merge_batch(
    db: sqlite3.Connection,
    target: str,
    batch: list[tuple[str, Read]],
    total: int,
    judge: str,
    remapped: bool,
) -> tuple[int, dict[str, int | Exception | None]]:
    """Check the rows of the ``batch`` of files read (``[(source, rows)]``), and merge those
    whose rows pass and that (``judge``, as in ``combine.combine``) no process will write
    again into the combined file (``db``, holding ``total`` hits), in one transaction: the new
    total, and per source its hits (merged), None (a process may still write it) or why it
    was not merged.

    :raises StoreError: if checking the rows of a batch of several files ran out of budget
        (merge them one at a time).
    """
    outcomes: dict[str, int | Exception | None] = {}
    try:
        with transaction(db):  # one transaction, not one per statement
            for number, (_, rows) in enumerate(batch):
                _stage(db, number, rows)
        hits = _check(db, target, batch, outcomes)
        for number, (source, rows) in enumerate(batch):
            if number in hits and judge != "none":
                where = seen([(key, value) for key, value in rows["meta"]])
                runs = [(row[2], row[3], row[5]) for row in rows["run"]]  # host, pid, ended
                if judge == "running" and where != "here":
                    runs = [(host, pid, 0.0) for host, pid, _ in runs]  # gathered: as ended
                if not finished(runs, where):
                    outcomes[source] = None
                    del hits[number]
        try:
            total = _merge(db, target, batch, hits, total, remapped, outcomes)
        except sqlite3.Error:
            for number, count in hits.items():  # one at a time: only the culprit fails
                try:
                    total = _merge(db, target, batch, {number: count}, total, remapped, outcomes)
                except sqlite3.Error as exc:
                    outcomes[batch[number][0]] = exc
    finally:
        for table in _COLUMNS:
            db.execute(f"DELETE FROM batch_{table}")
    return total, outcomes


def _check(
    db: sqlite3.Connection,
    target: str,
    batch: list[tuple[str, Read]],
    outcomes: dict[str, int | Exception | None],
) -> dict[int, int]:
    # The rows of the staged batch checked as ``datafiles.validate`` checks a file's: the hits
    # of each file that passes, by number; why each other one does not, in ``outcomes``.
    failing, totals = batch_checks("batch_")
    guard(db, pages(target) + sum(pages(source) for source, _ in batch))
    try:
        bad: dict[int, tuple[str, int]] = {}
        for number, table, count in db.execute(failing):
            bad.setdefault(number, (table, count))  # the first table, as validate says
        sums = dict(db.execute(totals).fetchall())
    except sqlite3.Error as exc:
        if len(batch) > 1:
            raise StoreError(f"{target}: cannot check the files combined ({reason(exc)})") from None
        outcomes[batch[0][0]] = StoreError(f"{batch[0][0]}: cannot read ({reason(exc)})")
        return {}
    hits = {}
    for number, (source, _) in enumerate(batch):
        total = sums.get(number, 0.0)
        if number in bad:
            outcomes[source] = bad_rows(source, *bad[number])
        elif total > MAX_HITS:
            outcomes[source] = too_many_hits(source, total)
        else:
            hits[number] = int(total)
    return hits


def _merge(
    db: sqlite3.Connection,
    target: str,
    batch: list[tuple[str, Read]],
    hits: dict[int, int],
    total: int,
    remapped: bool,
    outcomes: dict[str, int | Exception | None],
) -> int:
    # Merge the staged files ``hits`` (number: hits) in one transaction: the new total.
    merged: dict[str, int | Exception | None] = {}
    # IMMEDIATE: of two reports combining at once, one merges and the other then finds every
    # run already present.
    with transaction(db, "BEGIN IMMEDIATE"):
        for number, count in hits.items():
            source = batch[number][0]
            if total + count > MAX_COMBINED_HITS:
                merged[source] = _too_many(source, count)
                continue
            guard(db, pages(target) + pages(source))
            _copy(db, number, remapped)
            total += count
            merged[source] = count
    outcomes.update(merged)
    return total
