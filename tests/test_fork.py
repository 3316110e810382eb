"""A forked child keeps working, whatever compatshim's state was in the parent at the fork."""

from __future__ import annotations

import sys

import pytest
from helpers import Project


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="os.fork is POSIX only")


def test_fork_while_another_thread_holds_a_compatshim_lock(canon_project: Project) -> None:
    """A lock held by another thread at fork time is renewed in the child: no hang."""
    result = canon_project.run(
        """
        import os, signal, threading, _probe, compatshim
        from compatshim._runtime import uses as _sites
        compatshim.install()
        held, release = threading.Event(), threading.Event()

        def hold():
            with _sites._lock:
                held.set()
                release.wait()

        thread = threading.Thread(target=hold)
        thread.start()
        held.wait()
        pid = os.fork()
        if pid == 0:
            signal.alarm(20)  # a hang would otherwise block the test run
            import warnings
            warnings.simplefilter("ignore")
            import old.pkg.sub
            os._exit(0 if old.pkg.sub.f() == "f" else 3)
        release.set()
        thread.join()
        _, status = os.waitpid(pid, 0)
        _probe.emit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status))
        """
    )
    assert result.value == 0


def test_child_inherits_the_parents_legacy_modules(canon_project: Project) -> None:
    """Legacy modules imported before a fork keep forwarding in the child."""
    result = canon_project.run(
        """
        import os, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.sub, canon.pkg.sub
        pid = os.fork()
        if pid == 0:
            os._exit(0 if old.pkg.sub.f is canon.pkg.sub.f else 4)
        _, status = os.waitpid(pid, 0)
        _probe.emit(os.WEXITSTATUS(status))
        """
    )
    assert result.value == 0


def test_fork_while_another_thread_writes_telemetry(canon_project: Project) -> None:
    """No thread is inside SQLite at a fork: a child never hangs at its first write (it would
    inherit SQLite's own locks held; before the fix, about one run in three hung)."""
    result = canon_project.run(
        """
        import os, signal, threading, time, warnings, compatshim
        from compatshim._telemetry import writer as _writer
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        stop = False
        inside = [False]  # a write is in progress (a slow one: the window is wide)
        real_write = _writer.DataFile.write

        def slow_write(self, rows):
            inside[0] = True
            time.sleep(0.002)
            try:
                return real_write(self, rows)
            finally:
                inside[0] = False

        _writer.DataFile.write = slow_write

        def writer():
            while not stop:
                old.pkg.CONSTANT
                compatshim.flush()

        thread = threading.Thread(target=writer)
        thread.start()
        bad = 0
        for _ in range(100):
            pid = os.fork()
            if pid == 0:
                if inside[0]:
                    os._exit(3)  # forked in the middle of a write
                signal.alarm(20)  # a hang ends the child, and the test counts it
                old.pkg.CONSTANT
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            bad += status != 0
        stop = True
        thread.join()
        print("bad", bad)
        """
    )
    assert "bad 0" in result.stdout
    assert "Exception ignored" not in result.stderr
    assert "[telemetry-write]" not in result.stderr


def test_uses_at_interpreter_shutdown_start_no_flusher(canon_project: Project) -> None:
    """A daemon thread still using legacy paths while the interpreter exits: no message."""
    for _ in range(5):
        result = canon_project.run(
            """
            import threading, warnings, compatshim
            compatshim.install()
            warnings.simplefilter("ignore")
            import old.pkg

            def loop():
                while True:
                    import old.pkg.sub

            threading.Thread(target=loop, daemon=True).start()
            """
        )
        assert "no periodic telemetry flush" not in result.stderr
