"""``scan`` against ruff's TID251 banned-api rule, ``migrate`` against libcst's RenameCommand,
and ``scan`` writing millions of findings (``scan_output``: time and peak memory).

Both sides get the same legacy paths: twelve aliases of widely imported third-party modules and
names (they exist in this machine's site-packages, so the tree really uses them). The scan runs
over the largest real tree here, the standard library plus site-packages of the base
interpreter; each tool is run as its command line, cold (ruff with ``--no-cache``), in turns.
libcst rewrites about 100 KB per second per alias here, so the migrate comparison uses one
package of site-packages (copied, both tools writing their copy) rather than the whole tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

from _common import Result
from _common import alternate
from _common import env
from _common import folder
from _common import wall


# legacy path -> canonical path, as compatshim writes them; ruff and libcst get the dotted form.
ALIASES = {
    "typing_extensions": "typing_ext",
    "dateutil.parser": "dateutil.parsing",
    "botocore.compat": "botocore.compatibility",
    "botocore.exceptions:ClientError": "botocore.errors:ClientError",
    "attr": "attrs_legacy",
    "six": "six_next",
    "yaml": "yaml_next",
    "click.core:Command": "click.command:Command",
    "docutils.nodes": "docutils.tree",
    "jedi.api": "jedi.interface",
    "IPython.core.interactiveshell": "IPython.core.shell",
    "cryptography.hazmat.primitives": "cryptography.primitives",
}
# Packages whose top-level modules make the migrate tree (the first that exists).
MIGRATE_CANDIDATES = ("botocore", "IPython/core", "docutils", "yaml")


def tree() -> list[str]:
    """The standard library and the site-packages of the base interpreter."""
    paths = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
    return [paths["stdlib"], paths["purelib"]]


def _configs(where: Path, aliases: dict[str, str]) -> None:
    lines = ["[tool.compatshim]", "telemetry = false", "[tool.compatshim.aliases]"]
    lines += [f'"{legacy}" = "{canonical}"' for legacy, canonical in aliases.items()]
    (where / "pyproject.toml").write_text("\n".join(lines) + "\n")
    banned = [
        f'"{legacy.replace(":", ".")}".msg = "use {canonical.replace(":", ".")}"'
        for legacy, canonical in aliases.items()
    ]
    ruff = ["[lint]", 'select = ["TID251"]', "[lint.flake8-tidy-imports.banned-api]", *banned]
    (where / "ruff.toml").write_text("\n".join(ruff) + "\n")


def _ruff() -> str | None:
    beside = Path(sys.executable).with_name("ruff")
    return str(beside) if beside.exists() else shutil.which("ruff")


def _count_json(command: list[str], cwd: Path) -> int:
    out = subprocess.run(
        command, cwd=cwd, env=env(), capture_output=True, text=True, check=False
    ).stdout
    data = json.loads(out or "[]")
    if isinstance(data, dict):
        return len(data["findings"])
    # ruff also reports the files it cannot parse: only the banned-api findings count.
    return sum(item.get("code") == "TID251" for item in data)


def bench_scan(quick: bool) -> Result:
    """Wall seconds to scan the tree for the twelve legacy paths: compatshim and ruff."""
    where = folder()
    _configs(where, ALIASES)
    roots = tree()
    if quick:  # two standard-library packages: enough to prove it all still runs
        roots = [os.path.join(roots[0], "email"), os.path.join(roots[0], "json")]
    scan = [sys.executable, "-m", "compatshim", "scan", "--config", "pyproject.toml"]
    scan += ["--exit-zero", "--format", "json", *roots]
    measures = {"compatshim scan": lambda: wall(scan, where)}
    ruff = _ruff()
    check = []
    if ruff is not None:
        check = [ruff, "check", "--no-cache", "--config", "ruff.toml", "--exit-zero"]
        check += ["--output-format", "json", *roots]
        measures = {"ruff TID251 (baseline)": lambda: wall(check, where), **measures}
    values = alternate(1 if quick else 5, measures)
    result: Result = {"unit": "s to scan", "values": values, "tree": roots}
    result["findings"] = {"compatshim scan": _count_json(scan, where)}
    if ruff is not None:
        result["findings"]["ruff TID251 (baseline)"] = _count_json(check, where)
        result["ratio"] = values["compatshim scan"] / values["ruff TID251 (baseline)"]
    return result


_LIBCST = r"""
import os, sys
from libcst.codemod import CodemodContext, parallel_exec_transform_with_prettyprint
from libcst.codemod.commands.rename import RenameCommand
files = sys.argv[2:]
for pair in sys.argv[1].split(","):
    old, new = pair.split("=")
    parallel_exec_transform_with_prettyprint(
        RenameCommand(CodemodContext(), old, new), files, jobs=os.cpu_count(),
        hide_progress=True, hide_generated=True, hide_blacklisted=True,
    )
