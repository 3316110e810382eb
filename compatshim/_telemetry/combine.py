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
from .liveness import finished
from .liveness import remove_leftovers
from .liveness import seen
from .liveness import writer_gone
from .sqlitefiles import check_file
from .sqlitefiles import connect
from .sqlitefiles import create_file
from .sqlitefiles import same_file
from .sqlitefiles import transaction
from .sqlitefiles import uri
from .store import SCHEMA_VERSION
from .store import create_schema
from .store import process_files


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable

__all__ = [
    "combine",
    "combine_all",
    "combine_data",
    "combine_finished",
    "refuse_linked_folder",
]


# Copy one source file's runs into the combined file, remapping every id through natural keys.
# The runs the combined file does not have yet are inserted first (with consecutive ids, above
# ``:before``); the rest copies only their rows.
_NEW_RUNS = """
INSERT INTO run (uuid, host, pid, started, ended, argv, python, compatshim, root)
    SELECT uuid, host, pid, started, ended, argv, python, compatshim, root FROM {src}.run
    WHERE NOT EXISTS (SELECT 1 FROM main.run m WHERE m.uuid = {src}.run.uuid) ORDER BY id
"""
_MERGE = """
INSERT OR IGNORE INTO alias (legacy, canonical, since, removed_in, remove_after)
    SELECT legacy, canonical, since, removed_in, remove_after FROM {src}.alias;
INSERT OR IGNORE INTO site (file, line, module) SELECT {file}, line, module FROM {src}.site;
INSERT OR IGNORE INTO context (name) SELECT name FROM {src}.context;
INSERT INTO usage (run_id, alias_id, path, site_id, context_id, hits, first_seen, last_seen)
    SELECT r.id, a.id, u.path, s.id, c.id, u.hits, u.first_seen, u.last_seen
    FROM {src}.usage u
    JOIN {src}.run sr ON sr.id = u.run_id
    JOIN main.run r ON r.uuid = sr.uuid
    JOIN {src}.alias sa ON sa.id = u.alias_id
    JOIN main.alias a ON a.legacy = sa.legacy
    JOIN {src}.site ss ON ss.id = u.site_id
    JOIN main.site s ON s.file = {ss_file} AND s.line = ss.line AND s.module = ss.module
    JOIN {src}.context sc ON sc.id = u.context_id
    JOIN main.context c ON c.name = sc.name
    WHERE r.id > :before
    ON CONFLICT (alias_id, site_id, run_id, path, context_id) DO UPDATE SET
        hits = hits + excluded.hits, first_seen = min(first_seen, excluded.first_seen),
        last_seen = max(last_seen, excluded.last_seen)
"""
# Without a paths table, file names are copied as they are; with one, through compatshim_path
# (``remap.PathMap``), which may make two sites of a file one (their hits are added up).
_MERGE_AS_IS = _MERGE.format(file="file", ss_file="ss.file", src="{src}").split(";")
_MERGE_REMAPPED = _MERGE.format(
    file="compatshim_path(file)", ss_file="compatshim_path(ss.file)", src="{src}"
).split(";")
#: Files attached and merged in one transaction (SQLite attaches at most ten databases by
#: default). Every statement is prepared again after an ATTACH, and the combined file's schema
#: read again after a DETACH: per batch, not per file.
BATCH = 10


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


def _attach(
    db: sqlite3.Connection,
    target: str,
    source: str,
    judge: str,
    attached: list[str],
) -> int | None:
    # Attach ``source`` under a new name, added to ``attached`` (the caller detaches them all,
    # even when this raises), and check it: its hits, or None if ``judge`` and a process may
    # still write it. The file is opened once: attached read-only (a link swapped in meanwhile
    # is refused by its identity), checked row by row.
    identity = check_file(source)
    if identity is None:
        raise StoreError(f"{source}: no such data file")
    if os.path.lexists(source + "-journal"):
        # Perhaps a hot journal: rolled back if its writer is gone, else the file is refused.
        open_read(source, recover=writer_gone(source, target), usage=False).close()
    schema = f"src{len(attached)}"
    db.execute(f"ATTACH DATABASE ? AS {schema}", (uri(source, "ro"),))
    attached.append(schema)
    if not same_file(source, identity):
        raise StoreError(f"{source}: replaced while being combined", slug="data-file-link")
    guard(db, pages(target) + pages(source))
    hits = validate(db, source, schema, texts="all")
    if judge != "none":
        where = seen(db.execute(f"SELECT key, value FROM {schema}.meta").fetchall())
        runs = db.execute(f"SELECT host, pid, ended FROM {schema}.run").fetchall()
        if judge == "running" and where != "here":
            runs = [(host, pid, 0.0) for host, pid, _ in runs]  # gathered: take as ended
        if not finished(runs, where):
            return None
    return hits


