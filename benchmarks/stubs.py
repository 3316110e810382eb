"""``compatshim stubs`` for 1,000 aliases, against the floor of parsing the same sources.

The project: 400 legacy modules, 200 renamed packages (two submodules each), 200 names moved out
of ten real modules (a generated block in each) and 200 names moved off twenty modules that are
gone. Every canonical module has three annotated functions (declared again under
``@deprecated``) and a class (re-exported). Each figure is the time ``compatshim.stubs()`` takes
inside a fresh interpreter (start-up and imports not counted), the minimum of the runs; the
baseline reads and parses every canonical source file with ``ast``, which generation cannot
avoid.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from _common import Result
from _common import env
from _common import folder


ALIASES = 1000

_MODULE = """\
from __future__ import annotations

from decimal import Decimal
from typing import Optional


class Record{i}:
    def total(self) -> int:
        return {i}


def fetch{i}(key: str, *, default: Optional[int] = None) -> Record{i}:
    return Record{i}()


def price{i}(amount: Decimal, /, rate: float = 1.0) -> Decimal:
    return amount


def names{i}(*items: str, **labels: int) -> list[str]:
    return list(items)
"""

_TIME = """
import sys, time
import compatshim, compatshim._stubs.generate  # importing is not generating: not counted
start = time.perf_counter()
result = compatshim.stubs("pyproject.toml", write=sys.argv[1] == "write")
print(time.perf_counter() - start, len(result.changes) + len(result.current))
"""

_PARSE = """
import ast, os, time
start = time.perf_counter()
for folder, _, files in os.walk("canon"):
    for name in files:
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as file:
                ast.parse(file.read())
print(time.perf_counter() - start, 0)
"""


def project(where: Path) -> Path:
    """Write the 1,000-alias project into ``where``."""
    canon = where / "canon"
    canon.mkdir(parents=True)
    (canon / "__init__.py").write_text("")
    aliases = []
    for i in range(400):
        (canon / f"m{i}.py").write_text(_MODULE.format(i=i))
        aliases.append(f'"legacy.m{i}" = {{ target = "canon.m{i}", since = "2.{i % 9}" }}')
    for i in range(400, 600):
        package = canon / f"p{i}"
        package.mkdir()
        (package / "__init__.py").write_text(_MODULE.format(i=i))
        (package / "a.py").write_text(_MODULE.format(i=i))
        (package / "b.py").write_text(_MODULE.format(i=i))
        aliases.append(f'"legacy.p{i}" = "canon.p{i}"')
    for j in range(10):
        (canon / f"helpers{j}.py").write_text(f"def helper{j}() -> int:\n    return {j}\n")
    aliases += [f'"canon.helpers{i % 10}:old_fetch{i}" = "canon.m{i}:fetch{i}"' for i in range(200)]
    aliases += [f'"legacy.names{i % 20}:Old{i}" = "canon.m{i}:Record{i}"' for i in range(200, 400)]
    assert len(aliases) == ALIASES
    config = "[tool.compatshim]\ntelemetry = false\n\n[tool.compatshim.aliases]\n"
    (where / "pyproject.toml").write_text(config + "\n".join(aliases) + "\n")
    return where


def _run(script: str, where: Path, mode: str = "") -> tuple[float, int]:
    out = subprocess.run(
        [sys.executable, "-c", script, mode],
        cwd=where, env=env(), capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return float(out[0]) * 1e3, int(out[1])


def bench_stubs(quick: bool) -> Result:
    """ms for ``compatshim stubs`` over 1,000 aliases: nothing generated yet, writing, current."""
    pristine = project(folder())
    runs = 2 if quick else 7
    samples: dict[str, list[float]] = {
        "parse the canonical sources with ast (floor)": [],
        "stubs --check, nothing generated yet": [],
        "stubs --write, every file new": [],
        "stubs --check, every file current": [],
    }
    files = 0
    for _ in range(runs):
        labels = list(samples)
        samples[labels[0]].append(_run(_PARSE, pristine)[0])
        samples[labels[1]].append(_run(_TIME, pristine, "check")[0])
        fresh = folder() / "project"
        shutil.copytree(pristine, fresh)
        seconds, files = _run(_TIME, fresh, "write")
        samples[labels[2]].append(seconds)
        samples[labels[3]].append(_run(_TIME, fresh, "check")[0])
        shutil.rmtree(fresh.parent)
    values = {label: min(times) for label, times in samples.items()}
    return {"unit": f"ms for {ALIASES:,} aliases (minimum of {runs})", "values": values,
            "files": files}  # fmt: skip


BENCHMARKS = {"stubs": bench_stubs}
