"""The cost of a factory rule: constructing a class through its factory, guarded and not.

* ``factory``: ns per object made by a factory, for a light class (three attributes) and a
  heavier one (a lock, a queue, a logger, a context object), each three ways in one process:
  the same code without a rule (the baseline), with compatshim's rule (wrapt's
  ``FunctionWrapper`` on ``__init__`` and on the factory), and the same guard written by hand
  with plain functions (for reference: what wrapt's wrappers cost on top). Also per object: a
  direct construction outside the factory at a line seen before (counted, warned once).
  Contenders are interleaved in short rounds; minima are quoted.
* ``factory_instructions``: the same contenders counted in CPU instructions per object by
  valgrind (``callgrind``), where timings on a shared machine are too noisy: each contender runs
  in its own interpreter twice, making 0 and N objects, and the difference is divided by N.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from _common import Result
from _common import env
from _common import folder
from _common import python


_CLASSES = """
import collections, contextvars, logging, threading

class Context:
    __slots__ = ("user", "tenant")
    def __init__(self, user, tenant):
        self.user, self.tenant = user, tenant

def _light(name):
    class Light:
        def __init__(self, name, context):
            self.name = name
            self.context = context
            self.clients = {}
    Light.__name__ = Light.__qualname__ = name
    return Light

def _heavy(name):
    class Heavy:
        def __init__(self, name, context):
            self.name = name
            self.context = context
            self.clients = {}
            self.lock = threading.Lock()
            self.outbox = collections.deque(maxlen=1000)
            self.log = logging.getLogger("chat.ws." + name)
            self.stats = {"sent": 0, "received": 0, "dropped": 0}
    Heavy.__name__ = Heavy.__qualname__ = name
    return Heavy

Light, LightPlain, LightHand = _light("Light"), _light("LightPlain"), _light("LightHand")
Heavy, HeavyPlain, HeavyHand = _heavy("Heavy"), _heavy("HeavyPlain"), _heavy("HeavyHand")

# The guard written by hand, for reference: a plain __init__ wrapper and a plain factory wrapper.
_outside = contextvars.ContextVar("hand", default=True)
_get, _set, _reset = _outside.get, _outside.set, _outside.reset

def _hand(cls):
    original = cls.__init__
    def __init__(self, *args, **kwargs):
        if _get() and type(self) is cls:
            raise TypeError("direct")
        original(self, *args, **kwargs)
    cls.__init__ = __init__

_hand(LightHand)
_hand(HeavyHand)
"""

_FACTORY = """
from bench_fx.classes import Context, Heavy, HeavyHand, HeavyPlain, Light, LightHand, LightPlain
from bench_fx.classes import _reset, _set

def make_light(name, user):
    return Light(name, Context(user, "shop"))

def make_light_plain(name, user):
    return LightPlain(name, Context(user, "shop"))

def _make_light_hand(name, user):
    return LightHand(name, Context(user, "shop"))

def make_heavy(name, user):
    return Heavy(name, Context(user, "shop"))

def make_heavy_plain(name, user):
    return HeavyPlain(name, Context(user, "shop"))

def _make_heavy_hand(name, user):
    return HeavyHand(name, Context(user, "shop"))

def _handed(factory):
    def wrapper(*args, **kwargs):
        token = _set(False)
        try:
            return factory(*args, **kwargs)
        finally:
            _reset(token)
    return wrapper

make_light_hand = _handed(_make_light_hand)
make_heavy_hand = _handed(_make_heavy_hand)
"""

_CONFIG = """
[tool.compatshim]
telemetry = false
[tool.compatshim.factories]
"bench_fx.classes:Light" = "bench_fx.factory:make_light"
"bench_fx.classes:Heavy" = { factory = "bench_fx.factory:make_heavy", policy = "ignore" }
"""

_SCRIPT = """
import json, timeit, warnings
import compatshim
compatshim.install("pyproject.toml")
from bench_fx import factory as f
from bench_fx.classes import Context, Heavy
ctx = Context("u", "shop")
contenders = {{
    "light, no rule (baseline)": "f.make_light_plain('a', 'u')",
    "light, compatshim rule": "f.make_light('a', 'u')",
    "light, guard by hand (reference)": "f.make_light_hand('a', 'u')",
    "heavy, no rule (baseline)": "f.make_heavy_plain('a', 'u')",
    "heavy, compatshim rule": "f.make_heavy('a', 'u')",
    "heavy, guard by hand (reference)": "f.make_heavy_hand('a', 'u')",
    "heavy, direct construction outside the factory (counted)": "Heavy('a', ctx)",
}}
best = {{label: float("inf") for label in contenders}}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for _ in range({rounds}):
        for label, stmt in contenders.items():
            seconds = timeit.timeit(stmt, globals=globals(), number={number})
            best[label] = min(best[label], seconds / {number} * 1e9)
