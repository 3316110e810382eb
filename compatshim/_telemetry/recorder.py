"""Adoption telemetry: which code uses which legacy path, and how often, recorded locally.

Each use of a legacy path is a *hit* at a *site* (file, line, importing module), counted per
alias, legacy path used, site and context (a pytest node id, say). Counting is an in-memory
increment (``next()`` of an ``itertools.count``, atomic under the GIL); I/O happens off the hot
path: when new sites appear (at most every :data:`FLUSH_INTERVAL` seconds), every
:data:`PERIODIC_INTERVAL` seconds from a background thread while counts change, at exit, before
``os._exit``, and on :func:`flush`. Each process writes its own data file (see ``_store``).

A hit is one execution of a line that uses the path. A line that touches a legacy path several
times in one execution (``from old.mod import A, B`` loads the module and reads two names;
``import old.pkg.sub`` checks ``old.pkg.sub`` and then ``old``) counts once: only the first
instruction seen on a line counts for an alias, and only the first path seen by an instruction.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from _thread import get_ident

from .._base import cells as _cells
from .._base import diagnostics as _diagnostics
from .._base import resets
from .._base.compat import instruction_offset
from .._base.locks import ForkSafeLock


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator
    from types import FrameType
    from typing import Any
    from typing import NoReturn

    from .._model.alias import Alias
    from .store import DataFile

__all__ = ["DISCARD", "Recorder", "flush", "recorder", "set_context"]

#: Seconds between two flushes triggered by new sites.
FLUSH_INTERVAL = 2.0
#: Seconds between two flushes of the background thread: the most a process killed by a signal
#: can lose (a long-running server whose sites are all known flushes only through it).
PERIODIC_INTERVAL = 10.0
#: A counter whose counts nobody reads: the cell of a use that does not count as a hit.
DISCARD = itertools.count()


def _value(counter: itertools.count[int]) -> int:
    # itertools.count has no accessor; its repr is "count(<next value>)" on every Python.
    return int(repr(counter)[6:-1])


class _Record:
    __slots__ = ("alias", "counter", "first_seen", "flushed", "key", "last_seen")

    def __init__(self, alias: Alias, key: tuple[Any, ...], now: float) -> None:
        self.alias = alias
        self.key = key  # (alias legacy, path, file, line, module, context)
        self.counter = itertools.count()
        self.first_seen = now
        self.last_seen = now
        self.flushed = -1  # the count last written (-1: never written)


class Recorder:
    """Counts hits in memory and writes them to this process's data file."""

    def __init__(self) -> None:
        self._lock = ForkSafeLock(reentrant=True)
        self._write_lock = ForkSafeLock(reentrant=True)
        self.enabled = False
        self.data_file = ""
        self.root = ""
        self.context = ""
        self._records: dict[tuple[Any, ...], _Record] = {}
        self._files: dict[str, str] = {}  # code filename -> the name stored (see _relative)
        # (alias, id(code), line) -> the instruction that counts for that line;
        # (id(code), instruction) -> the path that counts for that instruction.
        self._lines: dict[object, object] = _cells.register({})
        self._instructions: dict[object, tuple[str, bool]] = _cells.register({})
        self._file: DataFile | None = None
        self._last_flush = 0.0
        self._failed = False

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self, data_file: str | None, root: str) -> None:
        """Count hits from now on; write them to per-process files next to ``data_file``.

        With no ``data_file`` (telemetry off) hits are only counted in memory, for the pytest
        summary: nothing is written.
        """
        with self._lock:
            if (data_file or "", root) != (self.data_file, self.root):
                self._forget()  # another project: another data file, counts from zero
            self.enabled = True
            self.data_file = data_file or ""
            self.root = root
            self._failed = False
        if data_file:
            _hook_process_exit()

    def stop(self) -> None:
        """Write what is pending, then stop recording (uninstall).

        The counts and the data file are kept: installing again in this process (for the same
        project) goes on counting into the same run, in the same file.
        """
        _stop_flusher()
        self.flush(final=True)
        with self._lock:
            self.enabled = False
            self._lines.clear()
            self._instructions.clear()
        _unhook_process_exit()

    def _forget(self) -> None:
        self._records = {}
        self._files = {}
        self._lines.clear()
        self._instructions.clear()
        if self._file is not None:
            self._file.close()
        self._file = None

    def after_fork_in_child(self) -> None:
        """The child is a new run: it never writes the counts it inherited."""
        with self._lock:
            self._records = {}
            self._lines.clear()
            self._instructions.clear()
            if self._file is not None:
                self._file.abandon()  # the parent's connection must not be used or closed here
            self._file = None
        _cells.clear()

    # -- counting -----------------------------------------------------------------------------

    def cell(
        self, alias: Alias, path: str, site: FrameType, *, importing: bool = False
    ) -> itertools.count[int]:
        """The counter that a use of ``path`` at ``site`` increments (:data:`DISCARD` if the
        use does not count, or telemetry is off). ``importing``: the use is an import."""
        if not self.enabled:
            return DISCARD
        code = site.f_code
        line = site.f_lineno or 0
        instruction = (id(code), instruction_offset(code, site.f_lasti))
        with self._lock:
            line_key = (alias.legacy, id(code), line)
            first = self._lines.get(line_key)
            if first is None:
                first = self._lines[line_key] = instruction
                _cells.track(code, self._lines, line_key)
            if first != instruction:
                return DISCARD
            seen = self._instructions.get(instruction)
            if seen is None:
                seen = self._instructions[instruction] = (path, importing)
                _cells.track(code, self._instructions, instruction)
            # One instruction, one hit: the first path it touched (``import a.b`` then checks
            # ``a``), and an import is not counted again by the name read that follows it in
            # the same call (``pickle.loads`` imports the module, then reads the class).
            first_path, first_was_import = seen
            if first_path != path or (first_was_import and not importing):
                return DISCARD
            module = site.f_globals.get("__name__")
            module = module if isinstance(module, str) else ""
            key = (alias.legacy, path, self._relative(code.co_filename), line, module, self.context)
            record = self._records.get(key)
            new = record is None
            if record is None:
                record = self._records[key] = _Record(alias, key, time.time())
        if self.data_file:
            if new and _pool_checked_in != os.getpid():
                _check_pool_worker()
            _start_flusher()  # also after a fork stopped it
            if new and time.monotonic() - self._last_flush >= FLUSH_INTERVAL:
                self.flush()
        return record.counter

    def _relative(self, filename: str) -> str:
        # Cached: one string per file, shared by all the records of its sites.
        relative = self._files.get(filename)
        if relative is None:
            root = self.root
            relative = filename
            if root and filename.startswith(root + os.sep):
                relative = filename[len(root) + 1 :]
            self._files[filename] = relative
        return relative

    # -- writing ------------------------------------------------------------------------------

    def _pending(self) -> Iterator[tuple[_Record, int, tuple[Any, ...]]]:
        # Every record whose count changed, with the row to write; the caller marks it flushed
        # once the write succeeded.
        now = time.time()
        for record in list(self._records.values()):
            count = _value(record.counter)
            if count != record.flushed:
                if record.flushed >= 0:
                    record.last_seen = now
                alias = record.alias
                _, path, file, line, module, context = record.key
                yield (
                    record,
                    count,
                    (
                        (
                            alias.legacy,
                            alias.canonical,
                            alias.since,
                            alias.removed_in,
                            alias.remove_after.isoformat() if alias.remove_after else None,
                        ),
                        path,
                        (file, line, module),
                        context,
                        count,
                        record.first_seen,
                        record.last_seen,
                    ),
                )

    def flush(self, *, final: bool = False) -> None:
        """Write every count that changed since the last flush. Never raises."""
        # Rows are collected under the recorder's lock, written under the writer's lock only:
        # counting in other threads never waits for the disk.
        with self._write_lock:
            with self._lock:
                if not self.enabled or self._failed or not self.data_file:
                    return
                self._last_flush = time.monotonic()
                pending = list(self._pending())
            try:
                if pending:
                    self._data_file().write([row for _, _, row in pending])
                for record, count, _ in pending:
                    record.flushed = count
                if final and self._file is not None:
                    self._file.end(time.time())
                    self._file.close()  # reopened if hits still come (from other exit hooks)
            except Exception as exc:  # noqa: BLE001 - never break the program for telemetry
                if _transient(exc) and not final:
                    return  # a report is combining right now: these counts go out next time
                with self._lock:
                    self._failed = True
                reason = str(exc).removeprefix(f"{self._file_path()}: ")
                _diagnostics.report_once(
                    getattr(exc, "slug", "telemetry-write"),
                    f"cannot write telemetry to {self._file_path()}: {reason}; recording stops "
                    "for this process, the program goes on",
                )

    @property
    def own_file(self) -> str:
        """The data file this process writes (``""`` before its first write)."""
        return self._file.path if self._file is not None else ""

    def _file_path(self) -> str:
        return self._file.path if self._file is not None else self.data_file

    def _data_file(self) -> DataFile:
        if self._file is None:
            import json
            import socket
            import uuid

            from .._base.version import __version__
            from .._model import cache as _cache
            from .store import DataFile

            host = socket.gethostname()
            suffix = f"{host}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
            _cache.ensure_folder(os.path.dirname(self.data_file), self.root)
            run = {
                "uuid": uuid.uuid4().hex,
                "host": host,
                "pid": os.getpid(),
                "started": _started,
                "argv": json.dumps(sys.argv),
                "python": sys.version.split()[0],
                "compatshim": __version__,
                "root": self.root,
            }
            self._file = DataFile(f"{self.data_file}.{suffix}", run)
        return self._file

    def summary(self) -> list[tuple[str, str, str, int]]:
        """This process's hits so far, per alias and site: ``(legacy, canonical, "file:line",
        hits)``, every context together."""
        totals: dict[tuple[str, str, str], int] = {}
        with self._lock:
            records = list(self._records.values())
        for record in records:
            hits = _value(record.counter)
            if hits:
                _, _, file, line, _, _ = record.key
                key = (record.alias.legacy, record.alias.canonical, f"{file}:{line}")
                totals[key] = totals.get(key, 0) + hits
        return [(*key, hits) for key, hits in sorted(totals.items())]

    def set_context(self, context: str) -> None:
        """Attribute the hits from now on to ``context`` (``""`` for none)."""
        with self._lock:
            if context == self.context:
                return
            self.context = context
            self._lines.clear()
            self._instructions.clear()
        _cells.clear()


