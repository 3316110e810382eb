"""Telemetry: hits recorded per second, flush time, and ``report`` over 1,000,000 hits."""

from __future__ import annotations

import json
import os
import time

from _common import ROOT
from _common import Result
from _common import folder
from _common import python


_HITS = """
import json, os, time, timeit, warnings
import compatshim
from compatshim._telemetry import recorder as _telemetry
compatshim.install("pyproject.toml")
warnings.simplefilter("ignore")
import canon_bench, legacy_bench
number = {number}
access = min(timeit.repeat("m.X", globals={{"m": legacy_bench}}, number=number, repeat=5))
plain = min(timeit.repeat("m.X", globals={{"m": canon_bench}}, number=number, repeat=5))
result = {{"access": access / number * 1e9, "plain": plain / number * 1e9}}
if os.environ.get("FLUSH_SITES"):
    sites = int(os.environ["FLUSH_SITES"])
    namespace = {{"__name__": "sites"}}
    source = "".join(f"def f{{i}}(m):\\n    return m.X\\n" for i in range(sites))
    exec(compile(source, "many_sites.py", "exec"), namespace)
    functions = [namespace[f"f{{i}}"] for i in range(sites)]
    for function in functions:
        function(legacy_bench)
    start = time.perf_counter(); _telemetry.flush(); first = time.perf_counter() - start
    for function in functions:
        function(legacy_bench)
    start = time.perf_counter(); _telemetry.flush(); again = time.perf_counter() - start
    result.update(first_flush=first * 1e3, next_flush=again * 1e3)
print(json.dumps(result))
"""


def bench_telemetry(quick: bool) -> Result:
    """ns per recorded hit (and hits per second), telemetry on and off; flush of new sites."""
    where = folder()
    (where / "canon_bench.py").write_text("X = 1\n")
    (where / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"legacy_bench" = "canon_bench"\n'
    )
    script = _HITS.format(number=200_000 if quick else 1_000_000)
    sites = 1000 if quick else 10_000
    on = json.loads(python(script, where, {"FLUSH_SITES": str(sites)}))
    off = json.loads(python(script, where, {"COMPATSHIM_TELEMETRY": "0"}))
    return {
        "unit": "ns per access (flush: ms)",
        "values": {
            "plain module (baseline)": on["plain"],
            "legacy module, telemetry on (recorded)": on["access"],
            "legacy module, telemetry off": off["access"],
            f"flush of {sites:,} new sites (ms)": on["first_flush"],
            f"flush of {sites:,} changed sites (ms)": on["next_flush"],
        },
        "hits_per_second": 1e9 / on["access"],
    }


def bench_report(quick: bool) -> Result:
    """ms for ``compatshim report`` over 1,000,000 recorded hits, in two shapes of data."""
    import sys

    sys.path.insert(0, str(ROOT))
    from compatshim._telemetry import report as _report
    from compatshim._telemetry.store import Hit
    from compatshim._telemetry.writer import DataFile

    results = {}
    shapes = [(10_000, 1)] if quick else [(10_000, 1), (100_000, 10)]
    for sites, contexts in shapes:
        path = str(folder() / "data.db")
        run = {
            "uuid": "bench", "host": "h", "pid": 1, "started": 0.0, "argv": "[]",
            "python": "3", "compatshim": "0", "root": str(folder()),
        }  # fmt: skip
        data = DataFile(path, run)
        per_row = 1_000_000 // (sites * contexts)
        aliases = [(f"legacy{i}", f"canonical{i}", None, None, None) for i in range(100)]
        data.write(
            Hit(
                aliases[s % 100],
                aliases[s % 100][0],
                (f"pkg/mod{s // 50}.py", s % 50 + 1, "pkg"),
                f"test_{c}",
                per_row,
                1.0,
                2.0,
            )
            for s in range(sites)
            for c in range(contexts)
        )
        data.end(3.0)
        data.close()
        start = time.perf_counter()
        report = _report.load(None, [path])
        text = report.render("text", 100)
        elapsed = time.perf_counter() - start
        assert sum(a.hits for a in report.aliases.values()) == 1_000_000
        assert text
        results[f"{sites * contexts:,} rows, {sites:,} sites"] = elapsed * 1e3
    return {"unit": "ms for report over 1,000,000 hits", "values": results}


def make_process_files(data_file: str, count: int, hits: int = 7) -> None:
    """``count`` per-process files of finished runs (of another host) next to ``data_file``,
    each a copy of one file with its own run UUID: what a busy CI leaves behind."""
    import shutil
    import sqlite3
    import sys
    import uuid

    sys.path.insert(0, str(ROOT))
    from compatshim._telemetry.store import Hit
    from compatshim._telemetry.writer import DataFile

    template = data_file + ".template"
    run = {
        "uuid": "x", "host": "elsewhere", "pid": 1, "started": 1.0, "argv": "[]",
        "python": "3", "compatshim": "0", "root": "/project",
    }  # fmt: skip
    data = DataFile(template, run)
    alias = ("legacy0", "canonical0", None, None, None)
    data.write(
        Hit(alias, "legacy0", (f"pkg/mod{i}.py", 1, "pkg"), "", hits, 1.0, 2.0) for i in range(5)
    )
    data.end(3.0)
    data.close()
    for i in range(count):
        name = f"{data_file}.elsewhere.{i + 1}.{i:08x}"
        shutil.copyfile(template, name)
        db = sqlite3.connect(name)
        db.execute("UPDATE run SET uuid = ?", (uuid.uuid4().hex,))
        db.commit()
        db.close()
    os.unlink(template)


