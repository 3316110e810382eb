"""The floor of a counted read: what each part of a legacy module's read path costs, alone.

Not part of ``run.py``: a prototype kept to back a claim of docs/performance.md (issue 12, "Still
not reached"). Each contender is a ``ModuleType`` subclass whose ``__getattribute__`` does only
what its label says, against a bare PEP 562 forwarder, in a tight loop and from fresh frames (a
read inside a called function), best of 7 interleaved rounds. "frame" is ``sys._getframe(1)``
alone; "two-level cache" is compatshim's ``cells[id(code)][f_lasti]`` with no other check.

    python benchmarks/readfloor.py
"""

from __future__ import annotations

import itertools
import sys
import time
import types
from typing import Any


_canonical = types.ModuleType("canon")
_canonical.X = 1  # type: ignore[attr-defined]
_namespace = _canonical.__dict__
_getframe = sys._getframe
_counter = itertools.count()


def _frame_only(self: Any, name: str, _getframe: Any = _getframe) -> Any:
    _getframe(1)
    return _namespace[name]


def _two_level(cells: dict[int, dict[int, Any]]) -> Any:
    def __getattribute__(self: Any, name: str, _getframe: Any = _getframe, id: Any = id) -> Any:
        frame = _getframe(1)
        try:
            next(cells[id(frame.f_code)][frame.f_lasti])
        except KeyError:
            cells.setdefault(id(frame.f_code), {})[frame.f_lasti] = enumerate(_counter)
        return _namespace[name]

    return __getattribute__


def _flat_tuple(cells: dict[tuple[int, int], Any]) -> Any:
    def __getattribute__(self: Any, name: str, _getframe: Any = _getframe, id: Any = id) -> Any:
        frame = _getframe(1)
        key = (id(frame.f_code), frame.f_lasti)
        try:
            next(cells[key])
        except KeyError:
            cells[key] = enumerate(_counter)
        return _namespace[name]

    return __getattribute__


def _module(getattribute: Any) -> types.ModuleType:
    cls: type[types.ModuleType] = type(
        "Legacy", (types.ModuleType,), {"__getattribute__": getattribute}
    )
    return cls("legacy")


def _read(module: Any) -> Any:
    return module.X


def _loop(module: Any, number: int) -> None:
    for _ in range(number):
        module.X  # noqa: B018 - the read is what is measured


def _frames(module: Any, number: int) -> None:
    for _ in range(number):
        _read(module)


def main() -> None:
    """Print ns per read of each contender, and its ratio to the bare forwarder."""
    bare = types.ModuleType("bare")
    vars(bare)["__getattr__"] = lambda name: getattr(_canonical, name)
    contenders = {
        "bare PEP 562 forwarder": bare,
        "frame": _module(_frame_only),
        "two-level cache": _module(_two_level({})),
        "flat tuple key": _module(_flat_tuple({})),
    }
    for module in contenders.values():
        _loop(module, 2)
        _frames(module, 2)
    number = 200_000
    best = {label: [float("inf"), float("inf")] for label in contenders}
    for _ in range(7):
        for label, module in contenders.items():
            start = time.perf_counter()
            _loop(module, number)
            middle = time.perf_counter()
            _frames(module, number)
            end = time.perf_counter()
            best[label][0] = min(best[label][0], (middle - start) / number * 1e9)
            best[label][1] = min(best[label][1], (end - middle) / number * 1e9)
    loop0, frames0 = best["bare PEP 562 forwarder"]
    for label, (loop, frames) in best.items():
        print(
            f"{label:24} loop {loop:6.1f} ns ({loop / loop0:.2f}x)  "
            f"fresh frames {frames:6.1f} ns ({frames / frames0:.2f}x)"
        )


if __name__ == "__main__":
    main()
