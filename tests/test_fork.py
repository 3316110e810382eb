"""A forked child keeps working, whatever compatshim's state was in the parent at the fork."""

from __future__ import annotations

import sys

import pytest
from conftest import Project


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="os.fork is POSIX only")


def test_fork_while_another_thread_holds_a_compatshim_lock(canon_project: Project) -> None:
    """A lock held by another thread at fork time is renewed in the child: no hang."""
    result = canon_project.run(
        """
        import os, signal, threading, _probe, compatshim
        from compatshim import _sites
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
