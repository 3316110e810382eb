"""compatshim's benchmark suite: every figure is a ratio against a baseline measured in the same run.

Usage::

    python benchmarks/run.py            # full run (a few minutes)
    python benchmarks/run.py --quick    # a smoke run for CI (no assertions on time)
    python benchmarks/run.py --json results.json

It measures, on the interpreter running it:

* ``access``: nanoseconds per attribute read through a legacy module, against a plain module,
  a bare PEP 562 ``__getattr__`` forwarder and the usual PEP 562 shim that warns on every access,
  all in one process.
* ``find_spec``: the finder's cost for a name that is not an alias, with 0, 100 and 10,000
  aliases installed (it must not grow with the table).
* ``miss``: a fresh interpreter importing ~100 standard-library modules, without compatshim and
  with 10,000 aliases installed, alternating runs.
* ``startup``: ``import compatshim`` plus ``install()`` with 1,000 aliases read from a
  ``pyproject.toml``, cold (parsing TOML) and warm (from the validated-configuration cache).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import timeit
from pathlib import Path
from typing import Any


ROOT = Path(__file__).resolve().parent.parent

# Ordinary modules a large application imports; none of them is an alias.
STDLIB_MODULES = """
abc argparse ast asyncio base64 bisect bz2 calendar cgitb cmd codecs collections
colorsys compileall concurrent.futures configparser contextlib copy csv ctypes dataclasses
datetime decimal difflib dis doctest email email.mime.text email.parser enum filecmp fileinput
fnmatch fractions ftplib functools getopt getpass gettext glob graphlib gzip hashlib heapq
hmac html html.parser http.client http.cookies http.server imaplib inspect io ipaddress
json json.decoder logging logging.handlers lzma mailbox mimetypes netrc numbers operator
optparse pathlib pickle pkgutil platform plistlib poplib pprint profile pstats queue quopri
random re reprlib rlcompleter runpy sched secrets selectors shelve shlex shutil signal
smtplib socket socketserver sqlite3 ssl stat statistics string stringprep struct subprocess
symtable sysconfig tabnanny tarfile tempfile textwrap threading timeit token tokenize trace
traceback tracemalloc typing unittest unittest.mock urllib.parse urllib.request uuid
warnings wave weakref xml.dom.minidom xml.etree.ElementTree xml.sax zipfile zipimport zoneinfo
""".split()


def _aliases_toml(count: int) -> str:
    lines = ["[tool.compatshim]", "[tool.compatshim.aliases]"]
    for i in range(count):
        if i % 3 == 0:
            lines.append(
                f'"legacy{i}.pkg.mod{i}" = {{ target = "canonical{i}.core.mod{i}", '
                f'since = "1.{i % 10}", removed_in = "9.0" }}'
            )
        else:
            lines.append(f'"legacy{i}.pkg.mod{i}" = "canonical{i}.core.mod{i}"')
    return "\n".join(lines) + "\n"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode caches, as installed code runs
    env["PYTHONPATH"] = str(ROOT)
    return env


def _python(code: str, cwd: Path, extra: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env={**_env(), **(extra or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


# -- access -----------------------------------------------------------------------------------


def bench_access(quick: bool) -> dict[str, Any]:
    """ns per ``module.X`` through each kind of forwarder, in this one process."""
    import types
    import warnings

    import compatshim

    folder = Path(tempfile.mkdtemp(prefix="compatshim-bench-"))
    (folder / "canon_bench.py").write_text("X = 1\n")
    (folder / "pyproject.toml").write_text(
        '[tool.compatshim]\ntelemetry = false\n[tool.compatshim.aliases]\n"legacy_bench" = "canon_bench"\n'
    )
    sys.path.insert(0, str(folder))
    import canon_bench  # type: ignore[import-not-found]

    compatshim.install(folder / "pyproject.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import legacy_bench  # type: ignore[import-not-found]

    bare = types.ModuleType("bare_forwarder")
    bare.__getattr__ = lambda name: getattr(canon_bench, name)  # type: ignore[method-assign]

    def _warn_every_access(name: str) -> Any:
        warnings.warn(f"{name} moved", DeprecationWarning, stacklevel=2)
        return getattr(canon_bench, name)

    warning_shim = types.ModuleType("warning_shim")
    warning_shim.__getattr__ = _warn_every_access  # type: ignore[method-assign]

    number = 200_000 if quick else 1_000_000
    repeat = 3 if quick else 7
    results = {}
    for label, module in [
        ("plain module (baseline)", canon_bench),
        ("compatshim legacy module", legacy_bench),
        ("bare PEP 562 forwarder", bare),
        ("PEP 562 shim warning on each access", warning_shim),
    ]:
        timer = timeit.Timer("m.X", globals={"m": module})
        best = min(timer.repeat(repeat=repeat, number=number))
        results[label] = best / number * 1e9
    compatshim.uninstall()
    sys.path.remove(str(folder))
    return {"unit": "ns per access", "values": results}


# -- find_spec --------------------------------------------------------------------------------


def _toml_without_telemetry(count: int) -> str:
    return _aliases_toml(count).replace(
        "[tool.compatshim]\n", "[tool.compatshim]\ntelemetry = false\n"
    )


def bench_find_spec_at(count: int, number: int = 200_000) -> float:
    """ns per ``find_spec`` miss with ``count`` aliases installed."""
    import compatshim
    from compatshim import _install

    folder = Path(tempfile.mkdtemp(prefix="compatshim-bench-"))
    (folder / "pyproject.toml").write_text(_toml_without_telemetry(count))
    compatshim.install(folder / "pyproject.toml")
    finder = _install._state().finder
    assert finder is not None
    timer = timeit.Timer("f('email.mime.text', None, None)", globals={"f": finder.find_spec})
    best = min(timer.repeat(repeat=5, number=number)) / number * 1e9
    compatshim.uninstall()
    return best


def bench_find_spec(quick: bool) -> dict[str, Any]:
    """ns per ``find_spec`` of a name that is not an alias, as the table grows."""
    from importlib.machinery import PathFinder

    number = 200_000 if quick else 1_000_000
    values = {f"{count} aliases": bench_find_spec_at(count, number) for count in (0, 100, 10_000)}
    # For scale: the standard path finder's miss in a single directory.
    folder = tempfile.mkdtemp(prefix="compatshim-bench-")
    timer = timeit.Timer(
        "f('no_such_module', [d])", globals={"f": PathFinder.find_spec, "d": folder}
    )
    small = max(number // 20, 1000)
    values["PathFinder, one directory"] = min(timer.repeat(repeat=5, number=small)) / small * 1e9
    return {"unit": "ns per find_spec miss", "values": values}


# -- miss: a fresh interpreter importing many ordinary modules --------------------------------

_MISS_SCRIPT = """
import sys, time
mode = sys.argv[1]
# What importing and installing compatshim loads is loaded in both modes, so that the timed
# loop imports exactly the same modules either way.
for name in {preload!r}:
    __import__(name)