def _copy(db: sqlite3.Connection, schema: str, remapped: bool) -> None:
    # Copy the runs of the checked file attached as ``schema`` that the combined file does not
    # have yet (in the caller's transaction).
    cursor = db.execute(_NEW_RUNS.format(src=schema))
    if cursor.rowcount > 0:  # else every run is there already: nothing to copy
        before = {"before": (cursor.lastrowid or 0) - cursor.rowcount}
        for statement in _MERGE_REMAPPED if remapped else _MERGE_AS_IS:
            db.execute(statement.format(src=schema), before if ":before" in statement else ())


def _too_many(source: str, hits: int) -> StoreError:
    # SQLite's sum() fails past 2**63: the combined file must stay readable. (The total may
    # miss what another report merges meanwhile: see COMBINED_LIMIT.)
    return StoreError(
        f"{source}: not combined: its {hits:,} hits would take the combined file "
        f"past {MAX_COMBINED_HITS:,} hits, more than any real program counts"
    )


def _merge_batch(
    db: sqlite3.Connection,
    target: str,
    batch: list[str],
    total: int,
    judge: str,
    remapped: bool,
) -> tuple[int, dict[str, int | Exception | None]]:
    # Merge up to BATCH sources in one transaction: the new total, and per source its hits
    # (merged), None (a process may still write it) or why it was not merged. Each is attached
    # and checked on its own, so a bad file is skipped alone; if merging one fails, the
    # transaction is rolled back and the checked files are merged one at a time instead.
    outcomes: dict[str, int | Exception | None] = {}
    attached: list[str] = []
    ready: list[tuple[str, str, int]] = []
    try:
        for source in batch:
            try:
                hits = _attach(db, target, source, judge, attached)
            except (StoreError, sqlite3.Error, UnicodeDecodeError) as exc:
                outcomes[source] = exc
                continue
            if hits is None:
                outcomes[source] = None
            else:
                ready.append((source, attached[-1], hits))
        if not ready:
            return total, outcomes
        # IMMEDIATE: of two reports combining at once, one merges and the other then finds
        # every run already present.
        batch_total = total
        try:
            with transaction(db, "BEGIN IMMEDIATE"):
                for source, schema, hits in ready:
                    if batch_total + hits > MAX_COMBINED_HITS:
                        outcomes[source] = _too_many(source, hits)
                        continue
                    guard(db, pages(target) + pages(source))
                    _copy(db, schema, remapped)
                    batch_total += hits
                    outcomes[source] = hits
        except sqlite3.Error:
            for source, _, _ in ready:
                outcomes.pop(source, None)
        else:
            return batch_total, outcomes
    finally:
        for schema in attached:
            db.execute(f"DETACH DATABASE {schema}")
    for source, _, _ in ready:  # one at a time, as the batch failed: only the culprit fails
        try:
            hits = _merge_one(db, target, source, total, judge, remapped)
        except (StoreError, sqlite3.Error, UnicodeDecodeError) as exc:
            outcomes[source] = exc
            continue
        outcomes[source] = hits
        total += hits or 0
    return total, outcomes


def _merge_one(
    db: sqlite3.Connection, target: str, source: str, total: int, judge: str, remapped: bool
) -> int | None:
    # Merge ``source`` alone, in its own transaction: its hits, or None if ``judge`` and a
    # process may still write it.
    attached: list[str] = []
    try:
        hits = _attach(db, target, source, judge, attached)
        if hits is None:
            return None
        with transaction(db, "BEGIN IMMEDIATE"):
            if total + hits > MAX_COMBINED_HITS:
                raise _too_many(source, hits)
            _copy(db, attached[0], remapped)
    finally:
        for schema in attached:
            db.execute(f"DETACH DATABASE {schema}")
    return hits


def combine(
    target: str,
    sources: Iterable[str],
    *,
    judge: str = "finished",
    remap: Callable[[str | bytes], str | bytes] | None = None,
    keep: bool = False,
) -> tuple[list[str], list[tuple[str, StoreError]], list[str]]:
    """Merge per-process ``sources`` into ``target`` (created if needed), each run once.

    ``judge``: ``"finished"``, a source that a process may still write (:func:`finished`) is
    not merged but returned, to be read as it is; ``"running"``, only a source of a process
    still running on this machine is (files gathered from elsewhere are taken as they are);
    ``"none"``, every source is merged. ``remap`` maps recorded file names (``remap.PathMap``).
    Merged sources are deleted, unless ``keep``. A source that cannot be read is left in place
    and reported; one that vanished meanwhile (another report combined it) is passed over.

    :returns: ``(merged sources, [(skipped source, reason)], sources still written)``.
    :raises StoreError: if ``target`` itself cannot be used.
    """
    from concurrent.futures import ThreadPoolExecutor

    merged: list[str] = []
    skipped: list[tuple[str, StoreError]] = []
    live: list[str] = []
    db, total = _open_target(target)
    remapped = bool(remap)
    if remapped:
        db.create_function("compatshim_path", 1, remap, deterministic=True)
    try:
        pending = list(sources)
        for start in range(0, len(pending), BATCH):
            batch = [s for s in pending[start : start + BATCH] if os.path.lexists(s)]
            total, outcomes = _merge_batch(db, target, batch, total, judge, remapped)
            for source in batch:
                outcome = outcomes[source]
                if outcome is None:
                    live.append(source)
                elif isinstance(outcome, int):
                    merged.append(source)
                elif os.path.lexists(source):  # else another report combined (deleted) it
                    if not isinstance(outcome, StoreError):
                        outcome = StoreError(f"{source}: cannot combine it ({reason(outcome)})")
                    skipped.append((source, outcome))
    finally:
        db.close()
    # Deleting a file whose blocks are on disk can take a millisecond (a file system that
    # discards freed blocks); a few threads do it many times faster. (After the merging: while
    # it, they would hold the folder's lock against every file the merging opens.)
    if not keep:
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


