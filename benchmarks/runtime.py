"""The cost of the shim at run time, against a plain module and against every peer.

* ``access``: ns per ``legacy.mod.X`` and per moved name, through each approach, one process;
  compatshim with telemetry off and on (two processes, each with every peer).
* ``first_import``: ms for the first ``import legacy.mod`` of a fresh interpreter whose canonical
  module is already imported, per approach, in turns.
* ``first_warning``: us per use at a new line, where each approach warns (filters "default",
  warnings shown nowhere), against the same lines reading the canonical module.
* ``find_spec``: ns per ``find_spec`` of a name that is not an alias, 0 to 100,000 aliases.
* ``miss``: a fresh interpreter importing ~100 standard-library modules with 0, 100 and 10,000
  aliases installed, in turns, against no finder.
* ``startup``: ``import compatshim`` + ``install()`` with 1,000 aliases, cold and cached.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import timeit

import peers
from _common import Result
from _common import aliases_toml
from _common import env
from _common import folder
from _common import python


def _available() -> list[str]:
    return [p for p in peers.PACKAGES if peers.available(p)]


_ACCESS = """
import json, sys, timeit, warnings
import compatshim
compatshim.install("pyproject.toml")
import canon_bench.mod
names = sys.argv[2].split(",")
number = int(sys.argv[1])
result = {{}}
def best(stmt, module):
    return min(timeit.repeat(stmt, globals={{"m": module}}, number=number, repeat={repeat})) / number * 1e9
result["plain module (baseline)"] = best("m.X", canon_bench.mod)
result["plain module, NewName"] = best("m.NewName", canon_bench.mod)
for peer in names:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = __import__(peer + ".mod", fromlist=["mod"])
        result[peer] = best("m.X", module)
        try:
            result[peer + ", OldName"] = best("m.OldName", module)
        except AttributeError:
            pass
