"""What a program pays once: its first legacy import, each new site, and an idle flush.

* ``first_use``: ms for the first ``import legacy.mod`` and its first read in a fresh interpreter,
  telemetry on (the default) and off, in turns, minima.
* ``new_site``: the first read at each of 2,000 new lines (one small function each), against a
  PEP 562 ``__getattr__`` shim that warns: us per site (minima of interleaved runs), CPU
  instructions per site (valgrind's callgrind, when installed: repeatable on a busy machine)
  and Python-level calls per site (``sys.setprofile``).
* ``reads``: ns per read at a site seen before, against the bare forwarder, in a tight loop and
  from fresh frames.
* ``idle_flush``: us per flush with 100,000 recorded sites, none changed since the last flush.
* ``import_cost``: CPU instructions (callgrind) that ``import compatshim`` adds to ``python -c
  pass``, and ``import compatshim`` with ``install()`` (three aliases, the configuration cached,
  telemetry on): what every program that uses compatshim pays before its first legacy import.

Set ``COMPATSHIM_BENCH_BEFORE`` to another checkout's root to measure its code in the same run
(each contender then appears twice, "before" and "after").
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import peers
from _common import ROOT
from _common import Result
from _common import checkouts
from _common import env
from _common import folder


def _run(args: list[str], cwd: Path, code: str, extra: dict[str, str] | None = None) -> str:
    child = env(extra)
    child["PYTHONPATH"] = code
    return subprocess.run(
        args, cwd=cwd, env=child, capture_output=True, text=True, check=True
    ).stdout.strip()


_FIRST_USE = """
import sys, time, warnings
warnings.simplefilter("ignore")
import compatshim
compatshim.install("pyproject.toml")
import canon_bench.mod
start = time.perf_counter()
import cs_legacy.mod
cs_legacy.mod.X
print(time.perf_counter() - start)
"""


def bench_first_use(quick: bool) -> Result:
    """ms for a fresh interpreter's first legacy import and read, telemetry on and off."""
    where = folder()
    peers.write(where)
    on = folder()
    peers.write(on, peers.CONFIG.replace("telemetry = false\n", ""))
    for path in (where, on):
        (path / "first.py").write_text(_FIRST_USE)
    contenders = {}
    for label, code in checkouts().items():
        contenders[f"{label}telemetry off (baseline)"] = (where, code)
        contenders[f"{label}telemetry on"] = (on, code)
    samples: dict[str, list[float]] = {label: [] for label in contenders}
    for index in range(5 if quick else 25):
        for label in list(contenders) if index % 2 == 0 else reversed(list(contenders)):
            cwd, code = contenders[label]
            out = _run([sys.executable, "first.py"], cwd, code)
            samples[label].append(float(out) * 1e3)
    values = {label: min(times) for label, times in samples.items()}
    return {"unit": "ms, first import and read (minimum)", "values": values}


_NEW_SITES = """
import sys, time, warnings
import compatshim
from compatshim._telemetry import flushing, recorder
# Writes are not part of a site's cost (the flusher's thread does them; idle_flush and the
# telemetry benchmarks measure them): none happens here, not even at exit (posix._exit).
recorder.FLUSH_INTERVAL = flushing.PERIODIC_INTERVAL = 1e9
compatshim.install("pyproject.toml")
import canon_bench.mod
warnings.simplefilter("default")
warnings.showwarning = lambda *args, **kwargs: None
package, sites, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
module = __import__(package + ".mod", fromlist=["mod"])
module.X  # the import's own first use is not a new site of the loop below
namespace = {"__name__": "sites"}
exec(compile("".join(f"def f{i}(m):\\n    return m.X\\n" for i in range(sites)), "sites.py", "exec"), namespace)
functions = [namespace[f"f{i}"] for i in range(sites)]
if mode == "time":
    start = time.perf_counter()
    for function in functions:
        function(module)
    print(time.perf_counter() - start)
elif mode == "calls":
    calls = 0
    def profile(frame, event, arg):
        global calls
        if event == "call":
            calls += 1
    sys.setprofile(profile)
    for function in functions:
        function(module)
    sys.setprofile(None)
    print((calls - sites) / sites)  # less the site's own function
elif mode == "run":
    for function in functions:
        function(module)
import posix
posix._exit(0)
"""


