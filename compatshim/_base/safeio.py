"""Reading and writing files without following links, blocking, or writing through others' files.

Everything compatshim reads from disk may have been planted: a FIFO named like a file (opening it
would block forever), ``/dev/zero`` behind a link (reading it never ends), a link where compatshim
keeps its own state (writing through it would change a file elsewhere). So files are read only if
they are regular files, within a size limit where one applies, and written only through a new,
exclusively created file with an unpredictable name in the same folder, renamed into place.
"""

from __future__ import annotations

import errno
import os
import stat


__all__ = [
    "LinkRefused",
    "UnsafePath",
    "create_exclusive",
    "read_regular",
    "write_output",
    "write_replace",
]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# A FIFO opened without O_NONBLOCK blocks until a writer comes; with it, open returns at once and
# fstat shows what it is. Regular files ignore the flag.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_COMMON = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class UnsafePath(OSError):
    """A path compatshim will not use: a link it did not create, or not a regular file."""


class LinkRefused(UnsafePath):
    """An output path that is a symbolic link compatshim did not create: never written through."""


def read_regular(
    path: str, *, limit: int | None = None, follow: bool = True, head: int | None = None
) -> bytes:
    """The content of the regular file ``path``.

    :param limit: the largest size accepted, in bytes.
    :param follow: whether a symbolic link at ``path`` itself is followed.
    :param head: read only this many bytes from the start.
    :raises OSError: if it cannot be read; :class:`UnsafePath` if it is a link (``follow=False``),
        not a regular file, or larger than ``limit``.
    """
    flags = os.O_RDONLY | _NONBLOCK | _COMMON | (0 if follow else _NOFOLLOW)
    if not follow and not _NOFOLLOW and os.path.islink(path):  # Windows: no O_NOFOLLOW
        raise UnsafePath(f"{path} is a symbolic link")
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP:
            raise UnsafePath(f"{path} is a symbolic link") from None
        raise
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"{path} is not a regular file")
        if limit is not None and info.st_size > limit:
            raise UnsafePath(f"{path} is larger than {limit} bytes")
        if head is not None:
            return os.read(descriptor, head)
        chunks = []
        total = 0
        while True:  # a file that grows while it is read stops at the limit too
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if limit is not None and total > limit:
                raise UnsafePath(f"{path} is larger than {limit} bytes")
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def create_exclusive(path: str, mode: int = 0o666) -> int:
    """Create the file ``path`` and open it for writing; never opens an existing file or link.

    :returns: the file descriptor (the caller closes it).
    :raises FileExistsError: if anything, a dangling link included, is already there.
    """
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _COMMON, mode)


def write_replace(path: str, data: bytes, *, mode: int | None = None, suffix: str = ".tmp") -> None:
    """Replace ``path`` with ``data`` atomically: readers see the old content or the new one.

    The data goes to a new file with an unpredictable name (``.<name>.<random><suffix>``),
    created exclusively in the same folder with ``mode`` (by default the mode of the regular
    file it replaces, or the umask's for a new file), then renamed over ``path``. A link at
    ``path`` is replaced, never written through. Every file compatshim rewrites is written so.

    :raises OSError: if it cannot be written; nothing is left behind.
    """
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name}.{os.urandom(8).hex()}{suffix}")
    descriptor = create_exclusive(temporary)
    try:
        try:
            if mode is None:
                mode = _mode_of(path)
            if mode is not None and _FCHMOD:
                os.fchmod(descriptor, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)
        if mode is not None and not _FCHMOD:  # pragma: no cover - Windows
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


_FCHMOD = hasattr(os, "fchmod")


def _mode_of(path: str) -> int | None:
    # The mode of the regular file at ``path`` (None: none there, or a link: the umask's).
    try:
        previous = os.lstat(path)
    except FileNotFoundError:
        return None
    return stat.S_IMODE(previous.st_mode) if stat.S_ISREG(previous.st_mode) else None


# Output paths that name a stream of this process: written to directly.
_STREAMS = {"-": 1, "/dev/stdout": 1, "/dev/stderr": 2}
_FD_FOLDERS = ("/dev/fd/", "/proc/self/fd/")


def _stream(path: str) -> int | None:
    # The file descriptor an output path names (``-``, ``/dev/stdout``, ``/dev/fd/3``), if any.
    if path in _STREAMS:
        return _STREAMS[path]
    for folder in _FD_FOLDERS:
        if path.startswith(folder) and path[len(folder) :].isdigit():
            return int(path[len(folder) :])
    return None


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def write_output(path: str, data: bytes) -> None:
    """Write a command's output to ``path``, whole or not at all where that can be promised.

    ``-``, ``/dev/stdout``, ``/dev/stderr`` and ``/dev/fd/N`` are this process's own streams,
    written to directly (a rename over the file a shell redirected them to would hide the
    output). A FIFO, a device or a socket is written to directly; a FIFO nobody reads is an
    error (``ENXIO``), not a hang. A symbolic link is refused (:class:`LinkRefused`). Anything
    else is a regular file, new or replaced atomically (:func:`write_replace`), keeping its
    mode.

    :raises OSError: if it cannot be written.
    """
    descriptor = _stream(path)
    if descriptor is not None:
        import sys

        for stream in (sys.stdout, sys.stderr):  # what they hold goes first
            if stream is not None:
                stream.flush()
        _write_all(descriptor, data)
        return
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        write_replace(path, data, suffix=".compatshim-tmp")
        return
    if stat.S_ISLNK(info.st_mode):
        raise LinkRefused(errno.ELOOP, "a symbolic link, which compatshim never writes through")
    if stat.S_ISREG(info.st_mode):
        write_replace(path, data, suffix=".compatshim-tmp")
        return
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "a folder")
    flags = os.O_WRONLY | _NOFOLLOW | _NONBLOCK | _COMMON
    descriptor = os.open(path, flags)  # a FIFO without a reader: ENXIO at once
    try:
        if _NONBLOCK:
            os.set_blocking(descriptor, True)
        _write_all(descriptor, data)
    finally:
        os.close(descriptor)
