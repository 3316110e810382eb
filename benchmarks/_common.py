"""What every benchmark module shares: paths, the environment of child processes, timing."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any


ROOT = Path(__file__).resolve().parent.parent

#: A benchmark: run(quick) -> {"unit": ..., "values": {label: number}, ...}; the first value is
#: the baseline the others are compared with.
Result = dict[str, Any]


def env(extra: dict[str, str] | None = None, checkout: str | None = None) -> dict[str, str]:
    """The environment of a measured child process: this checkout (or ``checkout``, another
    checkout's root) importable, bytecode cached."""
    child = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    child.pop(
        "PYTHONDONTWRITEBYTECODE", None
    )  # measure with bytecode caches, as installed code runs
    child["PYTHONPATH"] = checkout or str(ROOT)
    child.update(extra or {})
    return child


def checkouts() -> dict[str, str]:
    """The checkouts whose code a benchmark measures, by label prefix: this one (``""``) and,
    with ``COMPATSHIM_BENCH_BEFORE=<another checkout's root>``, that one first (``"before: "``),
    so that before and after are measured in one run, on the same machine load."""
    before = os.environ.get("COMPATSHIM_BENCH_BEFORE")
    if not before:
        return {"": str(ROOT)}
    return {"before: ": before, "": str(ROOT)}


_FOLDERS: list[str] = []


def folder() -> Path:
    """A fresh temporary folder, removed when the suite ends."""
    if not _FOLDERS:
        atexit.register(_remove_folders)
    _FOLDERS.append(tempfile.mkdtemp(prefix="compatshim-bench-"))
    return Path(_FOLDERS[-1])


def _remove_folders() -> None:
    for path in _FOLDERS:
        shutil.rmtree(path, ignore_errors=True)


def python(
    code: str, cwd: Path, extra: dict[str, str] | None = None, checkout: str | None = None
) -> str:
    """Run ``code`` in a fresh interpreter, with this checkout's compatshim (or ``checkout``'s:
    see :func:`checkouts`); its standard output, stripped."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env(extra, checkout),
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def wall(command: Sequence[str], cwd: Path, extra: dict[str, str] | None = None) -> float:
    """Seconds a command takes, start to exit (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(
        list(command), cwd=cwd, env=env(extra), stdout=subprocess.DEVNULL, check=False,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def alternate(runs: int, measures: dict[str, Callable[[], float]]) -> dict[str, float]:
    """Median of ``runs`` measurements of each, taken in turns (ABAB...), so that a machine that
    slows down or speeds up during the run affects every contender alike."""
    samples: dict[str, list[float]] = {label: [] for label in measures}
    labels = list(measures)
    for index in range(runs):
        for label in labels if index % 2 == 0 else reversed(labels):
            samples[label].append(measures[label]())
    return {label: statistics.median(values) for label, values in samples.items()}


def aliases_toml(count: int, *, telemetry: bool = True) -> str:
    """A ``pyproject.toml`` with ``count`` module aliases, a third with a removal schedule."""
    lines = ["[tool.compatshim]"]
    if not telemetry:
        lines.append("telemetry = false")
    lines.append("[tool.compatshim.aliases]")
    for i in range(count):
        if i % 3 == 0:
            lines.append(
                f'"legacy{i}.pkg.mod{i}" = {{ target = "canonical{i}.core.mod{i}", '
                f'since = "1.{i % 10}", removed_in = "9.0" }}'
            )
        else:
            lines.append(f'"legacy{i}.pkg.mod{i}" = "canonical{i}.core.mod{i}"')
    return "\n".join(lines) + "\n"