print(json.dumps(result))
"""


def bench_access(quick: bool) -> Result:
    """ns per attribute read through each approach's legacy module (moved names separately)."""
    where = peers.write(folder())
    available = _available()
    packages = ",".join(peers.PACKAGES[p] for p in available)
    script = _ACCESS.format(repeat=3 if quick else 7)
    (where / "access.py").write_text(script)
    number = "100000" if quick else "1000000"
    runs = {}
    configs = {
        "off": peers.CONFIG,
        # The same aliases with telemetry recording every hit.
        "on": peers.CONFIG.replace("telemetry = false\n", ""),
        # The legacy path bound to the canonical module itself: no per-access work at all (and
        # no moved names under it: they need the proxy).
        "direct": "[tool.compatshim]\ntelemetry = false\n[tool.compatshim.aliases]\n"
        '"cs_legacy" = { target = "canon_bench", strategy = "direct" }\n',
    }
    for mode, config in configs.items():
        (where / "pyproject.toml").write_text(config)
        extra = {"COMPATSHIM_TELEMETRY": "0"} if mode == "off" else {}
        out = subprocess.run(
            [sys.executable, "access.py", number, packages],
            cwd=where, env=env(extra), capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        runs[mode] = json.loads(out)
    names = {package: peer for peer, package in peers.PACKAGES.items()}
    values = {"plain module (baseline)": runs["off"]["plain module (baseline)"]}
    for key, ns in runs["off"].items():
        package, _, moved = key.partition(", ")
        if package in names:
            peer = names[package]
            label = f"{peer}, moved name" if moved else peer
            if peer == "compatshim":
                label += ", telemetry off"
            values[label] = ns
    values["compatshim, telemetry on"] = runs["on"]["cs_legacy"]
    values["compatshim, moved name, telemetry on"] = runs["on"]["cs_legacy, OldName"]
    values['compatshim, strategy = "direct"'] = runs["direct"]["cs_legacy"]
    return {"unit": "ns per access", "values": values, "peers": available}


_FIRST_IMPORT = """
import sys, time, warnings
warnings.simplefilter("ignore")
import compatshim
if sys.argv[1] == "cs_legacy":
    compatshim.install("pyproject.toml")
import canon_bench.mod
start = time.perf_counter()
__import__(sys.argv[1] + ".mod")
print(time.perf_counter() - start)
"""


def bench_first_import(quick: bool) -> Result:
    """ms for the first ``import legacy.mod`` in a fresh interpreter, per approach."""
    where = peers.write(folder())
    (where / "plain_legacy").mkdir()
    (where / "plain_legacy" / "__init__.py").write_text("")
    (where / "plain_legacy" / "mod.py").write_text("from canon_bench.mod import *\n")
    (where / "first.py").write_text(_FIRST_IMPORT)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "."], cwd=where, check=True)
    contenders = {"real module re-exporting (baseline)": "plain_legacy"}
    contenders.update({p: peers.PACKAGES[p] for p in _available()})
    samples: dict[str, list[float]] = {label: [] for label in contenders}
    for _ in range(3 if quick else 15):
        for label, package in contenders.items():
            out = subprocess.run(
                [sys.executable, "first.py", package],
                cwd=where, env=env(), capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            samples[label].append(float(out) * 1e3)
    values = {label: statistics.median(times) for label, times in samples.items()}
    return {"unit": "ms for the first import", "values": values}


_FIRST_WARNING = """
import sys, time, warnings
import compatshim
compatshim.install("pyproject.toml")
import canon_bench.mod
warnings.simplefilter("default")
warnings.showwarning = lambda *args, **kwargs: None
package, sites = sys.argv[1], int(sys.argv[2])
module = canon_bench.mod if package == "canon_bench" else __import__(package + ".mod", fromlist=["mod"])
# One small function per site, as real code has (a line number costs a scan of its code object).
namespace = {"__name__": "sites"}
exec(compile("".join(f"def f{i}(m):\\n    return m.X\\n" for i in range(sites)), "sites.py", "exec"), namespace)
functions = [namespace[f"f{i}"] for i in range(sites)]
start = time.perf_counter()
for function in functions:
    function(module)
print(time.perf_counter() - start)
"""


def bench_first_warning(quick: bool) -> Result:
    """us per use at a new line, for approaches that warn, against the canonical module."""
    where = peers.write(folder())
    (where / "warn.py").write_text(_FIRST_WARNING)
    sites = 2000 if quick else 20_000
    contenders = {
        "canonical module, no warning (baseline)": "canon_bench",
        "compatshim": "cs_legacy",
    }
    contenders["pep562"] = "pep562_legacy"
    samples: dict[str, list[float]] = {label: [] for label in contenders}
    for _ in range(3 if quick else 7):
        for label, package in contenders.items():
            out = subprocess.run(
                [sys.executable, "warn.py", package, str(sites)],
                cwd=where, env=env(), capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            samples[label].append(float(out) / sites * 1e6)
    values = {label: statistics.median(times) for label, times in samples.items()}
    return {"unit": "us per use at a new line", "values": values, "sites": sites}


def find_spec_at(count: int, number: int) -> float:
    """ns per ``find_spec`` miss with ``count`` aliases installed (in this process)."""
    import compatshim
    from compatshim._runtime.state import state

    where = folder()
    (where / "pyproject.toml").write_text(aliases_toml(count, telemetry=False))
    compatshim.install(where / "pyproject.toml")
    finder = state.finder
    assert finder is not None
    timer = timeit.Timer("f('email.mime.text', None, None)", globals={"f": finder.find_spec})
    best = min(timer.repeat(repeat=5, number=number)) / number * 1e9
    compatshim.uninstall()
    return best


def bench_find_spec(quick: bool) -> Result:
    """ns per ``find_spec`` of a name that is not an alias, as the table grows."""
    from importlib.machinery import PathFinder

    number = 100_000 if quick else 1_000_000
    counts = (0, 100, 10_000) if quick else (0, 100, 1_000, 10_000, 100_000)
    values = {f"{count:,} aliases": find_spec_at(count, number) for count in counts}
    # For scale: the standard path finder's miss in a single directory.
    timer = timeit.Timer(
        "f('no_such_module', [d])", globals={"f": PathFinder.find_spec, "d": str(folder())}
    )
    small = max(number // 20, 1000)
    values["PathFinder, one directory"] = min(timer.repeat(repeat=5, number=small)) / small * 1e9
    return {"unit": "ns per find_spec miss", "values": values, "counts": list(counts)}


# Ordinary modules a large application imports; none of them is an alias.
STDLIB_MODULES = """
abc argparse ast asyncio base64 bisect bz2 calendar cmd codecs collections colorsys compileall
concurrent.futures configparser contextlib copy csv ctypes dataclasses datetime decimal difflib
dis doctest email email.mime.text email.parser enum filecmp fileinput fnmatch fractions ftplib
functools getopt getpass gettext glob graphlib gzip hashlib heapq hmac html html.parser
http.client http.cookies http.server imaplib inspect io ipaddress json json.decoder logging
logging.handlers lzma mailbox mimetypes netrc numbers operator optparse pathlib pickle pkgutil
platform plistlib poplib pprint profile pstats queue quopri random re reprlib rlcompleter runpy
sched secrets selectors shelve shlex shutil signal smtplib socket socketserver sqlite3 ssl stat
statistics string stringprep struct subprocess symtable sysconfig tabnanny tarfile tempfile
textwrap threading timeit token tokenize trace traceback tracemalloc typing unittest
unittest.mock urllib.parse urllib.request uuid warnings wave weakref xml.dom.minidom
xml.etree.ElementTree xml.sax zipfile zipimport zoneinfo
""".split()

_MISS = """
import gc, sys, time
config = sys.argv[1]
# What importing and installing compatshim loads is loaded in every mode, so that the timed loop
# imports exactly the same modules; the largest configuration is read (and kept) in every mode
# too, so that every mode runs with the same heap.
for name in {preload!r}:
    __import__(name)
import compatshim
loaded = compatshim.load_config("aliases10000.toml")
if sys.argv[2] == "install":
    compatshim.install(config)
gc.collect()
gc.disable()  # the loop measures imports, not collections of the long-lived alias table
start = time.perf_counter()
for name in {modules!r}:
    try:
        __import__(name)
    except ImportError:  # removed in this Python version
        pass
print(time.perf_counter() - start)
"""


def bench_miss(quick: bool) -> Result:
    """ms to import ~100 standard-library modules in a fresh interpreter, per table size."""
    where = folder()
    counts = (0, 100, 10_000)
    for count in counts:
        (where / f"aliases{count}.toml").write_text(aliases_toml(count, telemetry=False))
    preload = python(
        """
        import sys
        before = set(sys.modules)
        import compatshim
        compatshim.install("aliases100.toml")
        print(" ".join(sorted(m for m in set(sys.modules) - before if "compatshim" not in m)))
        """,
        where,
    ).split()
    (where / "miss.py").write_text(_MISS.format(modules=STDLIB_MODULES, preload=preload))
    contenders = {"no finder (baseline)": ("aliases10000.toml", "read")}
    contenders.update({f"{c:,} aliases": (f"aliases{c}.toml", "install") for c in counts})
    samples: dict[str, list[float]] = {label: [] for label in contenders}
    for index in range(6 if quick else 30):
        order = list(contenders) if index % 2 == 0 else list(reversed(contenders))
        for label in order:
            config, mode = contenders[label]
            out = subprocess.run(
                [sys.executable, "miss.py", config, mode],
                cwd=where, env=env(), capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            samples[label].append(float(out) * 1e3)
    values = {label: statistics.median(times) for label, times in samples.items()}
    calls = int(
        python(
            f"""
            import sys
            calls = 0
            class Counter:
                def find_spec(self, *args):
                    global calls
                    calls += 1
            sys.meta_path.insert(0, Counter())
            for name in {STDLIB_MODULES!r}:
                try:
                    __import__(name)
                except ImportError:
                    pass
            print(calls)
            """,
            where,
        )
    )
    base = values["no finder (baseline)"]
    miss_ns = find_spec_at(10_000, 200_000)
    return {
        "unit": "ms to import the module set",
        "values": values,
        # The finder's share from its measured miss cost: immune to run-to-run noise.
        "computed_overhead": calls * miss_ns * 1e-6 / base,
        "find_spec_calls": calls,
    }


_STARTUP = """
import time
t0 = time.perf_counter()
import compatshim
compatshim.install()
print(time.perf_counter() - t0)
"""


def bench_startup(quick: bool) -> Result:
    """ms for ``import compatshim`` + ``install()``: no configuration, 1,000 aliases cold/cached."""
    where = folder()
    (where / "pyproject.toml").write_text(aliases_toml(1000))
    empty = folder()
    cold, warm, bare = [], [], []
    for _ in range(3 if quick else 15):
        cache = where / ".compatshim" / "config.cache"
        if cache.exists():
            cache.unlink()
        cold.append(float(python(_STARTUP, where)))
        warm.append(float(python(_STARTUP, where)))
        bare.append(float(python(_STARTUP, empty)))
    return {
        "unit": "ms for import compatshim + install()",
        "values": {
            "no configuration (baseline)": statistics.median(bare) * 1e3,
            "1,000 aliases, cached configuration": statistics.median(warm) * 1e3,
            "1,000 aliases, first run (parses TOML)": statistics.median(cold) * 1e3,
        },
    }


BENCHMARKS = {
    "access": bench_access,
    "first_import": bench_first_import,
    "first_warning": bench_first_warning,
    "find_spec": bench_find_spec,
    "miss": bench_miss,
    "startup": bench_startup,
}