def _transient(exc: Exception) -> bool:
    # "database is locked": someone else holds the file for a moment; try again later.
    return "locked" in str(exc) or "busy" in str(exc)


_started = time.time()
recorder = Recorder()
# Uninstalling writes what is pending and stops recording (the counts are kept: see stop()).
resets.on_uninstall(recorder.stop)
_real_exit = os._exit
_hooked = False


def _exit_flushing(status: int) -> NoReturn:
    """``os._exit`` that first writes this process's counts.

    multiprocessing children, forked workers and many servers end through ``os._exit``, which
    skips ``atexit``.
    """
    try:
        recorder.flush(final=True)
    finally:
        _real_exit(status)


def _at_exit() -> None:
    global _shutting_down
    _shutting_down = True  # no new flusher: threads cannot start during interpreter shutdown
    _stop_flusher()
    recorder.flush(final=True)


# The background flusher: the pid of the process it runs in (a forked child has none until it
# records a site of its own), its thread, and the event that stops it; all changed under
# _flusher_lock, which the flusher itself never takes.
_flusher_lock = ForkSafeLock()
_flusher_pid = 0
_flusher: Any = None
_flusher_stop: Any = None
_shutting_down = False


def _start_flusher() -> None:
    global _flusher_pid, _flusher, _flusher_stop
    if _flusher_pid == os.getpid() or _shutting_down:
        return
    try:
        import threading

        with _flusher_lock:
            if _flusher_pid == os.getpid() or _shutting_down:
                return
            stop = threading.Event()
            thread = threading.Thread(
                target=_flush_periodically, args=(stop,), name="compatshim-telemetry", daemon=True
            )
            thread.start()
            _flusher_pid, _flusher, _flusher_stop = os.getpid(), thread, stop
    except Exception as exc:  # noqa: BLE001 - no thread (a restricted runtime): flush at exit
        _diagnostics.report_once("telemetry-write", f"no periodic telemetry flush: {exc!r}")


