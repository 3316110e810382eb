"""The cost of a factory rule: constructing a class through its factory, guarded and not.

Three classes, each made by a factory ``make(name, user)`` that builds a small context object and
the class: "light" (``__init__`` sets three attributes), "heavy" (also a lock, a bounded deque,
a logger lookup) and "manager" (what a WebSocket manager's ``__init__`` does: several dicts and
sets, an ``asyncio.Lock`` and ``asyncio.Queue``, a logger, keyword options). Each is made two
ways in one run: the same code without a rule (the baseline) and with compatshim's rule. For
reference, the light class also with the guard written the two other ways compatshim could
write it: plain ``(*args, **kwargs)`` wrappers, and wrapt's ``FunctionWrapper`` on ``__init__``
(``enabled=ContextVar.get``; compatshim's guard until 0.1). Also per object: a direct
construction outside the factory at a line seen before (counted, warned once).

* ``factory``: ns per object; contenders interleaved in short rounds, minima quoted.
* ``factory_instructions``: the same contenders counted in CPU instructions per object by
  valgrind (``callgrind``), where timings on a shared machine are too noisy: each contender runs
  in its own interpreter making N and 2N objects, and the difference is divided by N (the lower
  of two tries).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from _common import Result
from _common import env
from _common import folder
from _common import python


_CLASSES = """
import asyncio, collections, contextvars, logging, threading, time, wrapt

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

def _manager(name):
    class Manager:
        def __init__(self, name, context, *, max_connections=100, queue_size=1000):
            self.name = name
            self.context = context
            self.connections = {}
            self.by_user = collections.defaultdict(set)
            self.rooms = {}
            self.active = set()
            self.lock = asyncio.Lock()
            self.outbox = asyncio.Queue(maxsize=queue_size)
            self.max_connections = max_connections
            self.log = logging.getLogger("chat.ws." + name)
            self.stats = {"sent": 0, "received": 0, "dropped": 0, "errors": 0}
            self.created = time.monotonic()
            self.listeners = []
            self.closed = False
    Manager.__name__ = Manager.__qualname__ = name
    return Manager

Light, LightPlain = _light("Light"), _light("LightPlain")
LightPacking, LightWrapt = _light("LightPacking"), _light("LightWrapt")
Heavy, HeavyPlain = _heavy("Heavy"), _heavy("HeavyPlain")
Manager, ManagerPlain = _manager("Manager"), _manager("ManagerPlain")

# The guard written the two other ways, for reference (the factories' wrapper is in factory.py).
_outside = contextvars.ContextVar("hand", default=True)
_get, _set, _reset = _outside.get, _outside.set, _outside.reset

def _packing(cls):
    original = cls.__init__
    def __init__(self, *args, **kwargs):
        if _get() and type(self) is cls:
            raise TypeError("direct")
        original(self, *args, **kwargs)
    cls.__init__ = __init__

def _checker(wrapped, instance, args, kwargs):
    raise TypeError("direct")

_packing(LightPacking)
LightWrapt.__init__ = wrapt.FunctionWrapper(LightWrapt.__init__, _checker, enabled=_get)
"""

_FACTORY = """
from bench_fx.classes import Context, Heavy, HeavyPlain, Light, LightPacking, LightPlain
from bench_fx.classes import LightWrapt, Manager, ManagerPlain, _reset, _set

def make_light(name, user):
    return Light(name, Context(user, "shop"))

def make_light_plain(name, user):
    return LightPlain(name, Context(user, "shop"))

def make_heavy(name, user):
    return Heavy(name, Context(user, "shop"))

def make_heavy_plain(name, user):
    return HeavyPlain(name, Context(user, "shop"))

def make_manager(name, user):
    return Manager(name, Context(user, "shop"), max_connections=50)

def make_manager_plain(name, user):
    return ManagerPlain(name, Context(user, "shop"), max_connections=50)

def _make_light_packing(name, user):
    return LightPacking(name, Context(user, "shop"))