"""


def _migrate_tree(quick: bool) -> Path | None:
    purelib = Path(tree()[1])
    for candidate in MIGRATE_CANDIDATES:
        package = purelib / candidate
        if package.is_dir():
            files = sorted(package.glob("*.py"))
            return package if files else None
    return None


def bench_migrate(quick: bool) -> Result:
    """Wall seconds to rewrite one package for the twelve aliases: compatshim and libcst."""
    package = _migrate_tree(quick)
    if package is None:
        return {"unit": "s to migrate", "values": {}, "skipped": "no candidate package"}
    aliases = dict(list(ALIASES.items())[:3]) if quick else ALIASES
    where = folder()
    _configs(where, aliases)
    files = sorted(package.glob("*.py"))[: 5 if quick else None]
    for copy in ("tree-ours", "tree-libcst"):
        (where / copy).mkdir()
        for file in files:
            shutil.copy(file, where / copy / file.name)
    size = sum(f.stat().st_size for f in files)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "compatshim", "migrate", "--write", "--config", "pyproject.toml",
         "tree-ours"],
        cwd=where, env=env(), capture_output=True, check=False,
    )  # fmt: skip
    ours = time.perf_counter() - start
    result: Result = {
        "unit": "s to migrate",
        "tree": f"{package} ({len(files)} files, {size / 1e6:.1f} MB)",
        "aliases": len(aliases),
    }
    import importlib.util

    if importlib.util.find_spec("libcst") is None:
        result["values"] = {"compatshim migrate": ours}
        result["skipped"] = "libcst is not installed (pip install compatshim[bench])"
        return result
    pairs = ",".join(f"{a.replace(':', '.')}={b.replace(':', '.')}" for a, b in aliases.items())
    targets = [str(where / "tree-libcst" / f.name) for f in files]
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _LIBCST, pairs, *targets],
        cwd=where, env=env(), capture_output=True, check=True,
    )  # fmt: skip
    theirs = time.perf_counter() - start
    result["values"] = {"libcst RenameCommand (baseline)": theirs, "compatshim migrate": ours}
    result["ratio"] = ours / theirs
    result["speedup"] = theirs / ours
    result["after"] = {
        "compatshim migrate": _residue(where, "tree-ours"),
        "libcst RenameCommand": _residue(where, "tree-libcst"),
    }
    if not quick:
        result["whole_tree"] = _whole_tree(where, aliases)
    return result


def _whole_tree(where: Path, aliases: dict[str, str]) -> dict[str, Any]:
    # compatshim alone on the scan's whole tree (libcst would take hours): --diff writes nothing.
    roots = tree()
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "compatshim", "migrate", "--diff", "--config", "pyproject.toml",
         *roots],
        cwd=where, env=env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    summary = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    return {"seconds": round(seconds, 2), "tree": roots, "summary": summary}


def _residue(where: Path, copy: str) -> dict[str, int]:
    # What each rewrite left: legacy uses scan still finds, and files that no longer compile.
    files = list((where / copy).glob("*.py"))
    broken = 0
    for file in files:
        try:
            compile(file.read_bytes(), str(file), "exec")
        except SyntaxError:
            broken += 1
    command = [sys.executable, "-m", "compatshim", "scan", "--config", "pyproject.toml"]
    left = _count_json([*command, "--exit-zero", "--format", "json", copy], where)
    return {"legacy uses left": left, "files that do not compile": broken}


_PEAK = """
import resource, sys
from compatshim import cli
code = cli.main(sys.argv[1:])
sys.stderr.write(f"PEAK {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n")
"""


def bench_scan_output(quick: bool) -> Result:
    """Seconds and peak memory of ``scan`` writing 2,000,000 findings (2,000 aliases, 2,000 files
    of 1,000 uses each) as text and as JSON to /dev/null: the output is streamed."""
    files, uses = (20, 1000) if quick else (2000, 1000)
    where = folder()
    aliases = "".join(f'"old{i}" = "new{i}"\n' for i in range(files))
    (where / "pyproject.toml").write_text(
        f"[tool.compatshim]\ntelemetry = false\n[tool.compatshim.aliases]\n{aliases}"
    )
    for i in range(files):
        body = "".join(f"x{j} = old{i}.attr{j}\n" for j in range(uses - 1))
        (where / f"m{i:04}.py").write_text(f"import old{i}\n{body}")
    values: dict[str, float] = {}
    peak: dict[str, int] = {}
    for fmt in ("text", "json"):
        start = time.perf_counter()
        with open(os.devnull, "w") as sink:
            proc = subprocess.run(
                [sys.executable, "-c", _PEAK, "scan", "--format", fmt, "."],
                cwd=where, env=env(), stdout=sink, stderr=subprocess.PIPE, text=True, check=False,
            )  # fmt: skip
        values[fmt] = time.perf_counter() - start
        line = [x for x in proc.stderr.splitlines() if x.startswith("PEAK ")][-1]
        peak[fmt] = int(line.split()[1]) // 1024  # kB on Linux
    return {
        "unit": "s to scan and write",
        "values": values,
        "peak_mb": peak,
        "findings": files * uses,
        "tree": f"{files} files, {files} aliases (generated)",
    }


BENCHMARKS = {"scan": bench_scan, "migrate": bench_migrate, "scan_output": bench_scan_output}
