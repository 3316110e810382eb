"""Counts survive kills in the middle of a write, and install/uninstall cycles in one process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import Project


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

WRITER = """
import sys, warnings, compatshim
from compatshim._telemetry import flushing, recorder as _telemetry
flushing.PERIODIC_INTERVAL = 1e9  # only the writes below
compatshim.install()
warnings.simplefilter("ignore")
import old.pkg
source = "".join(f"def f{i}(m):\\n    return m.CONSTANT\\n" for i in range(2000))
namespace = {"__name__": "sites"}
exec(compile(source, "sites.py", "exec"), namespace)
functions = [namespace[f"f{i}"] for i in range(2000)]
for done in range(1, 1_000_000):
    for function in functions:
        function(old.pkg)
    _telemetry.flush()  # every site changed: one write of 2,000 rows
    print(done, flush=True)
"""


def _journals(folder: str) -> list[str]:
    try:
        return [name for name in os.listdir(folder) if name.endswith("-journal")]
    except FileNotFoundError:
        return []


def _hot(folder: str) -> bool:
    # A journal with its header and pages written: SQLite must roll it back before reading.
    sizes = []
    for name in _journals(folder):
        try:
            sizes.append(os.path.getsize(os.path.join(folder, name)))
        except OSError:
            pass
    return any(size >= 4096 for size in sizes)


def test_a_process_killed_during_a_write_loses_only_that_write(canon_project: Project) -> None:
    """SIGKILL while a write is in progress leaves a hot journal: report rolls it back and
    reads every write before it (each of the 2,000 sites has exactly the count of the last
    finished write), instead of skipping the whole file."""
    canon_project.write({"writer.py": WRITER})
    folder = str(canon_project.root / ".compatshim")
    for _attempt in range(40):  # until a kill lands inside a write (most do)
        for name in os.listdir(folder) if os.path.isdir(folder) else ():
            if name.startswith("telemetry.db"):
                os.unlink(os.path.join(folder, name))
        proc = subprocess.Popen(
            [sys.executable, "writer.py"],
            cwd=canon_project.root,
            env=canon_project.env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # one write done: the file exists
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if _journals(folder):
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.kill()
        rest = proc.stdout.read()
        proc.wait()
        proc.stdout.close()
        if not _hot(folder):
            continue  # the write had ended (or barely begun) before the kill: try again
        done = int((first + rest).split()[-1])
        result = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
        assert result.returncode == 0, result.stderr
        assert "skipped" not in result.stderr, result.stderr
        (alias,) = json.loads(result.stdout)["aliases"]
        counts = {s["hits"] for s in alias["sites"] if s["file"] == "sites.py"}
        assert counts == {done}
        assert len([s for s in alias["sites"] if s["file"] == "sites.py"]) == 2000
        assert not _journals(folder)  # rolled back, then combined
        return
    pytest.fail("no kill landed inside a write in 40 attempts")


def test_install_uninstall_cycles_reuse_one_data_file(canon_project: Project) -> None:
    """300 install/uninstall cycles write one data file, one run; a report in the middle reads
    it without combining it (its process still runs), and nothing is counted twice."""
    result = canon_project.run(
        """
        import json, os, subprocess, sys, warnings, compatshim, _probe
        warnings.simplefilter("ignore")
        middle = None
        for cycle in range(300):
            compatshim.install()
            import old.pkg
            old.pkg.CONSTANT
            compatshim.uninstall()
            if cycle == 149:
                files = [n for n in os.listdir(".compatshim") if n.startswith("telemetry.db")]
                report = subprocess.run(
                    [sys.executable, "-m", "compatshim", "report", "--format", "json"],
                    capture_output=True, text=True, check=True,
                )
                middle = [files, json.loads(report.stdout)]
        files = [n for n in os.listdir(".compatshim") if n.startswith("telemetry.db")]
        _probe.emit([middle, files])
        """
    )
    (files_then, report_then), files_at_end = result.value
    assert len(files_then) == 1  # one data file, not 150
    assert report_then["runs"] == 1
    assert {s["line"]: s["hits"] for s in report_then["aliases"][0]["sites"]} == {6: 150, 7: 150}
    assert sorted(files_at_end) == sorted([*files_then, "telemetry.db"])  # not combined then
    result = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["runs"] == 1
    assert {s["line"]: s["hits"] for s in data["aliases"][0]["sites"]} == {6: 300, 7: 300}
    names = sorted(p.name for p in (canon_project.root / ".compatshim").iterdir())
    assert names == [".gitignore", "config.cache", "telemetry.db"]