# Both modes read and keep the same 10,000-alias configuration (same heap, same objects);
# only "compatshim" puts the finder on sys.meta_path, so the difference is the finder's cost.
import compatshim
config = compatshim.load_config("pyproject.toml")
assert len(config.aliases) == 10_000
if mode == "compatshim":
    compatshim.install("pyproject.toml")
    assert len(compatshim.installed().aliases) == 10_000
# The 10,000 aliases are long-lived objects that change when the cyclic GC runs a full
# collection; switch it off in both modes so the loop measures imports, not the collector.
import gc
gc.collect()
gc.disable()
start = time.perf_counter()
for name in {modules!r}:
    try:
        __import__(name)
    except ImportError:  # removed in this Python version (cgitb in 3.13, ...)
        pass
print(time.perf_counter() - start)
"""


def bench_miss(quick: bool) -> dict[str, Any]:
    """Wall time of importing ~100 stdlib modules in a fresh interpreter, alternating runs."""
    folder = Path(tempfile.mkdtemp(prefix="compatshim-bench-"))
    (folder / "pyproject.toml").write_text(_toml_without_telemetry(10_000))
    preload_code = """
        import sys
        before = set(sys.modules)
        import compatshim
        compatshim.install("pyproject.toml")
        print(" ".join(sorted(m for m in set(sys.modules) - before
                              if not m.startswith("compatshim"))))
    """
    preload = _python(preload_code, folder).split()
    script = _MISS_SCRIPT.format(modules=STDLIB_MODULES, preload=preload)
    (folder / "miss.py").write_text(script)
    runs = 6 if quick else 40
    times: dict[str, list[float]] = {"none": [], "compatshim": []}
    for i in range(runs):
        order = ("none", "compatshim") if i % 2 == 0 else ("compatshim", "none")
        for mode in order:
            out = subprocess.run(
                [sys.executable, "miss.py", mode],
                cwd=folder,
                env=_env(),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            times[mode].append(float(out.split()[-1]))
    # How many find_spec calls did that import set make? The finder pays one miss each.
    count_code = f"""
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
        print(calls, len(sys.modules))
    """
    calls, modules = map(int, _python(count_code, folder).split())
    base = statistics.median(times["none"])
    with_shim = statistics.median(times["compatshim"])
    miss_ns = bench_find_spec_at(10_000)
    return {
        "unit": "ms to import the module set",
        "values": {
            "configuration loaded, finder not installed": base * 1e3,
            "finder installed with 10,000 aliases": with_shim * 1e3,
        },
        "ratio": with_shim / base,
        # The finder's share computed from its measured miss cost, immune to run-to-run noise.
        "computed_overhead": calls * miss_ns * 1e-9 / base,
        "find_spec_calls": calls,
        "modules_loaded": modules,
        "runs": runs,
    }


# -- startup ----------------------------------------------------------------------------------

_STARTUP_SCRIPT = """
import time
t0 = time.perf_counter()
import compatshim
compatshim.install()
t1 = time.perf_counter()
print(t1 - t0)
"""


def bench_startup(quick: bool) -> dict[str, Any]:
    """``import compatshim`` + ``install()`` with 1,000 aliases, cold and from the cache."""
    folder = Path(tempfile.mkdtemp(prefix="compatshim-bench-"))
    (folder / "pyproject.toml").write_text(_aliases_toml(1000))
    runs = 3 if quick else 15
    cold, warm = [], []
    for _ in range(runs):
        cache = folder / ".compatshim" / "config.cache"
        if cache.exists():
            cache.unlink()
        cold.append(float(_python(_STARTUP_SCRIPT, folder)))
        warm.append(float(_python(_STARTUP_SCRIPT, folder)))
    empty = Path(tempfile.mkdtemp(prefix="compatshim-bench-"))
    bare = [float(_python(_STARTUP_SCRIPT, empty)) for _ in range(runs)]
    return {
        "unit": "ms for import compatshim + install()",
        "values": {
            "no configuration": statistics.median(bare) * 1e3,
            "1,000 aliases, cached configuration": statistics.median(warm) * 1e3,
            "1,000 aliases, first run (parses TOML)": statistics.median(cold) * 1e3,
        },
    }


# -- telemetry --------------------------------------------------------------------------------

_TELEMETRY_SCRIPT = """
import json, os, sys, time, timeit, warnings
import compatshim
from compatshim import _telemetry
compatshim.install("pyproject.toml")
warnings.simplefilter("ignore")
import canon_bench, legacy_bench
number = {number}
access = min(timeit.repeat("m.X", globals={{"m": legacy_bench}}, number=number, repeat=5))
plain = min(timeit.repeat("m.X", globals={{"m": canon_bench}}, number=number, repeat=5))
result = {{"access": access / number * 1e9, "plain": plain / number * 1e9}}
if os.environ.get("FLUSH_SITES"):
    sites = int(os.environ["FLUSH_SITES"])
    code = compile("".join("legacy_bench.X\\n" for _ in range(sites)), "many_sites.py", "exec")
    exec(code, {{"legacy_bench": legacy_bench}})
    start = time.perf_counter(); _telemetry.flush(); first = time.perf_counter() - start
    exec(code, {{"legacy_bench": legacy_bench}})
    start = time.perf_counter(); _telemetry.flush(); again = time.perf_counter() - start
    result.update(first_flush=first * 1e3, next_flush=again * 1e3)
