"""SQLite files opened safely: created exclusively, never through a link, checked after opening.

Files are created by compatshim itself, exclusively and without following links, before SQLite
opens them; SQLite then opens them by a ``mode=rw`` (or ``mode=ro``) URI, which never creates a
file (so a link swapped in meanwhile cannot make SQLite create its target), and the file is
checked once more after connecting. What remains is a window of two system calls in which a
process that can write in the data folder could swap the file for a link and back
(docs/telemetry.md, Security).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat

from .._base.errors import StoreError


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "check_file",
    "check_journal",
    "connect",
    "create_file",
    "transaction",
    "transient",
    "uri",
]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in must not block the open


def uri(path: str, mode: str) -> str:
    """An SQLite URI for ``path``, quoted (``#``, ``?`` and ``%`` are path characters here)."""
    from urllib.parse import quote_from_bytes

    absolute = os.path.abspath(path).replace(os.sep, "/")
    if not absolute.startswith("/"):
        absolute = "/" + absolute  # a Windows drive: file:///C:/...
    return f"file://{quote_from_bytes(os.fsencode(absolute), safe='/:')}?mode={mode}"


def _refuse(path: str, what: str) -> StoreError:
    return StoreError(
        f"{path}: {what}; compatshim only opens regular files and never follows a link it did "
        "not create",
        slug="data-file-link",
    )


def check_file(path: str, *, writing: bool = False) -> tuple[int, int] | None:
    """The identity ``(st_dev, st_ino)`` of the data file at ``path``, or ``None`` if there is
    none; refused unless it is a regular file (not a link) with an SQLite rollback-journal
    header or empty, and (``writing``) has no other hard link. Its ``-journal``, if any, must be
    a regular file too (SQLite would refuse a link; this says why).

    :raises StoreError: with the slug ``data-file-link`` or ``data-file-invalid``.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise _refuse(path, "a symbolic link")
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, "not a regular file")
    if writing and info.st_nlink != 1:
        raise _refuse(path, "a file with other hard links")
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        opened = os.fstat(descriptor)
        header = os.read(descriptor, 100)
    finally:
        os.close(descriptor)
    identity = (opened.st_dev, opened.st_ino)
    if identity != (info.st_dev, info.st_ino):
        raise _refuse(path, "replaced while being opened")
    if header and (len(header) < 100 or not header.startswith(b"SQLite format 3\0")):
        raise StoreError(f"{path}: not a compatshim data file (not an SQLite file)")
    if header and header[18:20] != b"\1\1":
        # Our files use a rollback journal; a write-ahead log would make SQLite open more files.
        raise StoreError(f"{path}: not a compatshim data file (a write-ahead-log database)")
    check_journal(path)
    return identity


def check_journal(path: str) -> None:
    """Refuse the data file ``path`` if its ``-journal`` is there and is not a regular file
    (SQLite would write through a link there, or refuse it without saying why).

    :raises StoreError: with the slug ``data-file-link``.
    """
    journal = path + "-journal"
    try:
        journal_info = os.lstat(journal)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"{journal}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(journal_info.st_mode):
        raise _refuse(journal, "a journal that is a link or not a regular file")


def same_file(path: str, identity: tuple[int, int]) -> bool:
    """Whether ``path`` is still the file ``identity`` that :func:`check_file` checked, and no
    link (one system call, for a check after SQLite opened it)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return not stat.S_ISLNK(info.st_mode) and (info.st_dev, info.st_ino) == identity


def create_file(path: str) -> tuple[int, int]:
    """Create the empty file ``path`` exclusively, never through a link; its identity.

    :raises StoreError: if anything exists there, or at its journal's name, that is not a
        regular file (``data-file-link``), or it cannot be created.
    """
    check_journal(path)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666)
    except FileExistsError:
        raise _refuse(path, "exists already, and compatshim did not create it") from None
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot create ({exc.strerror})", slug="telemetry-write"
        ) from None
    try:
        info = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    return (info.st_dev, info.st_ino)


def connect(path: str, identity: tuple[int, int], mode: str, timeout: float) -> sqlite3.Connection:
    """Open the checked file ``path`` (``identity``) in SQLite, by a URI that never creates it,
    and check that the file there is still the one checked.

    :raises StoreError: if it was replaced meanwhile; :raises sqlite3.Error: if SQLite cannot
        open it.
    """
    db = sqlite3.connect(
        uri(path, mode), uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
    )
    try:
        try:
            info = os.lstat(path)
        except OSError as exc:  # removed meanwhile (another report combined it)
            raise StoreError(f"{path}: cannot read ({exc.strerror})") from None
        if stat.S_ISLNK(info.st_mode) or (info.st_dev, info.st_ino) != identity:
            raise _refuse(path, "replaced while being opened")
        # Nothing stored in a data file runs code: not its views, triggers or defaults.
        db.execute("PRAGMA trusted_schema = OFF")
    except BaseException:
        db.close()
        raise
    return db


def transient(exc: BaseException) -> bool:
    """Whether ``exc`` says that another connection holds the file for a moment ("database is
    locked"): the write may simply be tried again later."""
    return "locked" in str(exc) or "busy" in str(exc)


@contextlib.contextmanager
def transaction(db: sqlite3.Connection, begin: str = "BEGIN") -> Iterator[None]:
    """An explicit transaction on an autocommit connection: COMMIT on success, ROLLBACK (if
    one is still open) on any error."""
    db.execute(begin)
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
