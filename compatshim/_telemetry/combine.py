"""Combining per-process data files into the combined file, each run once.

Only the files no process will write again are combined (:func:`finished`); a file whose writer
was killed is recovered first. Each file carries the UUID of its run, and a run already in the
combined file is never merged again, so combining twice (or two reports at once) counts nothing
twice. Every source is checked row by row first (``datafiles.validate``), and the combined file
must hold exactly the tables compatshim creates: no file can spoil it.
"""

from __future__ import annotations

import os
import sqlite3

from .._base.errors import StoreError
from .datafiles import COMBINED_LIMIT
from .datafiles import MAX_COMBINED_HITS
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
from .store import process_files
from .store import writer_of


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["combine", "combine_all", "combine_finished", "finished", "writer_gone"]


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


def _open_target(target: str) -> tuple[sqlite3.Connection, int]:
    # The connection, and the sum of the hits the combined file holds.
    db = None
    total = 0
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
                total = validate(db, target, texts="names", exact=True, limit=COMBINED_LIMIT)
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
    return db, total


def _merge_one(db: sqlite3.Connection, target: str, source: str, total: int) -> int:
    # Merge ``source`` into the combined file holding ``total`` hits; the new total.
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
        hits = validate(db, source, "src", texts="all")
        # IMMEDIATE: of two reports combining at once, one merges and the other then finds
        # every run already present.
        with transaction(db, "BEGIN IMMEDIATE"):
            if total + hits > MAX_COMBINED_HITS:
                # SQLite's sum() fails past 2**63: the combined file must stay readable. (The
                # total may miss what another report merges meanwhile: see COMBINED_LIMIT.)
                raise StoreError(
                    f"{source}: not combined: its {hits:,} hits would take the combined file "
                    f"past {MAX_COMBINED_HITS:,} hits, more than any real program counts"
                )
            for statement in _MERGE:
                db.execute(statement)
    finally:
        db.execute("DETACH DATABASE src")
    return int(total) + hits


def combine(target: str, sources: Iterable[str]) -> tuple[list[str], list[tuple[str, StoreError]]]:
    """Merge per-process ``sources`` into ``target`` (created if needed), each run once.

    Merged sources are deleted. A source that cannot be read is left in place and reported; one
    that vanished meanwhile (another report combined it) is passed over.

    :returns: ``(merged sources, [(skipped source, reason)])``.
    :raises StoreError: if ``target`` itself cannot be used.
    """
    merged: list[str] = []
    skipped: list[tuple[str, StoreError]] = []
    db, total = _open_target(target)
    try:
        for source in sources:
            if not os.path.lexists(source):
                continue
            try:
                open_read(source).close()
                total = _merge_one(db, target, source, total)
            except (StoreError, sqlite3.Error, UnicodeDecodeError) as exc:
                if not os.path.lexists(source):
                    continue  # another report combined (and deleted) it meanwhile
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


def combine_finished(data_file: str) -> tuple[list[str], list[tuple[str, StoreError]]]:
    """Combine the per-process files next to ``data_file`` that no process will write again into
    it (a report does this first).

    :returns: the files to read now (the combined file and the files of processes still
        running; every per-process file instead, if the combined file cannot be used), and the
        files skipped, each with the reason. Nothing at all when there is no data file.
    """
    sources, done = _sources(data_file)
    if not sources and not os.path.lexists(data_file):
        return [], []
    live = [s for s in sources if s not in done]
    try:
        return [data_file, *live], combine(data_file, done)[1]
    except StoreError as exc:  # an unusable combined file: read the sources as they are
        return sources, [(data_file, exc)]


def combine_all(data_file: str, but: str) -> list[tuple[str, StoreError]]:
    """Combine every per-process file next to ``data_file`` that no process will write again
    into it, all but ``but`` (the file this process still writes); return what was skipped.

    :raises StoreError: if the combined file cannot be used.
    """
    return combine(data_file, _sources(data_file, but)[1])[1]


def _sources(data_file: str, but: str = "") -> tuple[list[str], list[str]]:
    # The per-process files, and those no process will write again. A file whose writer is
    # gone is recovered first (its hot journal rolled back), so that it is read and combined,
    # not skipped.
    sources = [f for f in process_files(data_file) if f != but]
    return sources, [s for s in sources if finished(s, recover=writer_gone(s, data_file))]


def writer_gone(path: str, data_file: str) -> bool:
    """Whether the process that wrote the per-process file ``path`` of ``data_file`` has ended
    on this host (``store.writer_of``)."""
    import socket

    writer = writer_of(path, data_file)
    return writer is not None and writer[0] == socket.gethostname() and not _alive(writer[1])


def finished(path: str, *, recover: bool = False) -> bool:
    """Whether no process will write ``path`` again, so that it may be combined (and deleted).

    On this host: its writer no longer runs (even a run that ended may be continued, by a new
    ``install()`` in the same process). On another host, whose processes cannot be seen: its
    run ended. A file that cannot be read counts as finished: combining reports why it is
    skipped.
    """
    import socket

    try:
        db = open_read(path, recover=recover)
        try:
            rows = db.execute("SELECT host, pid, ended FROM run").fetchall()
        finally:
            db.close()
    except (StoreError, sqlite3.Error, UnicodeDecodeError):
        return True
    host = socket.gethostname()
    return all(not _alive(pid) if h == host else ended is not None for h, pid, ended in rows)


def _alive(pid: int) -> bool:
    if not 0 < pid < 2**31:
        return False  # not a process id (os.kill would signal a group, or overflow)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True
