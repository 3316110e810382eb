"""When a process's counts are written without the program asking for it.

Every :data:`PERIODIC_INTERVAL` seconds from a background thread while counts change; at exit
(``atexit``, and ``os._exit``, which multiprocessing children, forked workers and many servers
end with); before ``os.execv``/``os.execve`` (and the ``os.exec*`` functions built on them),
which replace the process without ``atexit``; around ``fork()`` (no thread may run or write while a process forks); and in a
multiprocessing pool worker, before its pool terminates it (``poolworker``). The recorder imports
this module when it starts writing to a file: a process with telemetry off never does.
"""

from __future__ import annotations

import _frozen_importlib as _bootstrap  # importlib._bootstrap, without importing importlib
import os
import sys
from _thread import allocate_lock
from _thread import get_ident

from .._base import diagnostics as _diagnostics
from .._base.compat import DaemonThread
from .._base.locks import ForkSafeLock
from .recorder import recorder


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any
    from typing import NoReturn

__all__ = [
    "PERIODIC_INTERVAL",
    "check_pool_worker",
    "deliver",
    "hook_process_exit",
    "pool_checked_in",
    "start_flusher",
    "stop_flusher",
    "thread_started",
    "unhook_process_exit",
    "wake",
]

#: Seconds between two flushes of the background thread: the most a process killed by a signal
#: can lose (a long-running server whose sites are all known flushes only through it).
PERIODIC_INTERVAL = 10.0
_real_exit = os._exit
_real_execv = os.execv
_real_execve = os.execve
_hooked = False


def _exit_flushing(status: int) -> NoReturn:
    """``os._exit`` that first writes this process's counts.

    multiprocessing children, forked workers and many servers end through ``os._exit``, which
    skips ``atexit``.
    """
    try:
        recorder.flush(final=True)
        deliver(final=True)
    finally:
        _real_exit(status)


def _execv_flushing(path: Any, argv: Any) -> NoReturn:
    """``os.execv`` that first writes this process's counts (``exec`` skips ``atexit``)."""
    try:
        _before_exec()
    finally:  # (as for os._exit: the program's exec happens whatever the flush did)
        _real_execv(path, argv)


def _execve_flushing(path: Any, argv: Any, env: Any) -> NoReturn:
    """``os.execve`` that first writes this process's counts (``exec`` skips ``atexit``)."""
    try:
        _before_exec()
    finally:
        _real_execve(path, argv, env)


def _before_exec() -> None:
    # The run ends here; if the exec fails the process goes on, and its next write reopens it.
    # os.execl, execlp, execvp, execvpe... call these two by their names in os.
    stop_flusher(wake=False)
    recorder.flush(final=True)
    deliver(final=True)


def _at_exit() -> None:
    global _shutting_down
    _shutting_down = True  # no new flusher: threads cannot start during interpreter shutdown
    # The flusher is told to stop, not woken: a thread waking, or still starting, while the
    # interpreter shuts down can crash it; asleep, it ends with the process.
    flusher = _flusher
    if flusher is not None and _flusher_pid == os.getpid():
        flusher.wait_started(5.0)
    stop_flusher(wake=False)
    recorder.flush(final=True)
    deliver(final=True)


# The background flusher: the pid of the process it runs in (a forked child has none until it
# records a site of its own) and its thread; changed under _flusher_lock, which the flusher
# itself never takes. The flusher sleeps on _wake, a lock held while it sleeps: releasing it
# (wake()) ends the sleep early. Each flusher has its own: a flusher whose lock is no longer
# _wake has been stopped, and ends.
_flusher_lock = ForkSafeLock()
_flusher_pid = 0
_flusher: DaemonThread | None = None
_shutting_down = False


def _held_lock() -> Any:
    lock = allocate_lock()
    lock.acquire()
    return lock


_wake = _held_lock()


