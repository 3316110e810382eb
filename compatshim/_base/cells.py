"""Per-site caches ("cells"), each entry living exactly as long as the code object it is about.

A legacy module caches, per instruction that used it, the hit counter of that site, so the next
use there costs two dict lookups: ``cells[id(code)][offset]``. Two levels, not a tuple key: a read
builds and hashes no tuple, and the entries of one code object share one inner dict, dropped with
it. Keys use ``id(code)``: hashing a code object costs as much as its size. When a code object is
freed (``eval``'d code, a reloaded module), every entry keyed by its id is dropped, so memory does
not grow with throwaway code and an id reused by a new code object never finds a stale entry.
"""

from __future__ import annotations

from _weakref import ref as _weak_ref  # the C module: importing weakref costs more

from .locks import ForkSafeLock
from .resets import on_uninstall


TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from typing import Any
    from typing import TypeVar

    _Cache = TypeVar("_Cache", bound=dict[Any, Any])
    _Cells = TypeVar("_Cells", bound=dict[int, dict[Any, Any]])

__all__ = [
    "RETARGET",
    "CodeEntry",
    "clear",
    "entry",
    "forget_all",
    "register",
    "register_cells",
    "remember",
    "retarget",
]

_lock = ForkSafeLock(reentrant=True)
# Every cache made with register(), so that clear() can empty them all.
_caches: list[dict[Any, Any]] = []
# The caches of counters (register_cells), two-level: cells[id(code)][key] -> counter.
_cells: list[dict[int, dict[Any, Any]]] = []
# The entries remember() set since the last retarget(): (inner dict, key, inner dict, key, ...);
# kept only once retarget() was called (a program that never switches contexts keeps nothing).
_touched: list[Any] = []
_tracking = False


class _Retarget:
    # The value of a cache entry whose counter belongs to a context that ended: next() raises
    # KeyError, so every hot path takes its first-use route (which warns again, counts into a
    # record of the new context and caches its counter in place) exactly as for a new site.
    __slots__ = ()

    def __next__(self) -> object:
        raise KeyError("retarget")


#: What :func:`retarget` puts in place of a counter: ``next()`` of it raises ``KeyError``.
RETARGET = _Retarget()


class _CodeRef(_weak_ref):  # type: ignore[type-arg]
    # A weak reference to a code object: its entry, alive exactly as long as the code object.
    # It remembers the object's id, the caches whose entry for that id to drop when the object
    # is freed, and what telemetry keeps per code object (``lines``: kept here, it is dropped
    # with the entry and needs neither a key naming the code object nor an entry of its own to
    # drop). One small object per code object, where a closure would cost three; made by
    # weakref's own constructor (``_CodeRef(code, _forget)``), its fields set by entry(): no
    # Python-level call.
    __slots__ = ("caches", "code_id", "lines")
    code_id: int
    #: The caches with an entry for ``code_id``: the one cache (most code objects use one legacy
    #: module), or a list of them; ``None`` before the first.
    caches: dict[int, Any] | list[dict[int, Any]] | None
    #: Owned by the recorder (``_telemetry.recorder``): which instruction counts for each line.
    lines: Any


#: The entry of a code object (see :func:`entry`).
CodeEntry = _CodeRef

# id(code) -> the weak reference to the code object, with the cache entries for that id.
_codes: dict[int, _CodeRef] = {}


def register(cache: _Cache) -> _Cache:
    """Let :func:`clear` empty ``cache``; return it."""
    with _lock:
        _caches.append(cache)
    return cache


def register_cells(cells: _Cells) -> _Cells:
    """Like :func:`register`, for a two-level cache of counters (``cells[id(code)][key]``),
    whose counters :func:`retarget` replaces."""
    with _lock:
        _caches.append(cells)
        _cells.append(cells)
    return cells


def entry(code: CodeType) -> _CodeRef:
    """The entry of ``code``, made at the first call: it lives as long as ``code`` does."""
    ref = _codes.get(id(code))
    if ref is None:
        # (A ref found is ``code``'s own: a freed code object's entry is dropped while it is
        # freed, before its id can be given to another.) No lock: the new entry is complete
        # before setdefault, atomic under the GIL, publishes it; of two threads making one, both
        # get the one published, and the other is freed before anything refers to it.
        ref = _CodeRef(code, _forget)
        ref.code_id, ref.caches, ref.lines = id(code), None, None
        ref = _codes.setdefault(ref.code_id, ref)
    return ref


def remember(cells: dict[int, dict[Any, Any]], ref: _CodeRef, key: Any, value: object) -> None:
    """Cache ``value`` as ``cells[id(code)][key]`` until ``code`` (whose :func:`entry` is
    ``ref``) is freed."""
    code_id = ref.code_id
    with _lock:
        if _codes.get(code_id) is not ref:  # clear() ran meanwhile: the entry must stay known
            ref = _codes.setdefault(code_id, ref)
        inner = cells.get(code_id)
        if inner is None:
            inner = cells[code_id] = {}
            caches = ref.caches
            if caches is None:
                ref.caches = cells
            elif isinstance(caches, list):
                caches.append(cells)
            else:
                ref.caches = [caches, cells]
        inner[key] = value
        if _tracking:
            _touched.extend((inner, key))


def retarget() -> None:
    """Make every counter cached so far count no more: the next use at each site takes the
    first-use route again (a new context begins: its uses warn and count anew), while the
    caches, and what they know of each code object, stay.

    Costs the number of entries set since the last call (all of them, the first time)."""
    global _tracking
    with _lock:
        if not _tracking:
            _tracking = True
            for cells in _cells:
                for inner in cells.values():
                    for key in inner:
                        inner[key] = RETARGET
        else:
            touched = _touched
            for index in range(0, len(touched), 2):
                touched[index][touched[index + 1]] = RETARGET
        _touched.clear()


def _forget(ref: _CodeRef) -> None:
    # Runs while a code object is being freed, before its id can be reused; possibly inside any
    # bytecode, even one of ours: the lock is re-entrant and nothing here iterates what the
    # interrupted code may be changing.
    with _lock:
        if _codes.get(ref.code_id) is ref:
            del _codes[ref.code_id]
            caches = ref.caches
            if isinstance(caches, list):
                for cache in caches:
                    cache.pop(ref.code_id, None)
            elif caches is not None:
                caches.pop(ref.code_id, None)


def clear() -> None:
    """Empty every registered cache: each site is looked at afresh."""
    with _lock:
        for cache in _caches:
            cache.clear()
        _codes.clear()
        _touched.clear()


@on_uninstall
def forget_all() -> None:
    """Empty the caches and forget them (uninstall)."""
    global _tracking
    with _lock:
        clear()
        _caches.clear()
        _cells.clear()
        _tracking = False
