"""A source file's text as ``scan`` and ``migrate`` read and write it.

Files are read as bytes and decoded the way Python does (PEP 263 cookie, UTF-8 BOM), and written
back in the same encoding with the same newlines, so a rewrite changes only what it means to.
``ast`` reports columns in UTF-8 bytes; :class:`Source` turns them into character offsets.

Only regular files are read (a FIFO named ``x.py`` would block, ``/dev/zero`` never end), and a
file is replaced only through a temporary file of our own, never through a link.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import io
import os
import re
import stat
import tokenize
from itertools import accumulate
from itertools import count
from operator import add

from .._base.safeio import write_replace


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = [
    "FileChangedError",
    "NotRegularFile",
    "Source",
    "decode",
    "failure",
    "identity",
    "parse",
    "read",
    "reason",
    "replace",
]

# The line breaks of Python source; other characters str.splitlines() knows (form feed,
# U+2028) are not line breaks to the parser.
_NEWLINE = re.compile(r"\r\n|\r|\n")


class NotRegularFile(OSError):
    """A path that is not a regular file (a FIFO, a device, a socket, a folder)."""


class FileChangedError(OSError):
    """The file to replace is no longer the one that was read, or has other hard links."""


class UnknownEncoding(ValueError):
    """The coding cookie names an encoding Python does not know."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)
# Opening never blocks (a FIFO swapped in after the check) nor takes a terminal.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _regular(info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        raise NotRegularFile(f"{kind}, not a regular file")


def read(path: str) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file (through a symbolic link too), and its status.

    :raises NotRegularFile: for anything else, which is never opened for long or read.
    :raises OSError: when it cannot be read.
    """
    _regular(os.stat(path))  # a device is not even opened
    descriptor = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(descriptor)
        _regular(info)  # swapped for something else since
        chunks = [os.read(descriptor, info.st_size + 1)]
        while chunks[-1]:
            chunks.append(os.read(descriptor, 1 << 20))
    finally:
        os.close(descriptor)
    return b"".join(chunks) if len(chunks) > 2 else chunks[0], info


def identity(info: os.stat_result) -> tuple[int, int, int, int]:
    """What tells one version of a file from another: device, inode, size, modification time."""
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def replace(path: str, data: bytes, expected: tuple[int, int, int, int]) -> None:
    """Replace the regular file ``path`` with ``data``, atomically, keeping its mode.

    The data goes to a temporary file of unpredictable name, created exclusively (never through
    a link) in the same folder, then renamed over ``path``: a crash or a kill leaves the old
    file or the new one. ``path`` must still be the very file that was read (``expected``, from
    :func:`identity`), a regular file with no other hard link.

    :raises NotRegularFile: if ``path`` is now a link or not a regular file.
    :raises FileChangedError: if it changed since it was read or has other hard links.
    :raises OSError: if it cannot be written.
    """
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise NotRegularFile("now a symbolic link")
    _regular(info)
    if identity(info) != expected:
        raise FileChangedError("changed since it was read")
    if info.st_nlink > 1:
        raise FileChangedError(f"has {info.st_nlink} hard links")
    if _read_only(path, info):  # renaming over it needs only the folder's permission
        raise PermissionError(errno.EACCES, "the file is read-only")
    # A link put there meanwhile is replaced, not followed. Ctrl-C and SIGTERM wait until the
    # temporary file is renamed into place or removed: never one left behind.
    with _signals_held():
        write_replace(path, data, mode=stat.S_IMODE(info.st_mode), suffix=".compatshim-tmp")


def _read_only(path: str, info: os.stat_result) -> bool:
    # Whether the user may not write the file itself (root may write anything: its owner's
    # write permission says whether the file is meant to change).
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return not info.st_mode & stat.S_IWUSR
    return not os.access(path, os.W_OK)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    # SIGINT and SIGTERM that come while the block runs are held, and delivered to the handlers
    # they would have gone to once it is over. Handlers are swapped rather than the signals
    # blocked: a signal the process already took, whose Python handler has not run yet, runs
    # the handler in place when it does (only the main thread handles signals; elsewhere this
    # holds nothing, and nothing is delivered there).
    import signal

    caught: list[int] = []

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)

    previous: dict[int, Any] = {}
    try:
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, hold)
        except ValueError:  # not the main thread
            pass
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        for number in dict.fromkeys(caught):
            handler = previous[number]
            if callable(handler):
                handler(number, None)  # Ctrl-C's KeyboardInterrupt, the command's SIGTERM
            elif handler == signal.SIG_DFL:
                signal.raise_signal(number)


def decode(raw: bytes) -> tuple[str, str, bool]:
    """Decode a source file: ``(text, encoding, had_bom)``.

    :raises UnknownEncoding: for an unknown encoding cookie.
    :raises UnicodeDecodeError: for bytes that are not in the file's encoding.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:  # the cookie is on line 1 or 2
        line = 1 if b"coding" in raw.partition(b"\n")[0] else 2
        raise UnknownEncoding(str(exc.msg), line) from None
    bom = raw.startswith(b"\xef\xbb\xbf")
    if bom:
        raw = raw[3:]
        encoding = "utf-8"
    return raw.decode(encoding), encoding, bom