print(json.dumps(best))
"""


def bench_factory(quick: bool) -> Result:
    """ns per object made through a factory, with and without a rule (and guarded by hand)."""
    where = _project()
    script = _SCRIPT.format(rounds=5 if quick else 40, number=2000 if quick else 20000)
    best = json.loads(python(script, where))
    light, heavy = best["light, no rule (baseline)"], best["heavy, no rule (baseline)"]
    values = {label: round(value, 1) for label, value in best.items()}
    return {
        "unit": "ns per object",
        "values": values,
        "ratio": {
            "light": round(best["light, compatshim rule"] / light, 2),
            "heavy": round(best["heavy, compatshim rule"] / heavy, 2),
            "light by hand": round(best["light, guard by hand (reference)"] / light, 2),
            "heavy by hand": round(best["heavy, guard by hand (reference)"] / heavy, 2),
        },
        "per_object": {
            "light": round(best["light, compatshim rule"] - light, 1),
            "heavy": round(best["heavy, compatshim rule"] - heavy, 1),
        },
    }


def _project() -> Path:
    where = folder()
    package = where / "bench_fx"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "classes.py").write_text(_CLASSES)
    (package / "factory.py").write_text(_FACTORY)
    (where / "pyproject.toml").write_text(_CONFIG)
    return where


_COUNTED = """
import sys, warnings
import compatshim
compatshim.install("pyproject.toml")
from bench_fx import factory as f
from bench_fx.classes import Context, Heavy
ctx = Context("u", "shop")
warnings.simplefilter("ignore")
exec(compile(f"for _ in range({int(sys.argv[2])}):\\n    {sys.argv[1]}", "<bench>", "exec"))
"""
_CONTENDERS = {
    "light, no rule (baseline)": "f.make_light_plain('a', 'u')",
    "light, compatshim rule": "f.make_light('a', 'u')",
    "light, guard by hand (reference)": "f.make_light_hand('a', 'u')",
    "heavy, no rule": "f.make_heavy_plain('a', 'u')",
    "heavy, compatshim rule": "f.make_heavy('a', 'u')",
    "heavy, guard by hand (reference)": "f.make_heavy_hand('a', 'u')",
    "heavy, direct construction outside the factory (counted)": "Heavy('a', ctx)",
}


def _instructions(where: Path, stmt: str, count: int) -> int:
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         "counted.py", stmt, str(count)],
        cwd=where, env=env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", proc.stderr)
    assert found is not None, proc.stderr[-2000:]
    return int(found.group(1))


def bench_factory_instructions(quick: bool) -> Result:
    """CPU instructions per object made through a factory (valgrind), with and without a rule."""
    if shutil.which("valgrind") is None:
        return {"unit": "instructions per object", "values": {}, "note": "valgrind not found"}
    where = _project()
    (where / "counted.py").write_text(_COUNTED)
    count = 2000 if quick else 20000
    values = {}
    for label, stmt in _CONTENDERS.items():
        empty = _instructions(where, stmt, 0)
        values[label] = round((_instructions(where, stmt, count) - empty) / count)
    light, heavy = values["light, no rule (baseline)"], values["heavy, no rule"]
    return {
        "unit": "instructions per object",
        "values": values,
        "ratio": {
            "light": round(values["light, compatshim rule"] / light, 2),
            "heavy": round(values["heavy, compatshim rule"] / heavy, 2),
            "light by hand": round(values["light, guard by hand (reference)"] / light, 2),
            "heavy by hand": round(values["heavy, guard by hand (reference)"] / heavy, 2),
        },
        "per_object": {
            "light": values["light, compatshim rule"] - light,
            "heavy": values["heavy, compatshim rule"] - heavy,
        },
    }


BENCHMARKS = {"factory": bench_factory, "factory_instructions": bench_factory_instructions}