def _instructions(
    args: list[str], cwd: Path, code: str, extra: dict[str, str] | None = None
) -> int:
    with tempfile.TemporaryDirectory() as out:
        child = env(extra)
        child["PYTHONPATH"] = code
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg", *args],
            cwd=cwd, env=child, capture_output=True, text=True, check=True,
        )  # fmt: skip
    found = re.search(r"Collected : (\d+)", proc.stderr)
    assert found, proc.stderr
    return int(found.group(1))


def bench_new_site(quick: bool) -> Result:
    """us, instructions and Python calls per first use at a new line, against a PEP 562 shim."""
    where = folder()
    peers.write(where, peers.CONFIG.replace("telemetry = false\n", ""))
    (where / "sites.py").write_text(_NEW_SITES)
    sites = 2000
    contenders = {"PEP 562 shim that warns (baseline)": ("pep562_legacy", str(ROOT))}
    for label, code in checkouts().items():
        contenders[f"{label}compatshim"] = ("cs_legacy", code)
    samples: dict[str, list[float]] = {label: [] for label in contenders}
    for index in range(5 if quick else 21):
        for label in list(contenders) if index % 2 == 0 else reversed(list(contenders)):
            package, code = contenders[label]
            out = _run([sys.executable, "sites.py", package, str(sites), "time"], where, code)
            samples[label].append(float(out) / sites * 1e6)
    values = {label: min(times) for label, times in samples.items()}
    result: Result = {"unit": "us per new site (minimum)", "values": values, "sites": sites}
    calls = {}
    for label, (package, code) in contenders.items():
        out = _run([sys.executable, "sites.py", package, str(sites), "calls"], where, code)
        calls[label] = float(out)
    result["python_calls_per_site"] = calls
    if shutil.which("valgrind"):
        counted = {}
        for label, (package, code) in contenders.items():
            args = [sys.executable, "sites.py", package, str(sites)]
            ran = _instructions([*args, "run"], where, code)
            idle = _instructions([*args, "none"], where, code)
            counted[label] = round((ran - idle) / sites)
        result["instructions_per_site"] = counted
    return result


_IDLE_FLUSH = """
import sys, time, warnings
import compatshim
from compatshim._telemetry.recorder import recorder
compatshim.install("pyproject.toml")
warnings.simplefilter("ignore")
import cs_legacy.mod
sites = int(sys.argv[1])
namespace = {"__name__": "sites"}
exec(compile("".join(f"def f{i}(m):\\n    return m.X\\n" for i in range(sites)), "sites.py", "exec"), namespace)
for i in range(sites):
    namespace[f"f{i}"](cs_legacy.mod)
recorder.flush()
best = float("inf")
for _ in range(20):
    start = time.perf_counter()
    recorder.flush()
    best = min(best, time.perf_counter() - start)
print(best)
"""


def bench_idle_flush(quick: bool) -> Result:
    """us per flush when nothing changed since the last one, at 100,000 recorded sites."""
    where = folder()
    peers.write(where, peers.CONFIG.replace("telemetry = false\n", ""))
    (where / "idle.py").write_text(_IDLE_FLUSH)
    sites = 10_000 if quick else 100_000
    values = {}
    for label, code in checkouts().items():
        out = _run([sys.executable, "idle.py", str(sites)], where, code)
        values[f"{label}compatshim"] = float(out) * 1e6
    return {"unit": f"us per flush, {sites:,} sites, none changed", "values": values}


