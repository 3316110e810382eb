"""``dir()`` of a legacy module and attribute access agree, on real modules as canonical targets.

Code that walks ``dir(module)`` and reads each name (test suites, serializers, doc tools) must
work on a legacy path as on the canonical one: every listed name can be read, and reads the
canonical object, except what the legacy module owns (``__name__``, ``__spec__``, ``__loader__``,
``__package__``, ``__path__`` and its child modules, which are legacy modules of the canonical
children). Runs hypothesis inside a fresh interpreter.
"""

from __future__ import annotations

from helpers import Project


CONFIG = """
[tool.compatshim]
telemetry = false

[tool.compatshim.aliases]
"cs_json" = "json"
"cs_email" = "email"
"cs_collections" = "collections"
"cs_importlib" = "importlib"
"cs_hypothesis" = "hypothesis"
"cs_packaging" = "packaging"
"cs_lazy" = "lazy"
"gone.mod:Name" = "json:dumps"
"""

# A canonical module with a PEP 562 __getattr__ and __dir__: dir() lists names only the hook has.
LAZY = """
import json

def __getattr__(name):
    if name == "computed":
        return json
    raise AttributeError(name)

def __dir__():
    return sorted([*globals(), "computed"])
"""

SCRIPT = """
import importlib, pkgutil, sys, warnings, _probe, compatshim
from compatshim._runtime.proxy import canonical_of
from hypothesis import HealthCheck, given, settings, strategies as st

compatshim.install()
warnings.simplefilter("ignore")
ROOTS = {"cs_json": "json", "cs_email": "email", "cs_collections": "collections",
         "cs_importlib": "importlib", "cs_hypothesis": "hypothesis",
         "cs_packaging": "packaging", "cs_lazy": "lazy"}
OWNED = {"__name__", "__spec__", "__loader__", "__package__", "__path__"}


def modules(root, canonical):
    # The package and its direct submodules that import cleanly on this machine.
    names = [canonical]
    path = getattr(importlib.import_module(canonical), "__path__", None)
    names += [f"{canonical}.{info.name}" for info in pkgutil.iter_modules(path or [])]
    found = []
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(name)
        except Exception:
            continue
        found.append((root + name[len(canonical):], name))
    return found


PAIRS = [pair for root, canonical in ROOTS.items() for pair in modules(root, canonical)]


def agree(legacy, canonical):
    names = dir(legacy)
    assert names == sorted(set(names)), "dir() is sorted and unique"
    missing = set(dir(canonical)) - set(names)
    assert not missing, f"{legacy.__name__}: dir() lacks {sorted(missing)}"
    for name in names:
        assert hasattr(legacy, name), f"{legacy.__name__}: dir() lists {name}, hasattr says no"
        value = getattr(legacy, name)
        if name in OWNED:
            continue
        expected = getattr(canonical, name)
        if isinstance(value, compatshim.LegacyModule):  # a child: the canonical child's legacy
            assert canonical_of(value) is expected, f"{legacy.__name__}.{name}"
        else:
            assert value is expected, f"{legacy.__name__}.{name}: {value!r} is not {expected!r}"


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PAIRS), st.lists(st.tuples(st.sampled_from(PAIRS), st.booleans()),
                                        max_size=4))
def test(pair, touched):
    # Import other modules first, by either path: children and namespaces differ from run to run.
    for (legacy_name, canonical_name), by_legacy in touched:
        importlib.import_module(legacy_name if by_legacy else canonical_name)
    legacy_name, canonical_name = pair
    agree(importlib.import_module(legacy_name), importlib.import_module(canonical_name))


test()
import gone.mod
virtual = dir(gone.mod)
unreadable = [name for name in virtual if not hasattr(gone.mod, name)]
file_ok = (cs_json := importlib.import_module("cs_json")).__file__ == sys.modules["json"].__file__
_probe.emit({"pairs": len(PAIRS), "virtual": "Name" in virtual, "unreadable": unreadable,
             "file": file_ok, "lazy": "computed" in dir(importlib.import_module("cs_lazy"))})
"""


def test_dir_and_attribute_access_agree(project: Project) -> None:
    """For every name in dir(legacy), hasattr holds and getattr is the canonical object."""
    project.write({"lazy.py": LAZY}).config(CONFIG)
    result = project.run(SCRIPT)
    value = result.value
    assert value["pairs"] > 20  # the packages and their submodules were found
    assert value["virtual"] is True
    assert value["unreadable"] == []
    assert value["file"] is True  # __file__ of a legacy module is the canonical file
    assert value["lazy"] is True


def test_a_module_level_dunder_is_read_from_the_canonical_module(project: Project) -> None:
    """PEP 562's ``__dir__`` defined by the canonical module is what the legacy path reads.

    ``LegacyModule`` defines ``__dir__`` too; reading the attribute must still give the module's
    own function (as on the canonical module), while ``dir()`` keeps working on both.
    """
    project.write({"lazy.py": LAZY}).config(CONFIG)
    result = project.run(
        "import compatshim, _probe\n"
        "compatshim.install()\n"
        "import lazy, cs_lazy, cs_json, json\n"
        "_probe.emit({'same': cs_lazy.__dir__ is lazy.__dir__,\n"
        "             'getattr': cs_lazy.__getattr__ is lazy.__getattr__,\n"
        "             'plain': sorted(cs_json.__dir__()) == dir(cs_json),\n"
        "             'listed': 'computed' in dir(cs_lazy)})\n"
    )
    assert result.value == {"same": True, "getattr": True, "plain": True, "listed": True}
