"""The per-site caches: an instruction that used a legacy path before is one lookup away.

The first use at an instruction goes through ``uses.use`` (policy, count, warning), which caches
the instruction's counter under ``uses.site_key``; the hot paths build the same keys inline. If
the two ever differ, every read takes the slow route again: counts stay right, so only this
test can tell.
"""

from __future__ import annotations

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
