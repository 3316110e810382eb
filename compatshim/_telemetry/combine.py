"""Combining per-process data files into the combined file, each run once.

Only the files no process will write again are combined (:func:`finished`); a file whose writer
was killed is recovered first. Each file carries the UUID of its run, and a run already in the
combined file is never merged again, so combining twice (or two reports at once) counts nothing
twice. Every source is checked row by row first (``datafiles.validate``), and the combined file
must hold exactly the tables compatshim creates: no file can spoil it.
"""

from __future__ import annotations

import os

from .._base.errors import StoreError
from .datafiles import reason
from .liveness import remove_leftovers
from .merging import batches
from .merging import merge_batch
from .merging import open_target
from .merging import read
from .store import process_files


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable

    from .merging import Read

__all__ = [
    "combine",
    "combine_all",
    "combine_data",
    "combine_finished",
    "refuse_linked_folder",
]


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
    db, total = open_target(target)
    remapped = bool(remap)
    if remapped:
        db.create_function("compatshim_path", 1, remap, deterministic=True)
    pending = list(sources)
    try:
        # No thread reads ahead: reading is mostly SQLite preparing statements, and a reading
        # thread and this one slowed each other down (5.9 s for 10,000 files, not 3.6 s).
        for sources_read in batches(pending):
            outcomes = [_read(source, target) for source in sources_read]
            batch = list(zip(sources_read, outcomes))
            good = [(s, o) for s, o in batch if isinstance(o, dict)]
            try:
                total, merging = merge_batch(db, target, good, total, judge, remapped)
            except StoreError:  # checking them together ran out of budget: each alone
                merging = {}
                for one in good:
                    total, alone = merge_batch(db, target, [one], total, judge, remapped)
                    merging.update(alone)
            for source, outcome in batch:
                result = merging.get(source, outcome)
                if result is None:
                    live.append(source)
                elif isinstance(result, int):
                    merged.append(source)
                elif isinstance(result, (FileNotFoundError, dict)):
                    continue  # gone before it was read (a file read is always judged)
                elif os.path.lexists(source):  # else another report combined (deleted) it
                    if not isinstance(result, StoreError):
                        result = StoreError(f"{source}: cannot combine it ({reason(result)})")
                    skipped.append((source, result))
    finally:
        db.close()
    # Deleting a file whose blocks are on disk can take a millisecond (a file system that
    # discards freed blocks); a few threads do it many times faster. (After the merging: while
    # it, they would hold the folder's lock against every file the merging opens.)
    if not keep:
        with ThreadPoolExecutor(8, thread_name_prefix="compatshim-combine") as deleting:
            deleting.map(_delete, merged)
    return merged, skipped, live


def _read(source: str, target: str) -> Read | Exception:
    # ``merging.read``, or FileNotFoundError if the file is gone (another report combined it).
    return read(source, target) if os.path.lexists(source) else FileNotFoundError()


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
