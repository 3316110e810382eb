"""The files ``compatshim stubs`` owns: how they are marked, found, and written safely.

Two kinds: a whole ``.pyi`` file whose first line is :data:`HEADER`, and a block at the end of a
real module between :data:`BEGIN` and :data:`END` (the markers are defined where ``scan`` reads
them, in ``_static.files``). Nothing else is ever written or deleted: a
``.pyi`` without the header is the user's, and a path through a symbolic link is refused.
Writes go to a temporary file with an unpredictable name in the target's folder, keep the
target's mode, and are renamed into place.
"""

from __future__ import annotations

import os

from .._base.errors import CompatshimError
from .._base.paths import shown
from .._base.safeio import write_replace
from .._static.files import find_block


__all__ = ["Writer", "splice_block"]


def splice_block(text: str, block: str | None) -> str:
    """``text`` with its generated block replaced by ``block`` (added at the end when it has
    none, removed with the blank lines that were added before it when ``block`` is ``None``).

    :raises CompatshimError: as :func:`find_block`.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    if block is not None:
        block = block.replace("\n", newline)
    span = find_block(text)
    if span is None:
        if block is None:
            return text
        if text and not text.endswith(("\n", "\r")):
            text += newline
        return text + (newline * 2 if text else "") + block
    start, end = span
    if block is not None:
        return text[:start] + block + text[end:]
    head = text[:start]
    for _ in range(2):  # the blank lines added with the block
        if head.endswith(newline * 2):
            head = head[: -len(newline)]
    return head + text[end:]


# -- safe writes -----------------------------------------------------------------------------


class Writer:
    """Writes and deletes generated files below ``root``, never through a symbolic link.

    Folders found safe are remembered for the run: a thousand stubs in a few folders cost a
    few checks, not a thousand.
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self._safe: set[str] = {root}

    def check(self, path: str) -> None:
        """Refuse a path outside the root or through a symbolic link below it.

        :raises CompatshimError: ``stubs-outside-project`` or ``stubs-symlink``.
        """
        relative = os.path.relpath(path, self.root)
        if relative.startswith(os.pardir) or os.path.isabs(relative):
            raise CompatshimError(
                f"{shown(path)} is outside the project ({self.root})",
                slug="stubs-outside-project",
            )
        import stat

        current = self.root
        for part in relative.split(os.sep):
            current = os.path.join(current, part)
            if current in self._safe:
                continue
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                return  # nothing exists below: no link either
            if stat.S_ISLNK(mode):
                raise CompatshimError(
                    f"{shown(current)} is a symbolic link; compatshim never writes through one",
                    slug="stubs-symlink",
                )
            if stat.S_ISDIR(mode):
                self._safe.add(current)

    def write(self, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` atomically, creating its folders, keeping its mode.

        :raises CompatshimError: for a symbolic link on the way, or when the write fails.
        """
        folder = os.path.dirname(path)
        self.check(folder)
        try:
            if folder not in self._safe:
                os.makedirs(folder, exist_ok=True)
                self.check(folder)  # a folder someone else created meanwhile is checked too
            if os.path.islink(path):
                self.check(path)  # raises: never through a link
            write_replace(path, data)  # a new file gets the umask's mode, as any of the user's
        except OSError as exc:
            raise CompatshimError(
                f"cannot write {shown(path)}: {exc.strerror or exc}", slug="stubs-write"
            ) from None

    def remove(self, path: str) -> None:
        """Delete a generated file, then each folder up to the root that it leaves empty.

        :raises CompatshimError: as :meth:`write`.
        """
        self.check(path)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise CompatshimError(
                f"cannot delete {shown(path)}: {exc.strerror or exc}", slug="stubs-write"
            ) from None
        folder = os.path.dirname(path)
        while folder != self.root and folder.startswith(self.root + os.sep):
            try:
                os.rmdir(folder)  # only when empty: a folder with anything else in it stays
            except OSError:
                break
            self._safe.discard(folder)
            folder = os.path.dirname(folder)
