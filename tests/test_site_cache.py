"""The per-site caches: an instruction that used a legacy path before is one lookup away.

The first use at an instruction goes through ``uses.use`` (policy, count, warning), which caches
the instruction's counter under ``uses.site_key``; the hot paths build the same keys inline. If
the two ever differ, every read takes the slow route again: counts stay right, so only this
test can tell.
"""

from __future__ import annotations

import sys

from helpers import CANON
from helpers import Project


CONFIG = """
[tool.compatshim]
telemetry = false

[tool.compatshim.aliases]
"old" = "canon"
"old.pkg:Renamed" = "canon.pkg:Thing"
"real.old_sub" = "canon.pkg.sub"
"real:Moved" = "canon.pkg:helper"
"""

SCRIPT = """
import warnings
warnings.simplefilter("ignore")
import compatshim
compatshim.install()
from compatshim._runtime import uses

calls = []
real_use = uses.use

def spy(alias, legacy, *args, **kwargs):
    calls.append(legacy)
    return real_use(alias, legacy, *args, **kwargs)

uses.use = spy
import old.pkg.sub, real, real.old_sub

def reads():
    old.pkg.Thing  # an attribute of a legacy module
    old.pkg.Renamed  # a moved name on a legacy module
    old.pkg.sub  # a legacy child of a legacy module
    real.old_sub  # a legacy child of a real package (its hook)
    real.Moved  # a moved name on a real package (its hook)

calls.clear()
reads()
first = sorted(set(calls))
count = len(calls)
reads()
reads()
from _probe import emit
emit({"first": first, "again": len(calls) - count})
"""


def test_an_instruction_seen_before_never_takes_the_first_use_route(project: Project) -> None:
    """Each kind of cached read goes through ``use`` at its first execution only."""
    project.write({**CANON, "real/__init__.py": ""}).config(CONFIG)
    result = project.run(SCRIPT).value
    assert result["first"] == ["old.pkg", "old.pkg.sub", "old.pkg:Renamed", "real.old_sub",
                               "real:Moved"]  # fmt: skip
    assert result["again"] == 0


def test_a_new_site_costs_a_handful_of_python_calls(canon_project: Project) -> None:
    """The first read at a new line, telemetry on and warning, runs at most 13 Python-level
    functions of compatshim's (the warnings module's own are not counted; the one-time calls of
    the first site are spread over 50): a count, not a timing, so it cannot flake. It was 32.6
    before the first-use path was made lean."""
    result = canon_project.run(
        """
        import sys, warnings, compatshim, _probe
        compatshim.install()
        warnings.simplefilter("default")
        warnings.showwarning = lambda *args, **kwargs: None
        import old.pkg
        old.pkg.CONSTANT
        namespace = {"__name__": "sites"}
        source = "".join(f"def f{i}(m):\\n    return m.CONSTANT\\n" for i in range(50))
        exec(compile(source, "sites.py", "exec"), namespace)
        functions = [namespace[f"f{i}"] for i in range(50)]
        calls = []
        def profile(frame, event, arg):
            if event == "call" and "compatshim" in frame.f_code.co_filename:
                calls.append(frame.f_code.co_name)
        sys.setprofile(profile)
        for function in functions:
            function(old.pkg)
        sys.setprofile(None)
        _probe.emit([len(calls) / 50, sorted(set(calls))])
        """
    )
    per_site, names = result.value
    # 3.12 reports a specialised read at another offset: two calls of _base.compat find it.
    limit = 16 if sys.version_info[:2] == (3, 12) else 13
    assert per_site <= limit, names


