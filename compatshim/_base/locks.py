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

__all__ = ["ForkSafeLock"]

# Every lock ever made (they are few, and live as long as their modules).
_all: list[Any] = []


def ForkSafeLock(*, reentrant: bool = False) -> Any:
    """A lock (re-entrant if asked) that a forked child gets back released.

    It is the interpreter's own lock object, so ``with lock:`` costs no Python-level call; the
    child re-initialises it with ``_at_fork_reinit()``, as :mod:`threading` does for its locks.
    """
    lock = RLock() if reentrant else allocate_lock()
    _all.append(lock)
    return lock


def _after_fork_in_child() -> None:
    for lock in _all:
        lock._at_fork_reinit()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)
