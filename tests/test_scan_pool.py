"""A worker process of scan or migrate that dies (SIGKILL, the out-of-memory killer) ends the
command with one line and a slug, never a traceback; migrate writes nothing it did not finish."""

from __future__ import annotations

import os
import sys

import pytest
from helpers import Project


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and fork are POSIX")

CONFIG = '[tool.compatshim.aliases]\n"old" = "new"\n'

# Every worker is killed at its first chunk; the parent (which never runs a chunk when the tree
# is large enough for a pool) carries on. The start method is fork: workers get the patch.
DYING = """
import multiprocessing, os, signal, sys
multiprocessing.set_start_method("fork", force=True)
from compatshim._static import pool
from compatshim.cli import main

parent = os.getpid()
real = pool._run_chunk

def dying(work, chunk):
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(work, chunk)

pool._run_chunk = dying
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: scan and migrate use no pool")
@pytest.mark.parametrize("command", [["scan"], ["migrate", "--write"]])
def test_a_killed_worker_is_one_line_and_a_slug(project: Project, command: list[str]) -> None:
    files = {f"pkg/m{i}.py": "import old\nprint(old.thing)\n" for i in range(500)}
    project.write({**files, "pkg/__init__.py": "", "dying.py": DYING}).config(CONFIG)
    result = project.command(["dying.py", *command, "pkg"])
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "pool-broken" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("compatshim: error: ")
    if command[0] == "migrate":  # no file half-written; none was rewritten by a dead worker
        assert all((project.root / name).read_text() == text for name, text in files.items())


# The same, and what is left when the command returns: the threads still running.
DYING_THREADS = DYING.replace(
    "sys.exit(main(sys.argv[1:]))",
    """code = main(sys.argv[1:])
import threading
print(sorted(t.name for t in threading.enumerate() if t is not threading.main_thread()))
sys.exit(code)""",
)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: scan and migrate use no pool")
def test_a_broken_pool_is_shut_down_before_the_command_returns(project: Project) -> None:
    """A broken pool's manager thread is joined before the command ends: left running, it raced
    concurrent.futures' own exit hook, which then printed a traceback now and then (a closed
    wake-up pipe written to: ``OSError: [Errno 9] Bad file descriptor``, Python 3.11)."""
    files = {f"pkg/m{i}.py": "import old\nprint(old.thing)\n" for i in range(500)}
    project.write({**files, "pkg/__init__.py": "", "dying.py": DYING_THREADS}).config(CONFIG)
    result = project.command(["dying.py", "scan", "pkg"])
    assert result.returncode == 2, result.stderr
    assert result.stdout.splitlines()[-1] == "[]", result.stdout[-2000:]
