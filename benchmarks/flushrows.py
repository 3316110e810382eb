"""The telemetry writer alone: ``DataFile.write`` of many rows, and what the writer keeps.

* ``flush_rows``: ms for ``DataFile.write`` of 100,000 rows of new sites into a data file that
  exists, then of the same rows with changed counts (what a flush hands the writer: one row per
  site, 100 aliases, 50 lines per file, no context), in fresh interpreters, each checkout's in
  turn, minima of 5 rounds; and the bytes per site the ``DataFile`` still holds after both
  writes (tracemalloc, the rows themselves freed). ``--quick``: 10,000 rows, 2 rounds.

Set ``COMPATSHIM_BENCH_BEFORE`` to another checkout's root to measure its writer in the same run.
"""

from __future__ import annotations

import json

from _common import Result
from _common import checkouts
from _common import folder
from _common import python


_WRITE = """
import gc, json, os, shutil, sys, tempfile, time, tracemalloc
from compatshim._telemetry.store import Hit
from compatshim._telemetry.writer import DataFile

rows, mode = int(sys.argv[1]), sys.argv[2]
run = {
    "uuid": "bench", "host": "h", "pid": 1, "started": 0.0, "argv": "[]", "python": "3",
    "compatshim": "0", "root": "/project",
}
aliases = [(f"legacy{i}", f"canonical{i}", None, None, None) for i in range(100)]

def batch(hits):
    return [
        Hit(aliases[s % 100], aliases[s % 100][0], (f"pkg/mod{s // 50}.py", s % 50 + 1, "pkg"),
            "", hits, 1.0, 2.0)
        for s in range(rows)
    ]

new, changed = batch(1), batch(2)
where = tempfile.mkdtemp(dir=os.getcwd())
data = DataFile(os.path.join(where, "telemetry.db"), run)
data.write(new[:1])  # the file created and opened: not what is measured
if mode == "time":
    start = time.perf_counter()
    data.write(new)
    middle = time.perf_counter()
    data.write(changed)
    end = time.perf_counter()
    out = {"new": (middle - start) * 1e3, "changed": (end - middle) * 1e3}
else:
    gc.collect()
    tracemalloc.start()
    data.write(new)
    data.write(changed)
    del new, changed
    gc.collect()
    out = {"bytes": tracemalloc.get_traced_memory()[0] / rows}
    tracemalloc.stop()
data.close()
shutil.rmtree(where)
print(json.dumps(out))
"""


def bench_flush_rows(quick: bool) -> Result:
    """ms for ``DataFile.write`` of new rows, then of the same rows changed; bytes kept."""
    where = folder()
    rows, rounds = (10_000, 2) if quick else (100_000, 5)
    roots = checkouts()

    def measure(label: str, mode: str) -> dict[str, float]:
        script = _WRITE.replace("sys.argv[1]", str(rows)).replace("sys.argv[2]", repr(mode))
        result: dict[str, float] = json.loads(python(script, where, None, roots[label]))
        return result

    best: dict[str, dict[str, float]] = {label: {} for label in roots}
    for index in range(rounds):  # each checkout's process in turn: a changing load hits both
        for label in list(roots) if index % 2 == 0 else reversed(list(roots)):
            for key, ms in measure(label, "time").items():
                best[label][key] = min(best[label].get(key, ms), ms)
    values = {}
    for label, figures in best.items():
        values[f"{label}{rows:,} new rows"] = figures["new"]
        values[f"{label}{rows:,} changed rows"] = figures["changed"]
    # Deterministic (tracemalloc counts bytes): one process per checkout.
    retained = {f"{label}DataFile": round(measure(label, "retain")["bytes"], 1) for label in roots}
    return {
        "unit": "ms per DataFile.write (minimum)",
        "values": values,
        "rows": rows,
        "bytes_retained_per_site": retained,
    }


BENCHMARKS = {"flush_rows": bench_flush_rows}
