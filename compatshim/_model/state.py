"""compatshim's state folder beside ``pyproject.toml``, and where its data files may go.

``.compatshim/`` holds the configuration cache and the telemetry data files, with a
``.gitignore`` that ignores all of it. :func:`ensure_folder` never follows a link it did not
create: a link where a folder or the ``.gitignore`` should be is refused (reported once, as
``link-refused``) and nothing is written there; caching and telemetry are skipped, the program
goes on. Only a folder named ``.compatshim`` ever gets a ``.gitignore``.

``data_file`` is checked when the configuration is read: inside the project folder unless it is
an absolute path (the user's explicit choice), not the project folder or any other folder, and
not an existing file that is not a data file.
"""

from __future__ import annotations

import errno
import os
import stat

from .._base import diagnostics as _diagnostics
from .._base.safeio import UnsafePath
from .._base.safeio import create_exclusive
from .._base.safeio import read_regular


__all__ = ["FOLDER", "data_file_problem", "ensure_folder", "linked_folder"]

#: The folder (beside pyproject.toml) that holds compatshim's local state.
FOLDER = ".compatshim"
_IGNORE = b"# Created by compatshim: local state, never committed.\n*\n"
# The first bytes of every SQLite database, which compatshim's data files are.
_SQLITE = b"SQLite format 3\x00"


def ensure_folder(folder: str, root: str | None = None) -> None:
    """Make ``folder`` exist as a real folder, without following a link compatshim did not create.

    Below ``root`` (the project folder) every folder on the way is checked, and created one at a
    time; elsewhere (an absolute path the user configured) missing folders are created as they
    are. A folder named ``.compatshim`` is never a link, and gets a ``.gitignore``, created
    exclusively; no other folder ever gets one.

    :raises UnsafePath: for a link where a folder or the ``.gitignore`` should be (reported once).
    :raises OSError: if a folder cannot be created or a file is in the way.
    """
    for step in _steps(folder, root):
        _real_folder(step)
    if os.path.basename(folder) == FOLDER:
        _ensure_gitignore(folder)


def linked_folder(folder: str, root: str | None) -> str | None:
    """The first folder on the way to ``folder`` that :func:`ensure_folder` would refuse as a
    link compatshim did not create, or ``None``; creates nothing (for commands that only read
    and combine)."""
    if root:
        try:
            parts = os.path.relpath(folder, root).split(os.sep)
        except ValueError:  # another drive
            parts = [os.pardir]
        if parts[0] != os.pardir:
            steps = [os.path.join(root, *parts[: i + 1]) for i in range(len(parts))]
            return next(
                (step for step in steps if parts != [os.curdir] and os.path.islink(step)), None
            )
    return folder if os.path.basename(folder) == FOLDER and os.path.islink(folder) else None


def _steps(folder: str, root: str | None) -> list[str]:
    # The folders to check (and create) one by one, from the top down.
    if root:
        try:
            parts = os.path.relpath(folder, root).split(os.sep)
        except ValueError:  # another drive
            parts = [os.pardir]
        if parts == [os.curdir]:
            return []
        if parts[0] != os.pardir:
            return [os.path.join(root, *parts[: i + 1]) for i in range(len(parts))]
    ours = os.path.basename(folder) == FOLDER
    parent = os.path.dirname(folder) if ours else folder
    if parent:
        os.makedirs(parent, exist_ok=True)
    return [folder] if ours else []


def _real_folder(path: str) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        try:
            os.mkdir(path)
            return
        except FileExistsError:  # another process was quicker: look at what it made
            info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise _refuse(path)
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)


def _ensure_gitignore(folder: str) -> None:
    path = os.path.join(folder, ".gitignore")
    try:
        descriptor = create_exclusive(path)
    except FileExistsError:
        if os.path.islink(path):  # dangling or not: never write through it
            raise _refuse(path) from None
        return
    try:
        os.write(descriptor, _IGNORE)
    finally:
        os.close(descriptor)


def _refuse(path: str) -> UnsafePath:
    _diagnostics.report_once(
        "link-refused",
        f"{path} is a symbolic link that compatshim did not create; it writes nothing through "
        "it (no configuration cache, no telemetry there) and the program goes on. Remove the "
        "link to let compatshim create its own.",
        key=path,
    )
    return UnsafePath(f"{path} is a symbolic link that compatshim did not create")


def data_file_problem(value: str, root: str, config_path: str | None) -> str | None:
    """Why ``value`` cannot be the telemetry data file, or ``None``."""
    if os.path.isabs(value):
        path = os.path.normpath(value)  # the user's explicit choice, wherever it is
    else:
        path = os.path.normpath(os.path.join(root, value))
        inside = os.path.relpath(path, root).split(os.sep)[0]
        if inside in (os.curdir, os.pardir):
            return (
                f"{value!r} is not a file inside the project folder {root}; "
                "write an absolute path to keep telemetry elsewhere"
            )
    if value.endswith(("/", os.sep)):
        return f"{value!r} names a folder, not a file"
    ours = os.path.basename(os.path.dirname(path)) == FOLDER
    name = os.path.basename(path)
    if name == ".gitignore" or path == config_path or (ours and name == "config.cache"):
        return f"{value!r} is not a data file"
    try:
        info = os.lstat(path)
    except OSError:
        return None  # not there yet (or unreachable: then writing it fails, reported once)
    if stat.S_ISDIR(info.st_mode):
        return f"{value!r} is a folder"
    if stat.S_ISLNK(info.st_mode):
        return None  # never followed: refused when telemetry would write it
    if not stat.S_ISREG(info.st_mode):
        return f"{value!r} is not a regular file"
    if info.st_size and not ours:
        # A damaged data file in compatshim's own folder is its own: report skips it. Elsewhere
        # a file that is no data file is the project's, and writing would destroy it.
        try:
            head = read_regular(path, head=len(_SQLITE))
        except OSError:
            return None
        if head != _SQLITE:
            return f"{value!r} is an existing file that is not a compatshim data file"
    return None
