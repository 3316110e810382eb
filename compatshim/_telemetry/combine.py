"""Combining per-process data files into the combined file, each run once.

Only the files no process will write again are combined (:func:`finished`); a file whose writer
was killed is recovered first. Each file carries the UUID of its run, and a run already in the
combined file is never merged again, so combining twice (or two reports at once) counts nothing
twice. Every source is checked row by row first (``datafiles.validate``), and the combined file
must hold exactly the tables compatshim creates: no file can spoil it.
"""

from __future__ import annotations

import os
import re
import sqlite3

from .._base.compat import hostname
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
from .sqlitefiles import same_file
from .sqlitefiles import transaction
from .sqlitefiles import uri
from .store import SCHEMA_VERSION
from .store import create_schema
from .store import machine
from .store import process_files
from .store import writer_of


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["combine", "combine_all", "combine_finished", "finished", "seen", "writer_gone"]


# Copy one source file's runs into the combined file, remapping every id through natural keys.
# The runs the combined file does not have yet are inserted first (with consecutive ids, above
# ``:before``); the rest copies only their rows.
_NEW_RUNS = """
INSERT INTO run (uuid, host, pid, started, ended, argv, python, compatshim, root)
    SELECT uuid, host, pid, started, ended, argv, python, compatshim, root FROM src.run
    WHERE NOT EXISTS (SELECT 1 FROM main.run m WHERE m.uuid = src.run.uuid) ORDER BY id
"""
_MERGE = """
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
    WHERE r.id > :before
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


def _merge_one(
    db: sqlite3.Connection, target: str, source: str, total: int, judge: bool
) -> int | None:
    # Merge ``source`` into the combined file holding ``total`` hits: the new total, or None if
    # ``judge`` and a process may still write it. The file is opened once: attached read-only
    # (a link swapped in meanwhile is refused by its identity), checked row by row, merged.
    identity = check_file(source)
    if identity is None:
        raise StoreError(f"{source}: no such data file")
    if os.path.lexists(source + "-journal"):
        # Perhaps a hot journal: rolled back if its writer is gone, else the file is refused.
        open_read(source, recover=writer_gone(source, target), usage=False).close()
    db.execute("ATTACH DATABASE ? AS src", (uri(source, "ro"),))
    try:
        if not same_file(source, identity):
            raise StoreError(f"{source}: replaced while being combined", slug="data-file-link")
        guard(db, pages(target) + pages(source))
        hits = validate(db, source, "src", texts="all")
        if judge and not finished(
            db.execute("SELECT host, pid, ended FROM src.run").fetchall(),
            seen(db.execute("SELECT key, value FROM src.meta").fetchall()),
        ):
            return None
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
            cursor = db.execute(_NEW_RUNS)
            if cursor.rowcount > 0:  # else every run is there already: nothing to copy
                before = {"before": (cursor.lastrowid or 0) - cursor.rowcount}
                for statement in _MERGE:
                    db.execute(statement, before if ":before" in statement else ())
    finally:
        db.execute("DETACH DATABASE src")
    return int(total) + hits


def combine(
    target: str, sources: Iterable[str], *, judge: bool = True
) -> tuple[list[str], list[tuple[str, StoreError]], list[str]]:
    """Merge per-process ``sources`` into ``target`` (created if needed), each run once.

    With ``judge``, a source that a process may still write (:func:`finished`) is not merged
    but returned, to be read as it is. Merged sources are deleted. A source that cannot be read
    is left in place and reported; one that vanished meanwhile (another report combined it) is
    passed over.

    :returns: ``(merged sources, [(skipped source, reason)], sources still written)``.
    :raises StoreError: if ``target`` itself cannot be used.
    """
    from concurrent.futures import ThreadPoolExecutor

    merged: list[str] = []
    skipped: list[tuple[str, StoreError]] = []
    live: list[str] = []
    db, total = _open_target(target)
    try:
        for source in sources:
            if not os.path.lexists(source):
                continue
            try:
                after = _merge_one(db, target, source, total, judge)
            except (StoreError, sqlite3.Error, UnicodeDecodeError) as exc:
                if not os.path.lexists(source):
                    continue  # another report combined (and deleted) it meanwhile
                if not isinstance(exc, StoreError):
                    exc = StoreError(f"{source}: cannot combine it ({reason(exc)})")
                skipped.append((source, exc))
                continue
            if after is None:
                live.append(source)
                continue
            total = after
            merged.append(source)
    finally:
        db.close()
    # Deleting a file whose blocks are on disk can take a millisecond (a file system that
    # discards freed blocks); a few threads do it many times faster. (After the merging: while
    # it, they would hold the folder's lock against every file the merging opens.)
    with ThreadPoolExecutor(8, thread_name_prefix="compatshim-combine") as deleting:
        deleting.map(_delete, merged)
    return merged, skipped, live


def _delete(source: str) -> None:
    # With it, a journal that was never hot (its writer was killed as it created it).
    for name in (source, source + "-journal"):
        try:
            os.unlink(name)  # a link is removed, never followed
        except OSError:
            pass


def combine_finished(data_file: str) -> tuple[list[str], list[tuple[str, StoreError]]]:
    """Combine the per-process files next to ``data_file`` that no process will write again into
    it (a report does this first).

    :returns: the files to read now (the combined file and the files of processes still
        running; every per-process file instead, if the combined file cannot be used), and the
        files skipped, each with the reason. Nothing at all when there is no data file.
    """
    sources = process_files(data_file)
    exists = os.path.lexists(data_file)
    if not sources and not exists:
        return [], []
    folder = os.path.dirname(data_file) or os.curdir
    if not os.access(folder, os.W_OK):  # a read-only folder or file system: nothing to save
        return [data_file] * exists + sources, [(folder, _read_only(folder))]
    remove_leftovers(data_file)
    try:
        _, skipped, live = combine(data_file, sources)
    except StoreError as exc:  # an unusable combined file: read the sources as they are
        if "readonly" in str(exc) or "read-only" in str(exc):
            return [data_file] * exists + sources, [(folder, _read_only(folder))]
        return sources, [(data_file, exc)]
    return [data_file, *live], skipped


def _read_only(folder: str) -> StoreError:
    return StoreError(
        f"{folder}: cannot write here (read-only): the report shows the data files as they are, "
        "and combines nothing",
        slug="report-read-only",
    )


#: The temporary files compatshim writes in its folder (``safeio.write_replace``), by name.
_TEMPORARY = re.compile(r"\.config\.cache\.[0-9a-f]{16}\.tmp")
#: How old a temporary file must be to be taken for the leftover of a killed write.
STALE_AFTER = 3600.0


def remove_leftovers(data_file: str) -> None:
    """Delete what killed writes left in the data folder: temporary files (only our own
    unpredictable names, regular files owned by this user, an hour old: no write takes that
    long) and empty per-process files whose writer is gone (killed as it created the file).
    Links are never followed; nothing else is touched; a file that cannot go stays."""
    import stat
    import time

    folder = os.path.dirname(data_file) or os.curdir
    try:
        names = os.listdir(folder)
    except OSError:
        return
    now = time.time()
    for name in names:
        path = os.path.join(folder, name)
        if _TEMPORARY.fullmatch(name):
            empty = False
        elif name.startswith(os.path.basename(data_file) + ".") and not name.endswith("-journal"):
            empty = True
        else:
            continue
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != _euid():
                continue
            if empty:
                if info.st_size or os.path.lexists(path + "-journal"):
                    continue
                if not writer_gone(path, data_file):
                    continue
            elif now - info.st_mtime < STALE_AFTER:
                continue
            os.unlink(path)
        except OSError:
            continue


def _euid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else -1


def combine_all(data_file: str, but: str) -> list[tuple[str, StoreError]]:
    """Combine every per-process file next to ``data_file`` that no process will write again
    into it, all but ``but`` (the file this process still writes); return what was skipped.

    :raises StoreError: if the combined file cannot be used.
    """
    return combine(data_file, [f for f in process_files(data_file) if f != but])[1]


def writer_gone(path: str, data_file: str) -> bool:
    """Whether the process that wrote the per-process file ``path`` of ``data_file`` has ended
    on this machine (``store.writer_of``; :func:`seen`), so that its hot journal, if any, may
    be rolled back."""
    writer = writer_of(path, data_file)
    if writer is None or writer[0] != hostname():
        return False
    where = "here"
    try:  # the file as it is on disk, journal or not: its meta rows never change after creation
        db = sqlite3.connect(uri(path, "ro") + "&immutable=1", uri=True, isolation_level=None)
        try:
            where = seen(db.execute("SELECT key, value FROM meta").fetchall())
        finally:
            db.close()
    except (sqlite3.Error, UnicodeDecodeError):
        pass  # unreadable (or written before machine ids): the host name decides
    return where == "earlier" or (where == "here" and not _alive(writer[1]))


def seen(meta: list[tuple[object, object]]) -> str:
    """Where the writer of a per-process file ran, from its ``meta`` rows (``store.machine``):
    ``"here"`` (this machine, this boot: or the file does not say, and the host name decides),
    ``"earlier"`` (this machine, an earlier boot: its processes have all ended) or
    ``"elsewhere"`` (another machine, perhaps with the same host name: its processes cannot be
    seen)."""
    theirs = {key: value for key, value in meta if key in ("machine", "boot")}
    ours = dict(machine())
    if "machine" not in theirs or "machine" not in ours:
        return "here"
    if theirs["machine"] != ours["machine"]:
        return "elsewhere"
    if "boot" in theirs and "boot" in ours and theirs["boot"] != ours["boot"]:
        return "earlier"
    return "here"


def finished(runs: list[tuple[object, object, object]], where: str = "here") -> bool:
    """Whether no process will write again the file of these ``runs`` (``host, pid, ended``
    rows) written ``where`` (:func:`seen`), so that it may be combined (and deleted).

    On this machine (same host name, and same machine id where the file records one): its
    writer no longer runs (even a run that ended may be continued, by a new ``install()`` in
    the same process); after a reboot, it ended. On another machine, whose processes cannot
    be seen: its run ended.
    """
    host = hostname()
    if where == "earlier":
        return True
    return all(
        not _alive(pid)
        if h == host and where == "here" and isinstance(pid, int)
        else ended is not None
        for h, pid, ended in runs
    )


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
