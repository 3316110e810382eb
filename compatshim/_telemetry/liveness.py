"""Whether a data file's writer may still write it, and what killed writes left behind.

A per-process file may be combined (and deleted) only once no process will write it again; its
hot journal may be rolled back only once its writer is gone. Host names are not unique, so the
machine and boot ids a file records (``store.machine``) decide whether its writer's pid can be
looked up here (:func:`seen`). :func:`remove_leftovers` deletes what killed writes leave: our
own temporary names and empty files of ended processes, never through a link.
"""

from __future__ import annotations

import os
import re
import sqlite3

from .._base.compat import hostname
from .sqlitefiles import uri
from .store import machine
from .store import writer_of


__all__ = ["STALE_AFTER", "finished", "remove_leftovers", "seen", "writer_gone"]


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
