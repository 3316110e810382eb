"""The OpenTelemetry export: the per-read cost with it on and off, and what it adds to a flush."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from _common import Result
from _common import env
from _common import folder
from _common import python


_SCRIPT = """
import http.server, json, os, threading, time, timeit, warnings

class Collector(http.server.BaseHTTPRequestHandler):  # an OTLP/HTTP endpoint that accepts all
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
threading.Thread(target=server.serve_forever, daemon=True).start()
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{{server.server_port}}"

import compatshim
from compatshim._telemetry import recorder as _telemetry
compatshim.install("pyproject.toml")
warnings.simplefilter("ignore")
import canon_bench, legacy_bench
legacy_bench.X  # the first use: the flusher starts, and with otel on imports the SDK
warm = time.perf_counter()
if os.environ.get("COMPATSHIM_OTEL") == "1":
    from compatshim._telemetry import otel
    while otel.exporter._pipeline is None and time.perf_counter() - warm < 60:
        time.sleep(0.01)
warm = time.perf_counter() - warm
number = {number}
access = min(timeit.repeat("m.X", globals={{"m": legacy_bench}}, number=number, repeat=5))
result = {{"access": access / number * 1e9, "warm": warm * 1e3}}
if os.environ.get("COMPATSHIM_OTEL") == "1":
    from compatshim._telemetry import otel
    sites = {sites}
    namespace = {{"__name__": "sites"}}
    source = "".join(f"def f{{i}}(m):\\n    return m.X\\n" for i in range(sites))
    exec(compile(source, "many_sites.py", "exec"), namespace)
    functions = [namespace[f"f{{i}}"] for i in range(sites)]
    for function in functions:
        function(legacy_bench)
    _telemetry.flush()
    otel.exporter.deliver()  # the pipeline made (as the flusher does)
    otel.exporter.publish(_telemetry.recorder.summary())  # the first counts
    best = {{}}
    for _ in range(5):
        for function in functions:
            function(legacy_bench)
        start = time.perf_counter(); _telemetry.flush(); flushed = time.perf_counter()
        otel.exporter.publish(_telemetry.recorder.summary()); published = time.perf_counter()
        otel.exporter._pipeline.reader.collect(); exported = time.perf_counter()
        for key, value in (("file", flushed - start), ("publish", published - flushed),
                           ("export", exported - published)):
            best[key] = min(best.get(key, 1e9), value * 1e3)
    # As many series as sites: 100 aliases with 100 sites each (within the bound).
    wide = otel.Export()
    totals = [(f"old{{a}}", f"new{{a}}", f"app.py:{{s}}", 1) for a in range(100) for s in range(100)]
    wide.deliver()
    wide.publish(totals)
    for n in range(2, 7):
        totals = [(legacy, canonical, site, n) for legacy, canonical, site, _ in totals]
        start = time.perf_counter(); wide.publish(totals); published = time.perf_counter()
        wide._pipeline.reader.collect(); exported = time.perf_counter()
        best["wide_publish"] = min(best.get("wide_publish", 1e9), (published - start) * 1e3)
        best["wide_export"] = min(best.get("wide_export", 1e9), (exported - published) * 1e3)
    result.update(best)
print(json.dumps(result))
"""


def bench_otel(quick: bool) -> Result:
    """ns per access through a legacy path with the OpenTelemetry export off and on (telemetry
    on in both: the per-read path is the same code); ms that the export adds to a flush of
    10,000 changed sites of one alias (101 series: the bound), and for 10,000 series."""
    where = folder()
    (where / "canon_bench.py").write_text("X = 1\n")
    (where / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"legacy_bench" = "canon_bench"\n'
    )
    sites = 1000 if quick else 10_000
    script = _SCRIPT.format(number=200_000 if quick else 1_000_000, sites=sites)
    best: dict[str, dict[str, float]] = {"off": {}, "on": {}}
    for _ in range(1 if quick else 3):  # rounds, the two contenders in turn; minima kept
        for label, flag in (("off", "0"), ("on", "1")):
            values = json.loads(python(script, where, {"COMPATSHIM_OTEL": flag}))
            for key, value in values.items():
                best[label][key] = min(best[label].get(key, value), value)
    on, off = best["on"], best["off"]
    return {
        "unit": "ns per access; flush parts in ms",
        "values": {
            "legacy module, otel off (baseline)": off["access"],
            "legacy module, otel on (after the SDK's import)": on["access"],
            "the SDK's import on the flusher thread (ms, once)": on["warm"],
            f"file flush, {sites:,} changed sites (ms)": on["file"],
            f"otel publish, {sites:,} changed sites (ms)": on["publish"],
            f"otel export to a local collector, {sites:,} sites (ms)": on["export"],
            "otel publish, 10,000 series (ms)": on["wide_publish"],
            "otel export to a local collector, 10,000 series (ms)": on["wide_export"],
        },
    }


_READS = """
import http.server, os, threading, time, warnings

class Collector(http.server.BaseHTTPRequestHandler):  # answers at once: one attempt at exit
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
threading.Thread(target=server.serve_forever, daemon=True).start()
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{server.server_port}"
from compatshim._telemetry import flushing
flushing.PERIODIC_INTERVAL = 1e9  # no background tick during the count: only the reads differ
import compatshim
compatshim.install("pyproject.toml")
warnings.simplefilter("ignore")
import legacy_bench
legacy_bench.X
if os.environ.get("COMPATSHIM_OTEL") == "1":
    from compatshim._telemetry import otel
    while otel.exporter._pipeline is None:
        time.sleep(0.01)
elif os.environ.get("SDK"):  # the same modules loaded, and no export
    from compatshim._telemetry import otel
    otel._make_pipeline(otel._otlp_reader)
for _ in range(int(os.environ["READS"])):
    legacy_bench.X
"""


def _instructions(where: Path, extra: dict[str, str]) -> int:
    # Instructions a whole run executes, every thread included (callgrind's total).
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-c", textwrap.dedent(_READS)],
        cwd=where, env=env({"PYTHONHASHSEED": "0", **extra}), capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return int(re.search(r"Collected : (\d+)", proc.stderr).group(1))  # type: ignore[union-attr]


def bench_otel_instructions(quick: bool) -> Result:
    """Instructions per read through a legacy path (valgrind's callgrind: timings on a shared
    machine are too noisy for a difference this small), the OpenTelemetry export off and on:
    the difference between a run of 500,000 reads and one of none, divided by 500,000."""
    if quick or shutil.which("valgrind") is None:
        return {
            "unit": "instructions per read",
            "values": {},
            "skipped": "quick run or no valgrind",
        }
    where = folder()
    (where / "canon_bench.py").write_text("X = 1\n")
    (where / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"legacy_bench" = "canon_bench"\n'
    )
    reads = 500_000
    values = {}
    contenders = (
        ("otel off (baseline)", {"COMPATSHIM_OTEL": "0"}),
        ("otel off, the SDK imported and a pipeline made", {"COMPATSHIM_OTEL": "0", "SDK": "1"}),
        ("otel on", {"COMPATSHIM_OTEL": "1"}),
    )
    for label, extra in contenders:
        none = _instructions(where, {**extra, "READS": "0"})
        many = _instructions(where, {**extra, "READS": str(reads)})
        values[f"legacy module, {label}"] = (many - none) / reads
    return {"unit": "instructions per read", "values": values}


BENCHMARKS = {"otel": bench_otel, "otel_instructions": bench_otel_instructions}