#: Called first in each thread compatshim starts (set in pool workers: see _poolworker).
thread_started: Callable[[], object] | None = None


def _flush_periodically(stop: Any) -> None:
    if thread_started is not None:
        thread_started()
    while not stop.wait(PERIODIC_INTERVAL):
        if _pool_checked_in != os.getpid():  # a spawned child's first uses were imports
            _check_pool_worker()
        recorder.flush()  # never raises


def _stop_flusher(*, join: bool = False) -> None:
    """Stop this process's flusher (and wait for it to end if ``join``)."""
    global _flusher_pid
    with _flusher_lock:
        if _flusher_pid == os.getpid() and _flusher_stop is not None:
            _flusher_stop.set()
            if join and _flusher is not None:
                _flusher.join(timeout=5.0)
        _flusher_pid = 0


def _before_fork() -> None:
    # A process with a second thread must not fork (Python 3.12+ warns that it may deadlock):
    # the flusher ends before every fork. It starts again at the parent's next new site or
    # legacy import (not right after the fork: 3.13 counts threads after the parent's fork
    # hooks ran). And no thread may be inside SQLite when the process forks: the child would
    # inherit SQLite's own locks held, and hang at its first write. Writes happen under the
    # write lock, so the fork waits for a write in progress; the child gets the lock back free.
    _stop_flusher(join=True)
    if "compatshim._telemetry.poolworker" in sys.modules:
        sys.modules["compatshim._telemetry.poolworker"].before_fork()
    recorder._write_lock.acquire()