print(json.dumps(result))
"""


def bench_telemetry(quick: bool) -> dict[str, Any]:
    """ns per hit with telemetry on and off; ms to flush 10,000 new (then changed) sites."""
    folder = Path(tempfile.mkdtemp(prefix="compatshim-bench-"))
    (folder / "canon_bench.py").write_text("X = 1\n")
    (folder / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"legacy_bench" = "canon_bench"\n'
    )
    number = 200_000 if quick else 1_000_000
    script = _TELEMETRY_SCRIPT.format(number=number)
    sites = "1000" if quick else "10000"
    on = json.loads(_python(script, folder, {"FLUSH_SITES": sites}))
    off = json.loads(_python(script, folder, {"COMPATSHIM_TELEMETRY": "0"}))
    return {
        "unit": "ns per access (flush: ms)",
        "values": {
            "plain module (baseline)": on["plain"],
            "legacy module, telemetry on (recorded)": on["access"],
            "legacy module, telemetry off": off["access"],
            f"flush of {int(sites):,} new sites (ms)": on["first_flush"],
            f"flush of {int(sites):,} changed sites (ms)": on["next_flush"],
        },
    }


def bench_report(quick: bool) -> dict[str, Any]:
    """Milliseconds for ``compatshim report`` over 1,000,000 recorded hits, two shapes of data."""
    sys.path.insert(0, str(ROOT))
    from compatshim import _report
    from compatshim._store import DataFile

    results = {}
    shapes = [(10_000, 1)] if quick else [(10_000, 1), (100_000, 10)]
    for sites, contexts in shapes:
        folder = Path(tempfile.mkdtemp(prefix="compatshim-bench-"))
        path = str(folder / "data.db")
        run = {
            "uuid": "bench",
            "host": "h",
            "pid": 1,
            "started": 0.0,
            "argv": "[]",
            "python": "3",
            "compatshim": "0",
            "root": str(folder),
        }
        data = DataFile(path, run)
        per_row = 1_000_000 // (sites * contexts)
        aliases = [(f"legacy{i}", f"canonical{i}", None, None, None) for i in range(100)]
        data.write(
            (
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


BENCHMARKS = {
    "access": bench_access,
    "find_spec": bench_find_spec,
    "miss": bench_miss,
    "startup": bench_startup,
    "telemetry": bench_telemetry,
    "report": bench_report,
}


def _print(results: dict[str, Any]) -> None:
    for name, result in results.items():
        if name == "machine":
            continue
        print(f"\n{name} ({result['unit']})")
        values = result["values"]
        base = next(iter(values.values()))
        for label, value in values.items():
            print(f"  {label:<42} {value:>10.1f}   x{value / base:.2f}")
        for key in ("ratio", "computed_overhead", "find_spec_calls", "modules_loaded", "runs"):
            if key in result:
                print(f"  {key}: {result[key]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("only", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run")
    args = parser.parse_args(argv)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "compatshim")],
        check=True,
        env=_env(),
        capture_output=True,
    )
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        }
    }
    for name in args.only or BENCHMARKS:
        results[name] = BENCHMARKS[name](args.quick)
    print(f"compatshim benchmarks on Python {results['machine']['python']}")
    _print(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