def reason(text: str, *, slug: str) -> str:
    """A one-line reason with its slug at the end, as diagnostics end."""
    return f"{text} [{slug}]"


def _line_of(raw: bytes, position: int) -> int:
    return raw.count(b"\n", 0, position) + 1


def failure(exc: BaseException, raw: bytes | None = None) -> str:
    """Why a source file could not be read, decoded or parsed: one line, ending with its slug.

    ``raw`` (the file's bytes, when read) gives the line of a byte that does not decode.
    """
    if isinstance(exc, NotRegularFile):
        return reason(f"{exc}: only regular files are read", slug="source-not-regular")
    if isinstance(exc, OSError):
        return reason(f"cannot read it: {exc.strerror or exc}", slug="source-unreadable")
    if isinstance(exc, UnknownEncoding):
        return reason(f"cannot decode it: {exc} (line {exc.line})", slug="source-encoding")
    if isinstance(exc, UnicodeDecodeError):
        where = ""
        if raw is not None:
            offset = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
            where = f" (line {_line_of(raw, exc.start + offset)})"
        byte = exc.object[exc.start : exc.start + 1].hex()
        text = f"cannot decode it as {exc.encoding}: byte 0x{byte}, {exc.reason}{where}"
        return reason(text, slug="source-encoding")
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return reason(f"not valid Python: {exc.msg}{where}", slug="source-syntax")
    raise TypeError(f"not a failure to read source: {exc!r}")


def encode(text: str, encoding: str, bom: bool) -> bytes:
    """The bytes of ``text`` as :func:`decode` found them."""
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


class Source:
    """The text of one file and conversions between ``ast`` positions and character offsets."""

    __slots__ = ("_lines", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[int] | None = None  # computed when first needed

    @property
    def _starts(self) -> list[int]:
        # The offset where each line starts.
        starts = self._lines
        if starts is None:
            text = self.text
            if "\r" in text:
                starts = [0]
                starts.extend(match.end() for match in _NEWLINE.finditer(text))
            else:
                # The common case, in C: line k starts after the k lines before it and their
                # k newlines.
                lengths = accumulate(map(len, text.split("\n")[:-1]))
                starts = [0, *map(add, lengths, count(1))]
            self._lines = starts
        return starts

    def offset(self, line: int, column: int) -> int:
        """The character offset of ``ast``'s (1-based line, UTF-8 byte column)."""
        starts = self._starts
        start = starts[line - 1]
        if column == 0:
            return start
        end = starts[line] if line < len(starts) else len(self.text)
        segment = self.text[start:end]
        if segment.isascii():
            return start + column
        return start + len(segment.encode("utf-8")[:column].decode("utf-8"))

    def start(self, node: ast.expr | ast.stmt) -> int:
        """The offset where ``node`` starts."""
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.expr | ast.stmt) -> int:
        """The offset where ``node`` ends."""
        line, column = node.end_lineno, node.end_col_offset
        assert line is not None
        assert column is not None
        return self.offset(line, column)

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of an offset; the column counts characters."""
        starts = self._starts
        low, high = 0, len(starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1, offset - starts[low] + 1

    def line_bounds(self, offset: int) -> tuple[int, int]:
        """The offsets of the start of ``offset``'s line and of its end (before the newline)."""
        line, _ = self.position(offset)
        start = self._starts[line - 1]
        end = self._starts[line] if line < len(self._starts) else len(self.text)
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return start, end

    def newline(self) -> str:
        """The file's newline convention (that of its first line break)."""
        match = _NEWLINE.search(self.text)
        return match.group() if match else "\n"


def parse(text: str, mode: str = "exec") -> ast.AST:
    """``ast.parse``, without the warnings the compiler emits about the code (invalid escape
    sequences, ``is`` with a literal...): they concern the scanned code, not the scan, and would
    name no file. A syntax error still raises."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, mode=mode)
    except SyntaxError as exc:
        if exc.lineno is None and "\0" in text:  # 3.11+: null bytes, without a line
            exc.lineno = text.count("\n", 0, text.index("\0")) + 1
        raise
    except ValueError as exc:  # 3.9, 3.10: null bytes
        if "\0" not in text:
            raise
        error = SyntaxError(str(exc))
        error.lineno = text.count("\n", 0, text.index("\0")) + 1
        raise error from None
    except (RecursionError, MemoryError) as exc:
        # CPython's own parser gives up on this code (it cannot compile it either).
        error = SyntaxError(f"too deeply nested for Python's parser ({type(exc).__name__})")
        error.lineno = _most_complex_line(text)
        raise error from None


def _most_complex_line(text: str) -> int | None:
    # Where the statement with the most tokens starts: what made the parser give up, most likely.
    best, best_count, start, count = None, 0, None, 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if start is None:
                start = token.start[0]
            count += 1
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if count > best_count:
                    best, best_count = start, count
                start, count = None, 0
    except (SyntaxError, tokenize.TokenError):
        return best
    return best