def test_one_instruction_reading_two_legacy_modules_counts_each(project: Project) -> None:
    """The per-site caches are per legacy module: one instruction that reads two legacy modules
    in turn (``m.X`` with ``m`` each of them) counts each read for the alias it went through,
    and a cached entry of one module never serves the other."""
    project.write(
        {
            "canon_a.py": "X = 'a'\n",
            "canon_b.py": "X = 'b'\n",
            "pyproject.toml": (
                "[tool.compatshim]\ntelemetry = false\n[tool.compatshim.aliases]\n"
                '"old_a" = "canon_a"\n"old_b" = "canon_b"\n'
            ),
        }
    )
    result = project.run(
        """
        import warnings
        warnings.simplefilter("ignore")
        import compatshim
        compatshim.install()
        from compatshim._telemetry.recorder import recorder
        import old_a, old_b
        def read(m):
            return m.X
        values = [read(m) for m in (old_a, old_b, old_a, old_b, old_b)]
        from _probe import emit
        emit({"values": values, "hits": sorted(
            (legacy, n) for legacy, _, where, n in recorder.summary()
            if where.endswith(":8")
        )})
        """
    )
    assert result.value == {
        "values": ["a", "b", "a", "b", "b"],
        "hits": [["old_a", 2], ["old_b", 3]],
    }


def test_each_legacy_module_is_a_legacy_module_by_type_and_name(canon_project: Project) -> None:
    """Each legacy module holds its state in its own subclass of ``LegacyModule`` (the read's
    hot path reads it from a closure): it still is a ``compatshim.LegacyModule``, named so, and
    its attributes, ``dir()`` and ``repr()`` are those of a legacy module."""
    result = canon_project.run(
        """
        import warnings
        warnings.simplefilter("ignore")
        import compatshim
        compatshim.install()
        import old.pkg, canon.pkg
        kind = type(old.pkg)
        from _probe import emit
        emit([
            isinstance(old.pkg, compatshim.LegacyModule),
            kind is not compatshim.LegacyModule and issubclass(kind, compatshim.LegacyModule),
            kind.__name__, kind.__qualname__, kind.__module__,
            old.pkg.CONSTANT is canon.pkg.CONSTANT,
            old.pkg.__name__,
            repr(old.pkg).startswith("<module 'old.pkg' (alias of 'canon.pkg')"),
            old.pkg.__class__ is kind,
        ])
        """
    )
    assert result.value == [
        True, True, "LegacyModule", "LegacyModule", "compatshim", True, "old.pkg", True, True
    ]  # fmt: skip


def test_a_new_context_sends_each_kind_of_cached_read_through_use_once_more(
    project: Project,
) -> None:
    """After a context switch (a new test), each kind of cached read takes the first-use route
    once more (so that it warns again and counts for the new context), then is cached again;
    the hits of each context are exact."""
    project.write({**CANON, "real/__init__.py": ""}).config(
        CONFIG.replace("telemetry = false", "telemetry = true")
    )
    script = SCRIPT.replace(
        'emit({"first": first, "again": len(calls) - count})',
        """
from compatshim._runtime import install as _runtime
from compatshim._telemetry.recorder import recorder
def per_context():
    totals = {}
    for group in recorder._groups.values():
        for line, record in group.lines.items():
            n = record.__reduce__()[1][1]
            first_line = reads.__code__.co_firstlineno
            if n and first_line < line <= first_line + 5:  # the lines of reads()
                totals[group.key[4]] = totals.get(group.key[4], 0) + n
    return totals
_runtime.set_context("t1")
calls.clear()
reads()
reads()
after_switch = sorted(calls)
_runtime.set_context("t2")
calls.clear()
reads()
emit({"first": first, "again": len(calls) - count, "after_switch": after_switch,
      "t2": sorted(calls), "hits": per_context(), "count": count})
""",
    )
    assert script != SCRIPT
    result = project.run(script).value
    kinds = ["old.pkg", "old.pkg.sub", "old.pkg:Renamed", "real.old_sub", "real:Moved"]
    assert result["first"] == kinds
    assert result["again"] == 0
    # once per use, as the first time (not once per read)
    assert len(result["after_switch"]) == len(result["t2"]) == result["count"]
    assert sorted(set(result["after_switch"])) == sorted(set(result["t2"])) == kinds
    # six uses per call of reads() (line 3 reads two legacy children): 3, 2 and 1 calls
    assert result["hits"] == {"": 18, "t1": 12, "t2": 6}
