"""compatshim's locks, made again in a forked child.

A lock that another thread holds at the moment of ``os.fork()`` stays held forever in the child,
where that thread does not exist: the child's first legacy import would hang. Every lock of
compatshim is a :class:`ForkSafeLock`, and a fork handler gives each a fresh lock in the child.
Locks guard bookkeeping only, held for microseconds; never while user code, I/O or an import runs.
"""

from __future__ import annotations

import os
from _thread import RLock
from _thread import allocate_lock


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from typing_extensions import Self

__all__ = ["ForkSafeLock"]

# Every lock ever made (they are few, and live as long as their modules).
_all: list[ForkSafeLock] = []


class ForkSafeLock:
    """A lock (re-entrant if asked) usable in ``with`` blocks, replaced after a fork."""

    __slots__ = ("_lock", "_reentrant")

    def __init__(self, *, reentrant: bool = False) -> None:
        self._reentrant = reentrant
        self._lock: Any = RLock() if reentrant else allocate_lock()
        _all.append(self)

    def __enter__(self) -> Self:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def _renew(self) -> None:
        self._lock = RLock() if self._reentrant else allocate_lock()


def _after_fork_in_child() -> None:
    for lock in _all:
        lock._renew()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)
