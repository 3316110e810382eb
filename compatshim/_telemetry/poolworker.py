"""Pool workers that their pool terminates still deliver their counts.

``with multiprocessing.Pool() as pool:`` ends with ``Pool.terminate()``, which sends SIGTERM to
every worker. SIGTERM's default action kills a process outright, with no ``atexit`` and no
``os._exit``: the counts a worker made since its last flush were lost (the documented idiom
undercounted by up to two thirds).

So in a ``multiprocessing`` pool worker that has counted something, and only there, SIGTERM is
blocked in the worker's main thread while it *waits for work* or ends: from the moment it hands
a result to its pool until it has received its next task, and from its last task on. A
thread of compatshim's waits for it meanwhile (``sigwait``), writes the counts, unblocks SIGTERM
and sends it again: the worker ends as it would have, by the same signal. Every result the pool
has received was handed over after the block, so a pool that terminates its workers once it has
their results gets every count. compatshim's threads block SIGTERM too, so that the kernel
cannot give it to one of them instead.

No Python signal handler is installed: a handler runs only in the main thread, which may be
blocked (and not interrupted) when the kernel delivers the signal to another thread, and
``terminate()`` would hang. While a task runs, SIGTERM is unblocked in the main thread: a busy
worker still dies at once. A program that installs its own SIGTERM handler (or ignores SIGTERM)
keeps it: compatshim then blocks nothing, and hands a SIGTERM it received on to the main thread.
A worker killed while busy, or by SIGKILL, loses what it counted since its last flush.
Cost: two ``pthread_sigmask()`` calls per task (benchmarks/telemetry.py, ``pool``).
"""

from __future__ import annotations

import os
import signal  # imported only in multiprocessing children, which have imported it already
import threading

from . import flushing
from .recorder import recorder


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any
    from typing import TypeVar

    _T = TypeVar("_T")

__all__ = ["before_fork", "in_forked_child", "in_new_thread", "start_blocked", "watch"]

_SIGTERM = {signal.SIGTERM}
_blocked = False  # SIGTERM is blocked in the main thread: the worker waits for work
_waiter: threading.Thread | None = None  # the thread that waits for SIGTERM
_stopping = False


def watch(process: Any) -> None:
    """Make the pool worker ``process`` (this process) deliver its counts when terminated.

    Called at the worker's first recorded use: the connections its queues read tasks from and
    write results to are wrapped (instance attributes, looked up at each call).
    """
    if not hasattr(signal, "sigwait"):
        return
    try:
        reader = process._args[0]._reader
        writer = process._args[1]._writer
        receive, send = reader.recv_bytes, writer.send_bytes
        from multiprocessing.reduction import ForkingPickler

        finish = bytes(ForkingPickler.dumps(None))  # the pool's "no more work"
    except Exception:  # noqa: BLE001 - another multiprocessing: no change, counts as before
        return

    def recv_bytes(*args: Any) -> Any:
        _block()  # waiting for a task
        task = receive(*args)  # raising: the pool is gone, and the worker ends (blocked)
        if task != finish:  # no more work: the worker ends (blocked, as it flushes)
            _unblock()
        return task

    def send_bytes(*args: Any) -> Any:
        _block()  # from here on the pool may have every result, and terminate this worker
        return send(*args)

    reader.recv_bytes = recv_bytes
    writer.send_bytes = send_bytes
    flushing.thread_started = in_new_thread


def start_blocked(start: Callable[[], _T]) -> _T:
    """Call ``start``, which starts a thread of compatshim's, with SIGTERM blocked in this
    thread, so that the new thread is born with it blocked.

    A thread inherits its creator's signal mask: started from the main thread while a task runs
    (SIGTERM unblocked), it would have SIGTERM unblocked until its first Python instruction, which
    a busy machine can delay by milliseconds. A pool's SIGTERM given to it then ends the worker
    at once (the default action), before it delivers its counts.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGTERM)
    try:
        return start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def in_new_thread() -> None:
    """Block SIGTERM in a thread of compatshim's (it must reach the waiter, or the main
    thread while a task runs)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGTERM)


def _block() -> None:
    global _blocked
    if not _blocked and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGTERM)
        _blocked = True
        if _waiter is None:
            _start_waiter()


def _unblock() -> None:
    global _blocked
    if _blocked:
        _blocked = False
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGTERM)


def _start_waiter() -> None:
    global _waiter, _stopping
    _stopping = False
    waiter = threading.Thread(target=_wait, name="compatshim-sigterm", daemon=True)
    waiter.start()  # from the main thread with SIGTERM blocked: the waiter inherits the block
    _waiter = waiter


def _wait() -> None:
    while True:
        signal.sigwait(_SIGTERM)
        if _stopping:
            return
        if signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
            # The program handles (or ignores) SIGTERM now: its handler runs in the main thread.
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)
            continue
        recorder.flush(final=True)  # never raises
        flushing.deliver(final=True)  # never raises
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)  # the default action: the worker ends


def before_fork() -> None:
    """Stop the waiter before a fork (Python 3.12+ warns when a process with threads forks);
    the worker starts it again when it next waits for work."""
    global _waiter, _stopping
    waiter = _waiter
    if waiter is not None and waiter.ident is not None:
        _stopping = True
        signal.pthread_kill(waiter.ident, signal.SIGTERM)
        waiter.join(5.0)
        _waiter = None


def in_forked_child(*_: Any) -> None:
    """A child forked by a pool worker is no pool worker: SIGTERM acts as it always does."""
    global _waiter
    _waiter = None
    _unblock()
