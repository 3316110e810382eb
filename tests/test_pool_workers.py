"""Pool workers terminated by their pool deliver their counts, and SIGTERM otherwise acts as it
always did: at once on a busy worker, through the program's own handler, in forked children.

(The exact counts of `with Pool() as pool:` for fork, spawn and forkserver are in
test_telemetry.py::test_multiprocessing_children_deliver_their_counts.)
"""

from __future__ import annotations

import sys

import pytest
from helpers import Project


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and fork are POSIX")

TASKS = """
import os, signal, time
import old.pkg

def state(_):
    old.pkg.CONSTANT
    blocked = signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return (signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, blocked)

def slow(_):
    old.pkg.CONSTANT
    open(f"started.{os.getpid()}", "w").close()
    time.sleep(600)

def mine(*_):
    with open(f"handled.{os.getpid()}", "w") as file:
        file.write("mine")
    os._exit(0)

def install_mine():
    signal.signal(signal.SIGTERM, mine)

def flusher_born_blocked(_):
    # The worker's flusher starts at its first new site: report SIGTERM's state in that thread
    # at its first Python instruction (before it blocks SIGTERM itself). The probe is put in
    # place as that flusher starts: a spawned worker also has the flusher install() started,
    # which the first site replaces, and on a busy machine that one may reach its first
    # instruction only now.
    import time
    from compatshim._telemetry import flushing
    born = []
    run = flushing._flush_periodically
    def probe(wake_lock):
        born.append(signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, []))
        run(wake_lock)
    start = flushing.start_flusher
    def start_probed():
        flushing._flush_periodically = probe
        start()
    flushing.start_flusher = start_probed
    old.pkg.CONSTANT
    deadline = time.monotonic() + 60
    while not born and time.monotonic() < deadline:
        time.sleep(0.01)
    return born

def fork(_):
    old.pkg.CONSTANT
    pid = os.fork()
    if pid == 0:
        blocked = signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, [])
        os._exit(3 if blocked else 0)
    return os.waitpid(pid, 0)[1]
"""


def _emitted_by_a_pool(project: Project, method: str, workers: int, emitted: str) -> object:
    # What ``emitted`` (an expression of ``pool`` and ``tasks``) is, inside a ``with`` block of
    # a pool of ``workers`` started by ``method``, in a program that installed compatshim.
    project.write({"tasks.py": TASKS})
    result = project.run(
        f"""
        import multiprocessing, warnings, compatshim, _probe
        compatshim.install()
        warnings.simplefilter("ignore")
        import tasks

        if __name__ == "__main__":
            with multiprocessing.get_context({method!r}).Pool({workers}) as pool:
                _probe.emit({emitted})
        """
    )
    return result.value


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_a_task_runs_with_sigterm_as_the_program_left_it(
    canon_project: Project, method: str
) -> None:
    """While a task runs, SIGTERM has its default action and is not blocked."""
    emitted = "sorted(set(pool.map(tasks.state, range(20), chunksize=1)))"
    assert _emitted_by_a_pool(canon_project, method, 2, emitted) == [[True, False]]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_flusher_is_born_with_sigterm_blocked(canon_project: Project, method: str) -> None:
    """The flusher a pool worker starts at its first new site has SIGTERM blocked from its first
    instruction: started from a task (SIGTERM unblocked there), it used to block it only once it
    ran, and a pool's SIGTERM given to it meanwhile (a busy machine delays a new thread) ended the
    worker before it delivered its counts (the flaky fork test of test_otel.py)."""
    emitted = "pool.map(tasks.flusher_born_blocked, range(1))"
    assert _emitted_by_a_pool(canon_project, method, 1, emitted) == [[True]]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_terminate_still_ends_busy_workers_at_once(canon_project: Project, method: str) -> None:
    """Leaving the `with` block while tasks run terminates the busy workers at once (a hang
    would end this test by its timeout)."""
    canon_project.write({"tasks.py": TASKS})
    result = canon_project.run(
        f"""
        import glob, multiprocessing, time, warnings, compatshim, _probe
        compatshim.install()
        warnings.simplefilter("ignore")
        import tasks

        if __name__ == "__main__":
            with multiprocessing.get_context({method!r}).Pool(2) as pool:
                pool.map_async(tasks.slow, range(2), chunksize=1)
                while len(glob.glob("started.*")) < 2:
                    time.sleep(0.01)
            _probe.emit("terminated")
        """
    )
    assert result.value == "terminated"


def test_a_program_sigterm_handler_in_a_worker_is_kept(canon_project: Project) -> None:
    """Workers whose program installed its own SIGTERM handler run it when terminated."""
    canon_project.write({"tasks.py": TASKS})
    result = canon_project.run(
        """
        import glob, multiprocessing, time, warnings, compatshim, _probe
        compatshim.install()
        warnings.simplefilter("ignore")
        import tasks

        if __name__ == "__main__":
            with multiprocessing.get_context("fork").Pool(3, tasks.install_mine) as pool:
                pool.map(tasks.state, range(30), chunksize=1)  # watched: counts were made
                pool.map_async(tasks.slow, range(3), chunksize=1)
                while len(glob.glob("started.*")) < 3:
                    time.sleep(0.01)
            _probe.emit(len(glob.glob("handled.*")))
        """
    )
    assert result.value == 3


def test_a_worker_forks_without_warnings_and_its_child_can_be_terminated(
    canon_project: Project,
) -> None:
    """compatshim's threads end before a fork (Python 3.12+ warns otherwise), and the child
    does not inherit SIGTERM blocked."""
    canon_project.write({"tasks.py": TASKS})
    result = canon_project.run(
        """
        import multiprocessing, warnings, compatshim, _probe
        compatshim.install()
        warnings.simplefilter("error", DeprecationWarning)
        warnings.simplefilter("ignore", compatshim.CompatshimDeprecationWarning)
        import tasks

        if __name__ == "__main__":
            with multiprocessing.get_context("fork").Pool(2) as pool:
                _probe.emit(pool.map(tasks.fork, range(6), chunksize=1))
        """
    )
    assert result.value == [0] * 6
