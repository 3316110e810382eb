"""What ``compatshim run`` adds to the start of a process.

* ``run_startup``: ms for ``python -c pass`` alone, for the same under the environment
  ``compatshim run`` gives every Python process of its command (the bootstrap ``sitecustomize``
  installs compatshim: what each subprocess pays), and for ``compatshim run -- python -c pass``
  whole (compatshim's command line, then the command). A project of three aliases, its
  configuration cached, telemetry on (the default). Every contender in turn, in short rounds;
  minima (a shared machine). With ``COMPATSHIM_BENCH_BEFORE``, that checkout's code too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from _common import Result
from _common import checkouts
from _common import env
from _common import folder


_CONFIG = """
[tool.compatshim.aliases]
"old_a" = "json"
"old_b" = "json.decoder"
"old_c" = "email.message"
"""


def _contenders(where: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    python = sys.executable
    pass_ = [python, "-c", "pass"]
    config = os.path.join(where, "pyproject.toml")
    contenders = {"python -c pass (baseline)": (pass_, env())}
    for label, root in checkouts().items():
        bootstrap = os.path.join(root, "compatshim", "_runtime", "bootstrap")
        child = env({"COMPATSHIM_RUN": "1", "COMPATSHIM_CONFIG": config}, root)
        child["PYTHONPATH"] = os.pathsep.join([bootstrap, root])
        contenders[f"{label}a Python subprocess under compatshim run"] = (pass_, child)
        whole = [python, "-m", "compatshim", "run", "--", *pass_]
        contenders[f"{label}compatshim run -- python -c pass"] = (whole, env(None, root))
    return contenders


def bench_run_startup(quick: bool) -> Result:
    """ms to start and end ``python -c pass``, alone and under ``compatshim run``."""
    where = folder()
    (where / "pyproject.toml").write_text(_CONFIG)
    contenders = _contenders(str(where))
    for command, child_env in contenders.values():  # caches: bytecode, configuration
        subprocess.run(command, env=child_env, cwd=where, check=True)
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(3 if quick else 25):
        for name, (command, child_env) in contenders.items():
            start = time.perf_counter()
            subprocess.run(command, env=child_env, cwd=where, check=True)
            best[name] = min(best[name], time.perf_counter() - start)
    return {
        "unit": "ms to run python -c pass (minimum of the rounds)",
        "values": {name: seconds * 1e3 for name, seconds in best.items()},
    }


BENCHMARKS = {"run_startup": bench_run_startup}
