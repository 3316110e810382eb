"""Memory: resident size added by the alias table and by recorded sites.

The bytes per site (tracemalloc) are measured for sites recorded and never written, and for the
same sites once a flush has written them to the data file: what a long-running process keeps.
Set ``COMPATSHIM_BENCH_BEFORE`` to another checkout's root to measure its code too (``before``).
"""

from __future__ import annotations

import json
from pathlib import Path

from _common import Result
from _common import aliases_toml
from _common import checkouts
from _common import folder
from _common import python


_RSS = """
def rss():
    # Current resident size in MB (Linux); the peak elsewhere.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource, sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
"""

_ALIASES = (
    _RSS
    + """
import gc, json
import compatshim
import compatshim._runtime.finder
gc.collect()
before = rss()
compatshim.install({config!r})
gc.collect()
print(json.dumps({{"rss": rss() - before}}))
"""
)

_SITES = (
    _RSS
    + """
import gc, json, sys, warnings
import compatshim
from compatshim._telemetry import flushing, recorder
# No flush but the one a measure asks for: none from the flusher's thread during the loop.
recorder.FLUSH_INTERVAL = flushing.PERIODIC_INTERVAL = 1e9
compatshim.install("pyproject.toml")
warnings.simplefilter("ignore")
import canon_bench, legacy_bench
sites = int(sys.argv[2])
module = legacy_bench if sys.argv[1] == "legacy" else canon_bench
# One small function per site, as real code has; both modes make and call the same functions.
namespace = {"__name__": "sites"}
exec(compile("".join(f"def f{i}(m):\\n    return m.X\\n" for i in range(sites)), "sites.py", "exec"), namespace)
functions = [namespace[f"f{i}"] for i in range(sites)]
gc.collect()
before = rss()
for function in functions:
    function(module)
# <recorded>
gc.collect()
print(json.dumps({"rss": rss() - before}))
"""
)


_ONE_FUNCTION_EACH = """exec(compile("".join(f"def f{i}(m):\\n    return m.X\\n" for i in range(sites)), "sites.py", "exec"), namespace)
functions = [namespace[f"f{i}"] for i in range(sites)]"""
_ONE_FUNCTION = """exec(compile("def f(m):\\n" + "".join("    m.X\\n" for i in range(sites)), "sites.py", "exec"), namespace)
functions = [namespace["f"]]"""

# The same per-site work under tracemalloc: the bytes compatshim's bookkeeping allocates for
# each new site, exact where the resident size moves in whole pages and allocator arenas.
_SITE_BYTES = _SITES.replace(
    "gc.collect()\nbefore = rss()", "gc.collect()\nimport tracemalloc\ntracemalloc.start()"
).replace(
    'print(json.dumps({"rss": rss() - before}))',
    'print(json.dumps({"bytes": tracemalloc.get_traced_memory()[0] / sites}))',
)

# After a flush: in both modes a hit is written before the measure (the data file opened, its
# connection's statements prepared), so the difference is what the sites keep once written.
_FLUSHED = _SITE_BYTES.replace(
    "gc.collect()\nimport tracemalloc",
    "legacy_bench.X\nrecorder.flush()\ngc.collect()\nimport tracemalloc",
).replace("# <recorded>", "recorder.flush()")
assert _FLUSHED.count("recorder.flush()") == 2


def _bytes_per_site(where: Path, checkout: str) -> dict[str, int]:
    """Bytes per site that compatshim keeps (10,000 sites, tracemalloc): each measure run with
    the legacy module and with the canonical one, the same functions calling it; the
    difference."""
    traced = _SITE_BYTES.replace("sys.argv[2]", "10000")
    # The same sites in one function: what a site costs when sites share a code object.
    shared = traced.replace(_ONE_FUNCTION_EACH, _ONE_FUNCTION)
    assert shared != traced
    scripts = {
        "bytes_per_site": traced,
        "bytes_per_site_shared_code": shared,
        "bytes_per_site_after_flush": _FLUSHED.replace("sys.argv[2]", "10000"),
    }
    found = {}
    for key, script in scripts.items():
        modes = {}
        for mode in ("legacy", "plain"):
            out = python(script.replace("sys.argv[1]", repr(mode)), where, None, checkout)
            modes[mode] = json.loads(out)["bytes"]
        found[key] = round(modes["legacy"] - modes["plain"])
    return found


def bench_memory(quick: bool) -> Result:
    """MB of resident memory added by 10,000 aliases and by 100,000 recorded sites."""
    where = folder()
    counts = (0, 10_000) if quick else (0, 1_000, 10_000)
    aliases = {}
    for count in counts:
        config = f"aliases{count}.toml"
        (where / config).write_text(aliases_toml(count, telemetry=False))
        aliases[count] = json.loads(python(_ALIASES.format(config=config), where))["rss"]
    sites_where = folder()
    (sites_where / "canon_bench.py").write_text("X = 1\n")
    (sites_where / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"legacy_bench" = "canon_bench"\n'
    )
    site_counts = (0, 10_000) if quick else (0, 10_000, 100_000)
    sites = {}
    for count in site_counts:
        script = _SITES.replace("sys.argv[2]", str(count))
        legacy = json.loads(python(script.replace("sys.argv[1]", "'legacy'"), sites_where))["rss"]
        plain = json.loads(python(script.replace("sys.argv[1]", "'plain'"), sites_where))["rss"]
        sites[count] = legacy - plain
    # Per checkout (this one, and COMPATSHIM_BENCH_BEFORE's): bytes per site, legacy less plain.
    per_site: dict[str, dict[str, int]] = {
        label: _bytes_per_site(sites_where, checkout) for label, checkout in checkouts().items()
    }
    values = {"no aliases (baseline)": aliases[0]}
    values.update({f"{c:,} aliases installed": aliases[c] - aliases[0] for c in counts[1:]})
    values.update({f"{c:,} recorded sites": sites[c] for c in site_counts[1:]})
    return {
        "unit": "MB resident",
        "values": values,
        "aliases_curve": {str(c): aliases[c] - aliases[0] for c in counts},
        "sites_curve": {str(c): sites[c] for c in site_counts},
        **per_site[""],
        **({"before": per_site["before: "]} if "before: " in per_site else {}),
    }


BENCHMARKS = {"memory": bench_memory}
