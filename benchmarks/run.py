"""compatshim's benchmark suite: every figure is a ratio against a baseline measured in the same run.

Usage::

    python benchmarks/run.py                  # full run (about 6 minutes on two cores)
    python benchmarks/run.py --quick          # a smoke run for CI (no assertions on time)
    python benchmarks/run.py scan migrate     # some benchmarks only
    python benchmarks/run.py --json out.json --svg docs/performance-growth.svg

``COMPATSHIM_BENCH_BEFORE=<another checkout's root>`` makes the benchmarks that support it
(``firstuse``, ``memory``, ``flushrows``) measure that checkout's code too, in the same run.

The peers (debtcollector, deprecated, pyDeprecate, lazy_loader, apipkg, libcst, ruff) come with
``pip install -e ".[bench]"``; a peer that is not installed is left out and said so. The modules:

* ``runtime``: per-access cost, first import, first warning at a new line, the finder's miss cost
  as the alias table grows, a fresh interpreter importing ~100 modules, start-up;
* ``runstart``: what ``compatshim run`` adds to starting a Python process (each subprocess,
  and the command line itself);
* ``factories``: objects made through a factory, with a factory rule and without;
* ``firstuse``: the first legacy import and read with telemetry on and off, the cost of each new
  site (time, instructions, Python calls), a flush with nothing changed, and the instructions
  ``import compatshim`` and ``install()`` cost;
* ``memory``: resident size added by aliases and by recorded sites; bytes per site, recorded
  and after a flush;
* ``telemetry``: hits per second, flush time, ``report`` over 1,000,000 hits;
* ``flushrows``: ``DataFile.write`` of 100,000 new rows, then changed ones, and the bytes per site
  the writer keeps;
* ``otel``: the per-read cost with the OpenTelemetry export on and off, and what it adds to a
  flush (needs the ``otel`` extra);
* ``static``: ``scan`` against ruff's TID251, ``migrate`` against libcst's RenameCommand, and
  ``scan`` writing 2,000,000 findings (time and peak memory: the output is streamed);
* ``stubs``: ``compatshim stubs`` for 1,000 aliases against parsing the same sources.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


sys.path.insert(0, str(Path(__file__).resolve().parent))

import factories
import firstuse
import flushrows
import memory
import otel
import plot
import runstart
import runtime
import static
import stubs
import telemetry
from _common import checkouts
from _common import env


BENCHMARKS = {
    **runtime.BENCHMARKS,
    **runstart.BENCHMARKS,
    **factories.BENCHMARKS,
    **firstuse.BENCHMARKS,
    **memory.BENCHMARKS,
    **telemetry.BENCHMARKS,
    **flushrows.BENCHMARKS,
    **otel.BENCHMARKS,
    **static.BENCHMARKS,
    **stubs.BENCHMARKS,
}
_NOTES = (
    "ratio",
    "speedup",
    "bytes_per_site",
    "bytes_per_site_shared_code",
    "bytes_per_site_after_flush",
    "bytes_retained_per_site",
    "before",
    "computed_overhead",
    "hits_per_second",
    "findings",
    "peak_mb",
    "after",
    "tree",
    "whole_tree",
    "files",
    "per_object",
    "python_calls_per_site",
    "instructions_per_site",
)


def _print(results: dict[str, Any]) -> None:
    for name, result in results.items():
        if name in ("machine", "command"):
            continue
        print(f"\n{name} ({result['unit']})")
        values = result.get("values", {})
        base = next(iter(values.values()), None)
        for label, value in values.items():
            ratio = f"x{value / base:.2f}" if base else ""
            print(f"  {label:<46} {value:>10.2f}   {ratio}")
        for key in _NOTES:
            if key in result:
                print(f"  {key}: {result[key]}")
        if "skipped" in result:
            print(f"  skipped: {result['skipped']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--svg", metavar="FILE", help="also draw how the costs grow, as SVG")
    parser.add_argument("only", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run")
    args = parser.parse_args(argv)
    # Measure compiled code, as installed packages run (COMPATSHIM_BENCH_BEFORE's too).
    for checkout in checkouts().values():
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(Path(checkout) / "compatshim")],
            check=True,
            env=env(None, checkout),
            capture_output=True,
        )
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "command": " ".join(["python", "benchmarks/run.py", *(argv or sys.argv[1:])]),
    }
    for name in args.only or BENCHMARKS:
        started = time.perf_counter()
        results[name] = BENCHMARKS[name](args.quick)
        results[name]["seconds"] = time.perf_counter() - started
        print(f"[{name}: {results[name]['seconds']:.1f} s]", file=sys.stderr)
    print(f"compatshim benchmarks on Python {results['machine']['python']}")
    _print(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if args.svg:
        chart = plot.svg(results)
        if chart is not None:
            Path(args.svg).write_text(chart)
    return 0


if __name__ == "__main__":
    sys.exit(main())