_READS = """
import json, sys, timeit, warnings
import compatshim
compatshim.install("pyproject.toml")
warnings.simplefilter("ignore")
import canon_bench.mod, bare_legacy.mod, cs_legacy.mod
number, repeat = int(sys.argv[1]), int(sys.argv[2])
def read(m):
    return m.X
contenders = {"bare": bare_legacy.mod, "compatshim": cs_legacy.mod, "canonical": canon_bench.mod}
best = {f"{name}, {how}": float("inf") for name in contenders for how in ("loop", "frames")}
for _ in range(repeat):  # interleaved short rounds
    for name, module in contenders.items():
        loop = timeit.timeit("m.X", globals={"m": module}, number=number)
        frames = timeit.timeit("f(m)", globals={"m": module, "f": read}, number=number)
        best[f"{name}, loop"] = min(best[f"{name}, loop"], loop / number * 1e9)
        best[f"{name}, frames"] = min(best[f"{name}, frames"], frames / number * 1e9)
print(json.dumps(best))
"""


def bench_reads(quick: bool) -> Result:
    """ns per read through the legacy module at a site seen before, against the bare forwarder
    (a PEP 562 ``__getattr__`` that forwards), in a tight loop and from fresh frames (the read
    inside a called function, which must build a frame object for ``sys._getframe``)."""
    import json

    where = folder()
    peers.write(where, peers.CONFIG.replace("telemetry = false\n", ""))
    (where / "reads.py").write_text(_READS)
    number, rounds = ("20000", 3) if quick else ("100000", 15)
    values: dict[str, float] = {}
    roots = checkouts()
    for index in range(rounds):  # each checkout's process in turn: a changing load hits both
        for label in list(roots) if index % 2 == 0 else reversed(list(roots)):
            out = json.loads(_run([sys.executable, "reads.py", number, "2"], where, roots[label]))
            found = {
                "bare forwarder, loop (baseline)": out["bare, loop"],
                "bare forwarder, from fresh frames": out["bare, frames"],
                "canonical module, from fresh frames": out["canonical, frames"],
                f"{label}compatshim, loop": out["compatshim, loop"],
                f"{label}compatshim, from fresh frames": out["compatshim, frames"],
            }
            for key, ns in found.items():
                values[key] = min(values.get(key, ns), ns)
    return {"unit": "ns per read (minimum)", "values": values}


_STARTS = {
    "import compatshim": "import compatshim",
    "import compatshim + install()": "import compatshim\ncompatshim.install()",
}


def bench_import_cost(quick: bool) -> Result:
    """Million instructions that ``import compatshim`` (and that with ``install()``) adds to
    ``python -c pass``, under callgrind, ``PYTHONHASHSEED=0``, bytecode compiled: repeatable on
    a busy machine, where start-up times of a few ms are not."""
    if not shutil.which("valgrind"):
        return {"unit": "million instructions", "values": {}, "skipped": "valgrind not found"}
    where = folder()
    peers.write(where, peers.CONFIG.replace("telemetry = false\n", ""))
    seeded = {"PYTHONHASHSEED": "0"}
    values: dict[str, float] = {}
    for label, code in checkouts().items():
        _run([sys.executable, "-m", "compileall", "-q", f"{code}/compatshim"], where, code)
        _run([sys.executable, "-c", _STARTS["import compatshim + install()"]], where, code)  # cache
        base = _instructions([sys.executable, "-c", "pass"], where, code, seeded)
        for name, start in _STARTS.items():
            ran = _instructions([sys.executable, "-c", start], where, code, seeded)
            values[f"{label}{name}"] = (ran - base) / 1e6
    result: Result = {"unit": "million instructions above python -c pass", "values": values}
    if len(checkouts()) > 1:
        result["ratio"] = {
            name: round(values[name] / values[f"before: {name}"], 3) for name in _STARTS
        }
    return result


BENCHMARKS = {
    "reads": bench_reads,
    "first_use": bench_first_use,
    "new_site": bench_new_site,
    "idle_flush": bench_idle_flush,
    "import_cost": bench_import_cost,
}
