"""Where ``compatshim report --output`` writes: ``-`` and ``/dev/stdout`` are standard output,
written directly (never a temporary file renamed over a device, or over the file the shell
redirected standard output to); a FIFO or a device is written directly (a FIFO nobody reads is an
error, not a hang); a symbolic link compatshim did not create is refused with a slug, no
traceback; a regular file is replaced atomically."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import Project

from compatshim._base.safeio import LinkRefused
from compatshim._base.safeio import write_output


def _some_data(project: Project) -> None:
    project.write({"app.py": "import old.pkg\nfor _ in range(3):\n    old.pkg.helper()\n"})
    project.command(["-m", "compatshim", "run", "--", "python", "app.py"], check=True)


@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
def test_stdout_targets_write_standard_output(canon_project: Project, target: str) -> None:
    _some_data(canon_project)
    result = canon_project.command(["-m", "compatshim", "report", "--output", target])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("compatshim report: 1 legacy path used")
    assert not (canon_project.root / "-").exists()


def test_dev_stdout_redirected_to_a_file_writes_that_file(canon_project: Project) -> None:
    # The shell holds the file open: a rename over it would leave the output in a file nobody
    # sees, and an empty one where the user looks.
    _some_data(canon_project)
    out = canon_project.root / "out.txt"
    with out.open("w") as handle:
        handle.write("header\n")  # (echo header; compatshim report --output /dev/stdout) > out
        handle.flush()
        subprocess.run(
            [sys.executable, "-m", "compatshim", "report", "--output", "/dev/stdout"],
            cwd=canon_project.root,
            env=canon_project.env(None),
            stdout=handle,
            check=True,
        )
    assert out.read_text().startswith("header\ncompatshim report: 1 legacy path used")


def test_a_symbolic_link_is_refused(canon_project: Project) -> None:
    _some_data(canon_project)
    real = canon_project.root / "real.md"
    real.write_text("mine")
    link = canon_project.root / "link.md"
    link.symlink_to(real)
    result = canon_project.command(["-m", "compatshim", "report", "--output", str(link)])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "report-output-link" in result.stderr and len(result.stderr.splitlines()) == 1
    assert real.read_text() == "mine" and link.is_symlink()


def test_a_fifo_is_written_directly_and_one_nobody_reads_is_an_error(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=os.strerror(errno.ENXIO)):  # at once, never a hang
        write_output(str(fifo), b"lost")
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    while True:  # the reader has the FIFO open once a non-blocking open for writing succeeds
        try:
            write_output(str(fifo), b"report\n")
            break
        except OSError:
            continue
    reader.join()
    assert got == [b"report\n"]
    assert fifo.exists() and not fifo.is_file()


def test_devices_regular_files_and_links(tmp_path: Path) -> None:
    write_output(os.devnull, b"nothing")
    target = tmp_path / "report.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_output(str(target), b"new")
    assert target.read_bytes() == b"new" and (target.stat().st_mode & 0o777) == 0o640
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "missing")
    with pytest.raises(LinkRefused):
        write_output(str(link), b"x")
    assert not (tmp_path / "missing").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "report.txt"]