def _after_fork_in_parent() -> None:
    recorder._write_lock.release()


def _after_fork_in_child() -> None:
    global _started, thread_started
    _started = time.time()
    recorder.after_fork_in_child()
    if "compatshim._telemetry.poolworker" in sys.modules:
        thread_started = None
        sys.modules["compatshim._telemetry.poolworker"].in_forked_child()


_pool_checked_in = 0  # the pid whose multiprocessing role is known (see _check_pool_worker)


def _check_pool_worker() -> None:
    # Is this process a multiprocessing pool worker? Then a terminating pool must get its
    # counts (see _poolworker). Known once per process: a spawned child is not one yet while
    # it imports the main module.
    global _pool_checked_in
    processes = sys.modules.get("multiprocessing.process")
    process = processes.current_process() if processes is not None else None
    if getattr(process, "_inheriting", False):
        return
    _pool_checked_in = os.getpid()
    pool = sys.modules.get("multiprocessing.pool")
    if pool is None or getattr(process, "_target", None) is not pool.worker:
        return
    from . import poolworker as _poolworker

    _poolworker.watch(process)
    if thread_started is not None and _flusher_pid == os.getpid():
        if get_ident() == _flusher.ident:
            thread_started()  # called from the flusher itself
        else:
            _stop_flusher(join=True)  # it starts again, blocking SIGTERM
            _start_flusher()


def _hook_process_exit() -> None:
    global _hooked
    if _hooked:
        return
    _hooked = True
    import atexit

    atexit.register(_at_exit)
    os._exit = _exit_flushing
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=_before_fork,
            after_in_parent=_after_fork_in_parent,
            after_in_child=_after_fork_in_child,
        )


def _unhook_process_exit() -> None:
    global _hooked
    if not _hooked:
        return
    _hooked = False
    import atexit

    atexit.unregister(_at_exit)
    if os._exit is _exit_flushing:
        os._exit = _real_exit


def flush() -> None:
    """Write the telemetry counted so far in this process (a server may call it periodically)."""
    recorder.flush()


def set_context(context: str) -> None:
    """Attribute the hits from now on to ``context`` (a pytest node id, a request route...)."""
    recorder.set_context(context)