_LOAD = """
import json, sys, time
from compatshim._telemetry import report
wall, cpu = time.perf_counter(), time.process_time()
data = report.load(sys.argv[1])
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert sum(a.hits for a in data.aliases.values()) == int(sys.argv[2]), "counted wrong"
print(json.dumps({"wall": wall, "cpu": cpu}))
"""


def bench_report_files(quick: bool) -> Result:
    """s for ``compatshim report`` (``report.load`` in a fresh interpreter) combining 10,000
    per-process files (1,000 with --quick): this checkout against a baseline checkout
    (``COMPATSHIM_BASELINE``, a folder holding the ``compatshim`` package of the version to
    compare with), in turns, minima of 3 rounds; wall time and CPU time."""
    import subprocess
    import sys

    count = 1_000 if quick else 10_000
    template = folder() / ".compatshim"
    template.mkdir()
    make_process_files(str(template / "telemetry.db"), count)
    contenders = {"this checkout": str(ROOT)}
    if os.environ.get("COMPATSHIM_BASELINE"):
        contenders = {"baseline": os.environ["COMPATSHIM_BASELINE"], **contenders}
    best: dict[str, dict[str, float]] = {}
    for _ in range(1 if quick else 3):
        for label, path in contenders.items():
            import shutil

            where = folder() / ".compatshim"
            shutil.copytree(template, where)
            os.sync()  # the files on disk, as a report finds them (deleting costs more then)
            data_file = str(where / "telemetry.db")
            out = subprocess.run(
                [sys.executable, "-c", _LOAD, data_file, str(count * 35)],
                env={**os.environ, "PYTHONPATH": path},
                capture_output=True, text=True, check=True,
                cwd=where.parent,  # not this checkout: "-c" puts the current folder first
            ).stdout  # fmt: skip
            result = json.loads(out)
            assert os.listdir(where) == ["telemetry.db"], "not every file combined"
            for key, value in result.items():
                mine = best.setdefault(label, {})
                mine[key] = min(mine.get(key, float("inf")), value)
            shutil.rmtree(where.parent)
    values = {}
    for label, figures in best.items():
        values[f"{label}: report combining {count:,} files, wall"] = figures["wall"]
        values[f"{label}: the same, CPU"] = figures["cpu"]
    return {"unit": "s", "values": values}


_POOL = """
import json, multiprocessing, signal, sys, time, timeit, warnings
import compatshim
compatshim.install("pyproject.toml")
warnings.simplefilter("ignore")
import pool_tasks

if __name__ == "__main__":
    tasks = {tasks}
    best = float("inf")
    for _ in range(3):
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pool.map(pool_tasks.task, range(100), chunksize=1)  # workers started and watched
            start = time.perf_counter()
            pool.map(pool_tasks.task, range(tasks), chunksize=1)
            best = min(best, time.perf_counter() - start)
    mask = [signal.SIGTERM]
    pair = min(timeit.repeat(
        "block(signal.SIG_BLOCK, mask); block(signal.SIG_UNBLOCK, mask)",
        globals={{"block": signal.pthread_sigmask, "signal": signal, "mask": mask}},
        number=100_000, repeat=5)) / 100_000
    print(json.dumps({{"task": best / tasks * 1e6, "pair": pair * 1e6}}))
"""


def bench_pool(quick: bool) -> Result:
    """us per task of a 2-worker pool (map, chunksize=1, one legacy use per task): the cost of
    blocking SIGTERM while a worker waits (see compatshim/_telemetry/poolworker.py), telemetry on/off."""
    where = folder()
    (where / "canon_bench.py").write_text("X = 1\n")
    (where / "pool_tasks.py").write_text(
        "import legacy_bench\n\ndef task(n):\n    return legacy_bench.X\n"
    )
    (where / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"legacy_bench" = "canon_bench"\n'
    )
    script = _POOL.format(tasks=5_000 if quick else 50_000)
    off = json.loads(python(script, where, {"COMPATSHIM_TELEMETRY": "0"}))
    on = json.loads(python(script, where))
    return {
        "unit": "us per pool task (sigmask: us per block/unblock pair)",
        "values": {
            "pool task, telemetry off (baseline)": off["task"],
            "pool task, telemetry on (SIGTERM blocked while waiting)": on["task"],
            "pthread_sigmask block + unblock": on["pair"],
        },
    }


BENCHMARKS = {
    "telemetry": bench_telemetry,
    "report": bench_report,
    "report-files": bench_report_files,
    "pool": bench_pool,
}