def start_flusher() -> None:
    """Start this process's background flusher, unless it runs (or the process is ending).

    Called when recording starts (``install()``) and, after a fork stopped the flusher, at the
    next new site: never at a program's first use, which must not pay for a thread. The flusher
    does the first write (and imports SQLite) off the user's thread.
    """
    global _flusher_pid, _flusher
    if _flusher_pid == os.getpid() or _shutting_down:
        return
    try:
        with _flusher_lock:
            if _flusher_pid == os.getpid() or _shutting_down:
                return
            wake_lock = _wake

            def start() -> DaemonThread:
                return DaemonThread(lambda: _flush_periodically(wake_lock))

            # In a pool worker (poolworker.watch), the thread is born with SIGTERM blocked.
            _flusher = start() if thread_started is None else _poolworker().start_blocked(start)
            _flusher_pid = os.getpid()
    except Exception as exc:  # noqa: BLE001 - no thread (a restricted runtime): flush at exit
        _diagnostics.report_once("telemetry-write", f"no periodic telemetry flush: {exc!r}")


def wake() -> None:
    """Make the flusher write now (new sites appeared); never waits."""
    try:
        _wake.release()
    except RuntimeError:  # already woken
        pass


#: Called first in each thread compatshim starts (set in pool workers: see ``poolworker``).
thread_started: Callable[[], object] | None = None


def _flush_periodically(wake_lock: Any) -> None:
    if thread_started is not None:
        thread_started()
    deliver()  # the OpenTelemetry SDK, if on, is imported here: not on the program's threads
    while True:
        wake_lock.acquire(timeout=PERIODIC_INTERVAL)  # woken early by wake() or stop_flusher()
        if wake_lock is not _wake:
            return  # stopped
        if pool_checked_in != os.getpid():  # a spawned child's first uses were imports
            check_pool_worker()
        recorder.flush()  # never raises
        deliver()


def stop_flusher(*, join: bool = False, wake: bool = True) -> None:
    """Stop this process's flusher (and wait for it to end if ``join``). With ``wake`` false
    it is not woken: it ends when it next wakes by itself, or with the process."""
    global _flusher_pid, _wake
    with _flusher_lock:
        if _flusher_pid == os.getpid() and _flusher is not None:
            stopped, _wake = _wake, _held_lock()
            if wake:
                try:
                    stopped.release()
                except RuntimeError:  # already woken
                    pass
            if join:
                _flusher.join(5.0)
        _flusher_pid = 0


def _before_fork() -> None:
    # A process with a second thread must not fork (Python 3.12+ warns that it may deadlock):
    # the flusher ends before every fork. It starts again at the parent's next new site or
    # legacy import (not right after the fork: 3.13 counts threads after the parent's fork
    # hooks ran). And no thread may be inside SQLite when the process forks: the child would
    # inherit SQLite's own locks held, and hang at its first write. Writes happen under the
    # write lock, so the fork waits for a write in progress; the child gets the lock back free.
    stop_flusher(join=True)
    poolworker = sys.modules.get(_POOLWORKER)
    if poolworker is not None:
        poolworker.before_fork()
    recorder._write_lock.acquire()


def _after_fork_in_parent() -> None:
    recorder._write_lock.release()


def _after_fork_in_child() -> None:
    global thread_started, _locked_at_fork
    recorder.after_fork_in_child()
    _locked_at_fork = _modules_locked_by_others() if recorder.otel else ()
    otel = sys.modules.get(_OTEL)
    if otel is not None:
        otel.exporter.after_fork_in_child()
    poolworker = sys.modules.get(_POOLWORKER)
    if poolworker is not None:
        thread_started = None
        poolworker.in_forked_child()


def _poolworker() -> Any:
    # The pool worker's module, imported (watch() set thread_started) in a pool worker only.
    return sys.modules[_POOLWORKER]


#: The pid whose multiprocessing role is known (see :func:`check_pool_worker`).
pool_checked_in = 0
# The pool worker's module, looked up only if imported (in a pool worker): a vendored copy of
# compatshim has its own.
_POOLWORKER = __name__.rpartition(".")[0] + ".poolworker"


# The OpenTelemetry export (``otel``), imported by the first delivery with the ``otel`` key on.
_OTEL = __name__.rpartition(".")[0] + ".otel"


# In a forked child: the modules another thread of the parent was importing when it forked (the
# flusher importing the SDK takes longer than the fork waits for it on a busy machine). Their
# import locks stay held by a thread the child does not have: importing one waits forever.
_locked_at_fork: tuple[str, ...] = ()


