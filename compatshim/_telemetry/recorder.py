"""Adoption telemetry: which code uses which legacy path, and how often, recorded locally.

Each use of a legacy path is a *hit* at a *site* (file, line, importing module), counted per
alias, legacy path used, site and context (a pytest node id, say). Counting is an in-memory
increment, atomic under the GIL: ``next()`` of the record, an ``enumerate`` over one
``itertools.repeat(None, n)`` that all records share, so that one call counts the record's hit
and the process's total (the repeat counts down), and a flush finds that nothing changed by
reading the total alone. (The repeat yields ``None``: a record keeps no int for the total.) I/O
happens off the hot path: when new sites appear (at most every :data:`FLUSH_INTERVAL` seconds), every
:data:`~compatshim._telemetry.flushing.PERIODIC_INTERVAL` seconds from a background thread while
counts change, at exit, before ``os._exit``, and on :func:`flush` (``flushing`` watches the
process for those moments). Each process writes its own data file (``store``, ``writer``).

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

from .._base import cells as _cells
from .._base import diagnostics as _diagnostics
from .._base import resets
from .._base.compat import LASTI_IN_CACHE
from .._base.compat import instruction_offset
from .._base.locks import ForkSafeLock


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import CodeType
    from types import FrameType
    from typing import Any

    from .._base.cells import CodeEntry
    from .._model.alias import Alias
    from .writer import DataFile

__all__ = ["DISCARD", "FLUSH_INTERVAL", "Recorder", "flush", "recorder", "set_context"]

_getpid = os.getpid
_monotonic = time.monotonic

#: Seconds between two flushes triggered by new sites.
FLUSH_INTERVAL = 2.0
#: A counter whose counts nobody reads: the cell of a use that does not count as a hit.
DISCARD = itertools.count()


#: How many times the shared repeat can be counted down (no program gets there).
_ENDLESS = sys.maxsize


def _total(hits: itertools.repeat[None]) -> int:
    # Every hit so far: how far the shared repeat was counted down.
    return _ENDLESS - hits.__length_hint__()


def _value(counter: enumerate[None]) -> int:
    # A record's hits: the index of its enumerate (how many times next() was called).
    state: Any = counter.__reduce__()[1]
    return int(state[1])


def _stored(alias: Alias) -> tuple[str, str, str | None, str | None, str | None]:
    # The alias as the data file stores it (store.Hit).
    after = alias.remove_after
    return (
        alias.legacy,
        alias.canonical,
        alias.since,
        alias.removed_in,
        after.isoformat() if after else None,
    )


class _Record(enumerate):  # type: ignore[type-arg]
    # One site's hits in one context, and the counter of those hits: next() of this enumerate
    # (over the recorder's one shared repeat) counts a hit (see the module docstring). Made
    # by Recorder.cell, which sets every field. What it is about (alias, path, file, line...)
    # is its place among the records (_Group): a record is reached through its group.
    __slots__ = ("first_seen", "flushed", "last_seen")

    first_seen: float
    last_seen: float
    flushed: int  # the count last written (-1: never written)


class _Group:
    # The records of one alias, path, file, module and context, by line (made by Recorder.cell).
    __slots__ = ("alias", "key", "lines")

    alias: Alias
    key: tuple[str, str, str, str, str]  # (alias legacy, path, file, module, context)
    lines: dict[int, _Record]


_new = object.__new__


def _counts(ref: CodeEntry, mark: tuple[str, int, str | tuple[str, bool], int]) -> bool:
    # Whether a use counts, in a code object that had a site before. ``mark`` is the use, as
    # (alias legacy, instruction offset, what it used: its path, or (path, True) for an import,
    # line). A line counts one hit per execution: only the first instruction seen on a line
    # counts for an alias, and only the first path seen by an instruction (see the module
    # docstring). What decides is kept in the code object's entry (``ref.lines``): the marks of
    # first uses, one for the code object's first site, then a dict by line of a mark, or of a
    # list of them (a line whose instructions use several aliases). An instruction's first mark
    # says its first path.
    legacy, offset, used, line = mark
    marks = ref.lines
    is_dict = marks.__class__ is dict
    found = marks.get(line) if is_dict else (marks if marks[3] == line else None)
    if found is None:  # a new line: its first use counts
        if is_dict:
            marks[line] = mark
        else:
            ref.lines = {marks[3]: marks, line: mark}
        return True
    first = None
    seen: object = None  # the instruction's first path, as ``used`` says it
    for one in (found,) if found.__class__ is tuple else found:
        if first is None and one[0] == legacy:
            first = one
        if seen is None and one[1] == offset:
            seen = one[2]
    if first is None:  # the first use of this alias on this line
        listed = [found, mark] if found.__class__ is tuple else [*found, mark]
        if is_dict:
            marks[line] = listed
        else:
            ref.lines = {line: listed}
        if seen is None:
            return True
    elif first[1] != offset:
        return False  # not the first instruction of this line to use the alias
    if seen is None:  # (cannot be: ``first`` is a mark of this instruction)
        return True
    # One instruction, one hit: the first path an import touched (``import a.b`` then checks
    # ``a``), and an import is not counted again by the name read that follows it in the same
    # call (``pickle.loads`` imports the module, then reads the class): after an import, only
    # that import counts. A read touches one path per execution: another path read by the same
    # instruction (``m.X`` with ``m`` each of two legacy modules) is another use, counted;
    # after a read, an import counts only if of that path.
    if seen.__class__ is str:
        return used.__class__ is str or used[0] == seen
    return used == seen


def _records(groups: dict[Any, _Group]) -> list[tuple[_Group, int, _Record]]:
    # Every record, with its group and line (under the recorder's lock).
    return [
        (group, line, record) for group in groups.values() for line, record in group.lines.items()
    ]


class Recorder:
    """Counts hits in memory and writes them to this process's data file."""

    def __init__(self) -> None:
        self._lock = ForkSafeLock(reentrant=True)
        self._write_lock = ForkSafeLock(reentrant=True)
        self.enabled = False
        self.data_file = ""
        self.root = ""
        self.context = ""
        # (alias legacy, path, file, module, context) -> the records of those, by line: the
        # records of one file share their key, and a line costs one entry.
        self._groups: dict[tuple[str, str, str, str, str], _Group] = {}
        # Every hit of every record, and its value when the last flush succeeded: unchanged,
        # with no record added since (_added), a flush has nothing to write.
        self._hits = itertools.repeat(None, _ENDLESS)
        self._flushed_hits = -1
        self._added = False
        self._files: dict[str, str] = {}  # code filename -> the name stored (see _relative)
        self._file: DataFile | None = None
        self._stamp = 0.0  # the first-seen time of the latest new site (see cell())
        self._last_flush = 0.0
        self._failed = False
        #: Whether the counts are also published as OpenTelemetry metrics (the ``otel`` key):
        #: ``flushing.deliver`` hands them to ``otel``, off the program's threads.
        self.otel = False
        #: When this run started (the process, or a forked child): the data file records it.
        self.started = time.time()

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
            global _flushing
            from . import flushing as _flushing  # exit and fork hooks: only when writing

            _flushing.hook_process_exit()
            # The flusher starts now, not at the first use: that use must not pay for a thread,
            # SQLite or the data file, which the flusher sets up off the user's thread.
            self._last_flush = time.monotonic()
            _flushing.start_flusher()

    def stop(self) -> None:
        """Write what is pending, then stop recording (uninstall).

        The counts and the data file are kept: installing again in this process (for the same
        project) goes on counting into the same run, in the same file.
        """
        if _flushing is not None:
            _flushing.stop_flusher()
        self.flush(final=True)
        with self._lock:
            self.enabled = False
        if _flushing is not None:
            _flushing.unhook_process_exit()

    def _forget(self) -> None:
        self._groups = {}
        self._files = {}
        if self._file is not None:
            self._file.close()
        self._file = None

    def after_fork_in_child(self) -> None:
        """The child is a new run: it never writes the counts it inherited."""
        with self._lock:
            self.started = time.time()
            self._groups = {}
            if self._file is not None:
                self._file.abandon()  # the parent's connection must not be used or closed here
            self._file = None
        _cells.clear()

    # -- counting -----------------------------------------------------------------------------

    def cell(
        self,
        alias: Alias,
        path: str,
        site: FrameType,
        code: CodeType,
        line: int,
        lasti: int,
        ref: CodeEntry,
        importing: bool = False,
    ) -> Iterator[object]:
        """The counter that a use of ``path`` at ``site`` (running ``code``, on ``line``, by the
        instruction at ``lasti``: ``site.f_lasti``) increments (:data:`DISCARD` if the use does
        not count, or telemetry is off). ``ref`` is the entry of the site's code object
        (``_base.cells.entry``); ``importing``: the use is an import."""
        if not self.enabled:
            return DISCARD
        if LASTI_IN_CACHE:
            lasti = instruction_offset(code, lasti)
        legacy = alias.legacy
        mark = (legacy, lasti, (path, True) if importing else path, line)
        with self._lock:
            if ref.lines is None:  # the code object's first site: it counts
                ref.lines = mark
            elif not _counts(ref, mark):
                return DISCARD
            module = site.f_globals.get("__name__")
            filename = code.co_filename
            key = (
                legacy,
                path,
                self._files.get(filename) or self._relative(filename),
                module if module.__class__ is str else "",
                self.context,
            )
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _new(_Group)
                group.alias, group.key, group.lines = alias, key, {}
            record = group.lines.get(line)
            new = record is None
            if record is None:
                # (_Record's fields set here, not by an __init__: one Python call less per site)
                record = group.lines[line] = _Record(self._hits)
                now = time.time()
                if now - self._stamp < 1.0:
                    now = self._stamp  # the sites of one second share one float
                else:
                    self._stamp = now
                record.first_seen = record.last_seen = now
                record.flushed = -1
                self._added = True
        if new and self.data_file:  # (so start() imported the process hooks)
            pid = _getpid()
            if _flushing.pool_checked_in != pid:
                _flushing.check_pool_worker()
            if _flushing._flusher_pid != pid:
                _flushing.start_flusher()  # a fork stopped it
            now = _monotonic()
            if now - self._last_flush >= FLUSH_INTERVAL:
                self._last_flush = now  # one wake per interval: the flusher writes them
                _flushing.wake()
        return record

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

    def _pending(self) -> tuple[int, list[tuple[_Group, int, _Record, int, float]]]:
        # Every record whose count changed, with that count and its last-seen time (under the
        # recorder's lock), and the total of hits it saw; the caller marks them flushed once the
        # write succeeded. With no hit and no record since the last flush: nothing to look at.
        total = _total(self._hits)
        if total == self._flushed_hits and not self._added:
            return total, []
        self._added = False
        now = time.time()
        pending = []
        for group, line, record in _records(self._groups):
            count = _value(record)
            if count != record.flushed:
                if record.flushed >= 0:
                    record.last_seen = now
                pending.append((group, line, record, count, record.last_seen))
        return total, pending

    def flush(self, *, final: bool = False) -> None:
        """Write every count that changed since the last flush. Never raises."""
        # Rows are collected under the recorder's lock, written under the writer's lock only:
        # counting in other threads never waits for the disk.
        with self._write_lock:
            with self._lock:
                if not self.enabled or self._failed or not self.data_file:
                    return
                self._last_flush = time.monotonic()
                total, pending = self._pending()
            try:
                if pending:
                    from .store import Hit

                    self._data_file().write(
                        Hit(
                            _stored(group.alias),
                            group.key[1],
                            (group.key[2], line, group.key[3]),
                            group.key[4],
                            count,
                            record.first_seen,
                            last,
                        )
                        for group, line, record, count, last in pending
                    )
                for _, _, record, count, _ in pending:
                    record.flushed = count
                self._flushed_hits = total
                if final and self._file is not None:
                    self._file.end(time.time())
                    self._file.close()  # reopened if hits still come (from other exit hooks)
            except Exception as exc:  # noqa: BLE001 - never break the program for telemetry
                from .sqlitefiles import transient

                with self._lock:
                    self._added = True  # these counts go out next time: look at them again
                if transient(exc) and not final:
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
            from .writer import DataFile

            self._file = DataFile.for_process(self.data_file, self.root, self.started)
        return self._file

    def summary(self) -> list[tuple[str, str, str, int]]:
        """This process's hits so far, per alias and site: ``(legacy, canonical, "file:line",
        hits)``, every context together."""
        totals: dict[tuple[str, str, str], int] = {}
        with self._lock:
            records = _records(self._groups)
        for group, line, record in records:
            hits = _value(record)
            if hits:
                key = (group.alias.legacy, group.alias.canonical, f"{group.key[2]}:{line}")
                totals[key] = totals.get(key, 0) + hits
        return [(*key, hits) for key, hits in sorted(totals.items())]

    def set_context(self, context: str) -> None:
        """Attribute the hits from now on to ``context`` (``""`` for none)."""
        with self._lock:
            if context == self.context:
                return
            self.context = context
        # Every cached counter counts for the context that ended: the next use at each site
        # takes the first-use route and counts into a record of the new context. The caches
        # stay, and so do the line and instruction entries: which instruction counts for a
        # line does not depend on the context.
        _cells.retarget()


recorder = Recorder()
# Uninstalling writes what is pending and stops recording (the counts are kept: see stop()).
resets.on_uninstall(recorder.stop)
# The process hooks (``flushing``), imported once counts are written to a file.
_flushing: Any = None


def flush() -> None:
    """Write the telemetry counted so far in this process (a server may call it periodically)."""
    recorder.flush()


def set_context(context: str) -> None:
    """Attribute the hits from now on to ``context`` (a pytest node id, a request route...)."""
    recorder.set_context(context)
