"""Per-site caches ("cells"), each entry living exactly as long as the code object it is about.

A legacy module caches, per instruction that used it (``(id(code), offset)``), the hit counter of
that site, so the next use there costs one dict lookup. Keys use ``id(code)``: hashing a code
object costs as much as its size. When a code object is freed (``eval``'d code, a reloaded
module), every entry keyed by its id is dropped, so memory does not grow with throwaway code and
an id reused by a new code object never finds a stale entry.
"""

from __future__ import annotations

from _weakref import ref as _weak_ref  # the C module: importing weakref costs more

from .locks import ForkSafeLock
from .resets import on_uninstall


TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from types import FrameType
    from typing import Any
    from typing import TypeVar

    from typing_extensions import Self

    _Cache = TypeVar("_Cache", bound=dict[Any, Any])

__all__ = ["clear", "forget_all", "register", "remember", "track"]

_lock = ForkSafeLock(reentrant=True)
# Every cache made with register(), so that clear() can empty them all.
_caches: list[dict[Any, Any]] = []


class _CodeRef(_weak_ref):  # type: ignore[type-arg]
    # A weak reference to a code object that remembers the object's id (one small object per
    # code object, where a closure per code object would cost three).
    __slots__ = ("code_id",)
    code_id: int

    def __new__(cls, code: CodeType) -> Self:
        self = _weak_ref.__new__(cls, code, _forget)
        self.code_id = id(code)
        return self

    def __init__(self, code: CodeType) -> None:
        super().__init__(code, _forget)  # type: ignore[call-arg]


# id(code) -> (weak reference to the code object, [cache, key, cache, key, ...] for that id).
_codes: dict[int, tuple[_CodeRef, list[Any]]] = {}


def register(cache: _Cache) -> _Cache:
    """Let :func:`clear` empty ``cache``; return it."""
    with _lock:
        _caches.append(cache)
    return cache


def track(code: CodeType, cache: dict[Any, Any], key: object) -> None:
    """Drop ``cache[key]`` when ``code`` is freed."""
    with _lock:
        entry = _codes.get(id(code))
        if entry is None:
            entry = _codes[id(code)] = (_CodeRef(code), [])
        entry[1].extend((cache, key))


def remember(cache: dict[Any, Any], frame: FrameType, key: object, value: object) -> None:
    """Cache ``value`` under ``key`` for the code ``frame`` runs."""
    with _lock:
        track(frame.f_code, cache, key)
        cache[key] = value


def _forget(ref: _CodeRef) -> None:
    # Runs while a code object is being freed, before its id can be reused; possibly inside any
    # bytecode, even one of ours: the lock is re-entrant and nothing here iterates what the
    # interrupted code may be changing.
    with _lock:
        entry = _codes.get(ref.code_id)
        if entry is not None and entry[0] is ref:
            del _codes[ref.code_id]
            pairs = entry[1]
            for index in range(0, len(pairs), 2):
                pairs[index].pop(pairs[index + 1], None)


def clear() -> None:
    """Empty every registered cache: each site is looked at afresh."""
    with _lock:
        for cache in _caches:
            cache.clear()
        _codes.clear()


@on_uninstall
def forget_all() -> None:
    """Empty the caches and forget them (uninstall)."""
    with _lock:
        clear()
        _caches.clear()