def combine_finished(
    data_file: str, remap: Callable[[str | bytes], str | bytes] | None = None
) -> tuple[list[str], list[tuple[str, StoreError]]]:
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
        _, skipped, live = combine(data_file, sources, remap=remap)
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


def combine_all(data_file: str, but: str) -> list[tuple[str, StoreError]]:
    """Combine every per-process file next to ``data_file`` that no process will write again
    into it, all but ``but`` (the file this process still writes); return what was skipped.

    :raises StoreError: if the combined file cannot be used, or the data folder (named
        ``.compatshim``) is a link.
    """
    refuse_linked_folder(data_file, None)
    return combine(data_file, [f for f in process_files(data_file) if f != but])[1]


def refuse_linked_folder(data_file: str, root: str | None) -> None:
    """Refuse the data folder of ``data_file`` if a folder between ``root`` (the project) and
    it is a link compatshim did not create.

    :raises StoreError: (``data-file-link``) saying which.
    """
    from .._model.state import linked_folder

    link = linked_folder(os.path.dirname(data_file), root)
    if link is not None:
        raise StoreError(
            f"{link} is a symbolic link that compatshim did not create: it reads and writes "
            "nothing through it. Remove the link to let compatshim create its own folder",
            slug="data-file-link",
        )


def combine_data(
    pyproject: str | os.PathLike[str] | None = None, paths: Iterable[str] = ()
) -> tuple[int, list[tuple[str, StoreError]]]:
    """``compatshim combine``: merge data files gathered from elsewhere (``paths``: files, or
    folders whose files are all taken) into the project's combined file, or, with no
    ``paths``, the project's own per-process files that no process will write again.

    Idempotent: a run already in the combined file is never merged again, so the same files
    combined twice, or in any order, give the same totals. Files named here are left in place
    (the project's own per-process files are deleted once combined); a file of a process still
    running on this machine is left for later. ``[tool.compatshim.paths]`` maps file names
    recorded elsewhere onto one (``remap``).

    :returns: the number of files merged, and ``[(skipped file, reason)]``.
    :raises ConfigError: if the configuration is invalid.
    :raises StoreError: if the combined file or its folder cannot be used.
    """
    from .._model.config import load_config
    from .._model.state import ensure_folder
    from .remap import PathMap
    from .store import process_files

    config = load_config(pyproject)
    data_file = config.data_file
    refuse_linked_folder(data_file, config.root)
    try:
        ensure_folder(os.path.dirname(data_file), config.root)
    except OSError as exc:
        raise StoreError(
            f"{os.path.dirname(data_file)}: cannot create the data folder ({exc})",
            slug="data-file-link" if "symbolic link" in str(exc) else StoreError.slug,
        ) from None
    remap = PathMap(config.paths) or None
    if paths:
        files = _gathered([os.fspath(p) for p in paths])
        missing = [f for f in files if not os.path.lexists(f)]
        target = os.path.abspath(data_file)  # the combined file itself, in a folder named
        files = [f for f in files if f not in missing and os.path.abspath(f) != target]
        merged, skipped, _ = combine(data_file, files, judge="running", remap=remap, keep=True)
        skipped[:0] = [(f, StoreError(f"{f}: no such data file")) for f in missing]
    else:
        remove_leftovers(data_file)
        merged, skipped, _ = combine(data_file, process_files(data_file), remap=remap)
    return len(merged), skipped


def _gathered(paths: list[str]) -> list[str]:
    # The files named, and every file in the folders named (not their subfolders), sorted.
    import stat

    files = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            files.append(path)  # combining says what is wrong with it
            continue
        if stat.S_ISDIR(info.st_mode):
            files.extend(
                os.path.join(path, name)
                for name in sorted(os.listdir(path))
                if not name.endswith(("-journal", "-wal", "-shm", ".tmp"))
                and not name.startswith(".")
                and name != "config.cache"  # a .compatshim folder's other file
                and not os.path.isdir(os.path.join(path, name))
            )
        else:
            files.append(path)
    return files