def _modules_locked_by_others() -> tuple[str, ...]:
    # The modules that another thread (in a forked child: a thread that no longer exists) is
    # importing: their import lock has another owner (importlib keeps the locks in use in
    # _module_locks, 3.9 to 3.14), or they are still executing and not by this thread (where
    # the child freed the dead thread's lock, importing one gives the half-made module).
    me = get_ident()
    locks = getattr(_bootstrap, "_module_locks", None)
    owners: dict[str, object] = {}
    for name, ref in list(locks.items()) if isinstance(locks, dict) else ():
        owners[name] = getattr(ref(), "owner", None)
    held = {name for name, owner in owners.items() if owner is not None and owner != me}
    for name, module in list(sys.modules.items()):
        if _initializing(module) and owners.get(name) != me:
            held.add(name)
    return tuple(sorted(held))


def _initializing(module: object) -> bool:
    # Read from the dicts: a legacy module's spec counts a use when _initializing is read.
    try:
        spec = object.__getattribute__(module, "__dict__").get("__spec__")
        state = object.__getattribute__(spec, "__dict__")
    except (AttributeError, TypeError):
        return False
    return bool(state.get("_initializing") or state.get("_compatshim_initializing"))


def deliver(*, final: bool = False) -> None:
    """Hand the counts to the OpenTelemetry export, if the ``otel`` key is on.

    The one place the export is fed: after the flushes that run off the program's threads (the
    background thread, exit, ``os._exit``, a pool worker's end), with no lock held. Never raises.
    A forked child whose parent forked while another thread imported modules exports nothing
    (the export could need them, and wait forever): one ``otel-export`` line says so.
    """
    if recorder.otel:
        if _locked_at_fork:
            shown = ", ".join(_locked_at_fork[:3]) + (", ..." if len(_locked_at_fork) > 3 else "")
            _diagnostics.report_once(
                "otel-export",
                f"this process was forked while another thread imported {shown}: its "
                "OpenTelemetry export is skipped (it could wait forever for those imports); the "
                "program and the local telemetry go on",
            )
            return
        from . import otel as _otel

        _otel.exporter.deliver(final=final)


def check_pool_worker() -> None:
    """Find out whether this process is a multiprocessing pool worker: then a terminating pool
    must get its counts (see ``poolworker``). Known once per process (:data:`pool_checked_in`):
    a spawned child is not one yet while it imports the main module."""
    global pool_checked_in
    processes = sys.modules.get("multiprocessing.process")
    process = processes.current_process() if processes is not None else None
    if getattr(process, "_inheriting", False):
        return
    pool_checked_in = os.getpid()
    pool = sys.modules.get("multiprocessing.pool")
    if pool is None or getattr(process, "_target", None) is not pool.worker:
        return
    from . import poolworker as _poolworker

    _poolworker.watch(process)
    if thread_started is not None and _flusher_pid == os.getpid():
        if _flusher is not None and get_ident() == _flusher.ident:
            thread_started()  # called from the flusher itself
        else:
            stop_flusher(join=True)  # it starts again, blocking SIGTERM
            start_flusher()


def hook_process_exit() -> None:
    """Write the counts at exit, at ``os._exit`` and around ``fork()`` (once per process)."""
    global _hooked
    if _hooked:
        return
    _hooked = True
    import atexit

    if recorder.otel:
        # The OpenTelemetry SDK is imported by the flusher thread, and a fork waits for it
        # (_before_fork). logging's own fork hook holds logging's lock, which the importing
        # thread needs: it must run after ours, so be registered before ours (hooks run in
        # reverse order). Imported here, not by the flusher, it is.
        import logging  # noqa: F401

    atexit.register(_at_exit)
    os._exit = _exit_flushing
    os.execv, os.execve = _execv_flushing, _execve_flushing
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=_before_fork,
            after_in_parent=_after_fork_in_parent,
            after_in_child=_after_fork_in_child,
        )


def unhook_process_exit() -> None:
    """Undo :func:`hook_process_exit` (but for the fork hooks: ``os.register_at_fork`` has
    no undo)."""
    global _hooked
    if not _hooked:
        return
    _hooked = False
    import atexit

    atexit.unregister(_at_exit)
    if os._exit is _exit_flushing:
        os._exit = _real_exit
    if os.execv is _execv_flushing:
        os.execv = _real_execv
    if os.execve is _execve_flushing:
        os.execve = _real_execve
