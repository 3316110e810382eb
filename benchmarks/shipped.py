"""What a shipped table costs at start-up (docs/performance.md): ``install_distribution()`` in
a library's import, and a project's ``install()`` with ``include``.

Usage::

    python benchmarks/shipped.py [ROUNDS]

A distribution ``mylib`` 2.0 with a shipped table of two aliases is installed by hand into a
temporary ``site-packages``. Each contender runs in a fresh interpreter, contenders interleaved
in rounds; the minimum of each is quoted. "warm" contenders import first what a real program
has imported long before a library (``re``, ``typing``, ``datetime``, ``string``, ``json``);
"bare" ones start from an empty interpreter. The baseline declares the same two aliases in code
with ``compatshim.alias()``. The projects' contenders compare ``include = ["mylib"]`` with the
same aliases in the project's own table, both from their caches, and without the include cache
(deleted before each run: the table is read through the metadata, and the cache written).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path


TABLE = """\
[tool.compatshim.aliases]
"mylib.old" = { target = "mylib.new", since = "2.0" }
"mylib.shapes:Widget" = "mylib.new:Widget"
"""
INIT = """\
import time, compatshim
t = time.perf_counter()
compatshim.install_distribution("mylib")
ELAPSED = time.perf_counter() - t
"""
WARM = "import re, typing, datetime, string, json\n"
BY_NAME = (
    "import time, compatshim\nt = time.perf_counter()\n"
    "compatshim.install_distribution('mylib')\nprint(time.perf_counter() - t)"
)
BASELINE = (
    "import time, compatshim\nt = time.perf_counter()\n"
    "compatshim.alias('mylib.old', 'mylib.new', since='2.0')\n"
    "compatshim.alias('mylib.shapes:Widget', 'mylib.new:Widget')\n"
    "print(time.perf_counter() - t)"
)
CONTENDERS = {
    "warm: alias() twice (baseline)": WARM + BASELINE,
    "warm: from the library's __init__": WARM + "import mylib; print(mylib.ELAPSED)",
    "warm: by name, through the metadata": WARM + BY_NAME,
    "bare: from the library's __init__": "import mylib; print(mylib.ELAPSED)",
    "bare: by name, through the metadata": BY_NAME,
}


def _install(site: Path) -> None:
    info = site / "mylib-2.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mylib\nVersion: 2.0\n")
    (info / "entry_points.txt").write_text("[compatshim.aliases]\nmylib = mylib\n")
    (info / "RECORD").write_text("mylib/__init__.py,,\nmylib/compatshim.toml,,\n")
    (site / "mylib").mkdir()
    (site / "mylib" / "__init__.py").write_text(INIT)
    (site / "mylib" / "compatshim.toml").write_text(TABLE)


# A project's install(): the same two aliases in its own table, or included from mylib.
INSTALL = (
    "import time\nt = time.perf_counter()\nimport compatshim\ncompatshim.install()\n"
    "print(time.perf_counter() - t)"
)
INCLUDE = '[tool.compatshim]\ninclude = ["mylib"]\n'
PROJECTS = {
    "install(): own table (baseline)": TABLE,
    "install(): include, cached": INCLUDE,
    "install(): include, no include.cache": INCLUDE,
}


def _rounds(
    contenders: dict[str, tuple[str, str | None]], env: dict[str, str], rounds: int
) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, (code, cwd) in contenders.items():
            if cwd is not None and "no include.cache" in name:
                stale = Path(cwd) / ".compatshim" / "include.cache"
                if stale.exists():
                    stale.unlink()
            out = subprocess.run(
                [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True,
                check=True,
            )  # fmt: skip
            times[name].append(float(out.stdout))
    return {name: min(values) for name, values in times.items()}


def _show(minima: dict[str, float], baseline: str) -> None:
    base = minima[baseline]
    for name, value in minima.items():
        print(f"{name:40} {value * 1000:7.2f} ms  {value / base:6.1f}x the baseline")


def main(rounds: int = 15) -> dict[str, float]:
    checkout = str(Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "lib" / "site-packages"
        _install(site)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), checkout])}
        imports = _rounds({name: (code, None) for name, code in CONTENDERS.items()}, env, rounds)
        _show(imports, "warm: alias() twice (baseline)")
        projects: dict[str, tuple[str, str | None]] = {}
        for index, (name, config) in enumerate(PROJECTS.items()):
            root = Path(folder) / f"project{index}"
            root.mkdir()
            (root / "pyproject.toml").write_text(config)
            projects[name] = (INSTALL, str(root))
        starts = _rounds(projects, env, rounds)
        print()
        _show(starts, "install(): own table (baseline)")
    return {**imports, **starts}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