def _make_light_wrapt(name, user):
    return LightWrapt(name, Context(user, "shop"))

def _packing(factory):
    def wrapper(*args, **kwargs):
        token = _set(False)
        try:
            return factory(*args, **kwargs)
        finally:
            _reset(token)
    return wrapper

make_light_packing = _packing(_make_light_packing)
make_light_wrapt = _packing(_make_light_wrapt)
"""

_CONFIG = """
[tool.compatshim]
telemetry = false
[tool.compatshim.factories]
"bench_fx.classes:Light" = "bench_fx.factory:make_light"
"bench_fx.classes:Heavy" = { factory = "bench_fx.factory:make_heavy", policy = "ignore" }
"bench_fx.classes:Manager" = "bench_fx.factory:make_manager"
"""

# label -> statement; "X, no rule" is the baseline of the rows "X, ...".
_CONTENDERS = {
    "light, no rule": "f.make_light_plain('a', 'u')",
    "light, compatshim rule": "f.make_light('a', 'u')",
    "light, (*args, **kwargs) wrappers (reference)": "f.make_light_packing('a', 'u')",
    "light, wrapt FunctionWrapper on __init__ (reference)": "f.make_light_wrapt('a', 'u')",
    "heavy, no rule": "f.make_heavy_plain('a', 'u')",
    "heavy, compatshim rule": "f.make_heavy('a', 'u')",
    "manager, no rule": "f.make_manager_plain('a', 'u')",
    "manager, compatshim rule": "f.make_manager('a', 'u')",
    "heavy, direct construction outside the factory (counted)": "Heavy('a', ctx)",
}
_SCRIPT = """
import json, timeit, warnings
import compatshim
compatshim.install("pyproject.toml")
from bench_fx import factory as f
from bench_fx.classes import Context, Heavy
ctx = Context("u", "shop")
contenders = {contenders}
best = {{label: float("inf") for label in contenders}}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for _ in range({rounds}):
        for label, stmt in contenders.items():
            seconds = timeit.timeit(stmt, globals=globals(), number={number})
            best[label] = min(best[label], seconds / {number} * 1e9)
print(json.dumps(best))
"""


def _summary(values: Mapping[str, float], unit: str) -> Result:
    """Ratios and per-object costs of each contender against its class's baseline."""
    ratio, per_object = {}, {}
    for label, value in values.items():
        kind, _, how = label.partition(", ")
        baseline = values.get(f"{kind}, no rule")
        if baseline is None or how == "no rule" or "outside" in how:
            continue
        short = kind if how == "compatshim rule" else f"{kind} {how}"
        ratio[short] = round(value / baseline, 2)
        per_object[short] = round(value - baseline, 1)
    return {"unit": unit, "values": values, "ratio": ratio, "per_object": per_object}


def bench_factory(quick: bool) -> Result:
    """ns per object made through a factory, with and without a rule (and guarded by hand)."""
    where = _project()
    script = _SCRIPT.format(
        contenders=repr(_CONTENDERS), rounds=5 if quick else 40, number=2000 if quick else 20000
    )
    best = json.loads(python(script, where))
    return _summary({label: round(value, 1) for label, value in best.items()}, "ns per object")


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
    _instructions(where, "pass", 1)  # writes the bytecode of bench_fx, outside any count
    values = {}
    for label, stmt in _CONTENDERS.items():
        # N and 2N objects, so that one-time costs (the first calls, warming the interpreter's
        # specialised instructions) cancel out; the lower of two tries (start-up varies by a
        # few hundred thousand instructions between processes: hash seeds, addresses); one try
        # with --quick, a smoke run (CI's), where valgrind's runs are most of the time.
        values[label] = min(
            round(
                (_instructions(where, stmt, 2 * count) - _instructions(where, stmt, count)) / count
            )
            for _ in range(1 if quick else 2)
        )
    return _summary(values, "instructions per object")


BENCHMARKS = {"factory": bench_factory, "factory_instructions": bench_factory_instructions}
