"""SIGTERM or SIGINT to ``compatshim migrate --write`` in the middle of a large tree: every file
is left as it was or fully migrated, no temporary file is left behind, no worker stays, and the
command says so in one line (exit 143 for SIGTERM, 130 for SIGINT), never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


CONFIG = '[tool.compatshim.aliases]\n"pkg.old" = "pkg.new"\n'
BEFORE = "import pkg.old\n" + "".join(f"x{i} = pkg.old.f({i})\n" for i in range(60))
AFTER = BEFORE.replace("pkg.old", "pkg.new")
FILES = 420  # above the size that starts worker processes


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_write_leaves_each_file_old_or_new(
    tmp_path: Path, sig: signal.Signals, status: int
) -> None:
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    for index in range(FILES):
        (tmp_path / f"m{index:04d}.py").write_text(BEFORE)
    process = subprocess.Popen(
        [sys.executable, "-m", "compatshim", "migrate", "--write", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    first = tmp_path / "m0000.py"
    while process.poll() is None and first.read_text() == BEFORE:  # writing has begun
        time.sleep(0.005)
    process.send_signal(sig)
    _, err = process.communicate(timeout=300)
    if process.returncode == 0:
        pytest.skip("the run ended before the signal came")  # (a very fast machine)
    assert process.returncode == status, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        "compatshim: terminated" if sig == signal.SIGTERM else "compatshim: interrupted"
    )
    contents = {path.name: path.read_text() for path in tmp_path.glob("m*.py")}
    assert len(contents) == FILES
    assert set(contents.values()) <= {BEFORE, AFTER}
    assert AFTER in contents.values() and BEFORE in contents.values()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    # A later run finishes the job and ignores whatever a kill could leave.
    again = subprocess.run(
        [sys.executable, "-m", "compatshim", "migrate", "--write", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert {path.read_text() for path in tmp_path.glob("m*.py")} == {AFTER}


class _Stop(Exception):
    pass


def _stop(signum: int, frame: object) -> None:
    raise _Stop


def _signal_inside(reached: list[bool]) -> None:
    from compatshim._static.source import _signals_held

    with _signals_held():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler would run at one of these instructions
            time.sleep(0)
        reached.append(True)


def test_a_signal_is_held_until_the_file_is_in_place() -> None:
    # Deterministic: the signal comes inside the block; its handler runs once the block is over.
    previous = signal.signal(signal.SIGTERM, _stop)
    reached: list[bool] = []
    try:
        with pytest.raises(_Stop):
            _signal_inside(reached)
        assert reached == [True]
        assert signal.getsignal(signal.SIGTERM) is _stop
    finally:
        signal.signal(signal.SIGTERM, previous)
