"""A legacy module below a package is seen at every line that reads it, however it got imported.

After the first import of ``pkg.old`` the import system binds it on ``pkg``; a later
``from pkg import old`` elsewhere is then an attribute read of ``pkg``. Each such line must warn
once, count once per execution and raise under ``error``, for real packages (served by the
package's hook) and legacy ones (served by the legacy module). Fresh interpreters throughout.
"""

from __future__ import annotations

import sys

import pytest
from helpers import CANON
from helpers import Project


# The second use of the child, each in its own module, inside a function run twice:
# (module name, source, line of the use). {p} is the parent, {c} the child.
SECOND = [
    ("s_from", "def run():\n    from {p} import {c}\n    return {c}\n", 2),
    ("s_from_as", "def run():\n    from {p} import {c} as m\n    return m\n", 2),
    ("s_import_as", "def run():\n    import {p}.{c} as m\n    return m\n", 2),
    ("s_attr", "import {p}\n\ndef run():\n    return {p}.{c}\n", 4),
    (
        "s_import_module",
        "import importlib\n\ndef run():\n    return importlib.import_module('{p}.{c}')\n",
        4,
    ),
]
# The first import, elsewhere.
FIRST = {
    "import": "import {p}.{c}\n",
    "from": "from {p} import {c}\n",
    "import_module": "import importlib\nimportlib.import_module('{p}.{c}')\n",
    "attribute": "import {p}\n{p}.{c}\n",
}
# (parent, child): a real package with a legacy child; a legacy package and its child under the
# same alias; a legacy package and a child with an alias of its own.
PARENTS = [("pkg", "old"), ("legacy", "pkg"), ("legacy", "moved")]

CONFIG = """
[tool.compatshim]
telemetry = false

[tool.compatshim.aliases]
"pkg.old" = "pkg.new"
"legacy" = "canon"
"legacy.moved" = "pkg.new"
"""


@pytest.fixture
def children(project: Project) -> Project:
    return (
        project.write(CANON)
        .write(
            {
                "pkg/__init__.py": "VALUE = 1\n",
                "pkg/new.py": "class Thing:\n    pass\n\ndef f():\n    return 'f'\n",
            }
        )
        .config(CONFIG)
    )


def _expected_seen(name: str) -> bool:
    # A repeated import_module() of an imported module never reaches compatshim before 3.11.
    return name != "s_import_module" or sys.version_info >= (3, 11)


def _expected_warnings(parent: str, child: str, name: str, seen: bool) -> list[str]:
    # How each warning at the line of the use starts.
    if not seen:
        return []
    legacy = f"{parent}.{child}"
    if parent == "pkg":
        return [f"{legacy} is deprecated"]
    # ``from legacy import x`` also imports the legacy package: a use of "legacy" itself.
    package = ["legacy is deprecated"] if name.startswith("s_from") else []
    if child == "pkg":  # one alias: one warning per line, naming the first path it used
        return package or [f"{legacy} is deprecated"]
    return [*package, f"{legacy} is deprecated"]  # two aliases, two warnings


@pytest.mark.parametrize(
    ("parent", "child", "first"),
    [
        (parent, child, first)
        for parent, child in PARENTS
        for first in sorted(FIRST)
        # Only a real package imports a legacy child on an attribute read (a legacy package
        # is its canonical package, which has not imported that submodule).
        if first != "attribute" or parent == "pkg"
    ],
)
def test_every_later_read_of_a_child_warns_counts_and_raises(
    children: Project, parent: str, child: str, first: str
) -> None:
    files = {"first.py": FIRST[first].format(p=parent, c=child)}
    for name, source, _ in SECOND:
        files[f"{name}.py"] = source.format(p=parent, c=child)
    children.write(files)
    result = children.run(
        f"""
        import sys, warnings, _probe, compatshim
        from compatshim import LegacyPathError
        from compatshim._telemetry.recorder import recorder
        compatshim.install()
        warnings.simplefilter("ignore")
        import first
        modules = [__import__(name) for name in {[n for n, _, _ in SECOND]!r}]
        with _probe.record() as w:
            same = [m.run() is m.run() is sys.modules["{parent}.{child}"] for m in modules]
        hits = {{site: n for _, _, site, n in recorder.summary()}}
        compatshim._runtime.install.set_policy_override("error")
        compatshim._runtime.uses.reset_warnings()  # as between tests: each site is looked at afresh
        raised = []
        for m in modules:
            try:
                m.run()
            except LegacyPathError as exc:
                raised.append(m.__name__)
        _probe.emit({{"same": same, "warnings": w.simple(), "hits": hits, "raised": raised,
                     "in_namespace": "{child}" in vars(sys.modules["{parent}"])}})
        """
    )
    value = result.value
    assert value["same"] == [True] * len(SECOND)
    for name, _, line in SECOND:
        seen = _expected_seen(name)
        warned = [(w["line"], w["message"]) for w in value["warnings"] if w["file"] == f"{name}.py"]
        expected = _expected_warnings(parent, child, name, seen)
        assert [w[0] for w in warned] == [line] * len(expected), (name, warned)
        assert all(m.startswith(e) for (_, m), e in zip(warned, expected)), (name, warned)
        # Counted at the line of the use, once per execution, like every other form.
        counted = sum(n for site, n in value["hits"].items() if site == f"{name}.py:{line}")
        assert counted == (2 if seen else 0), (name, value["hits"])
        assert (name in value["raised"]) == seen, (name, value["raised"])
    if parent == "pkg":
        assert value["in_namespace"] is False  # served by the hook, never a plain read


def test_real_package_keeps_its_class_and_namespace(children: Project) -> None:
    """The package's own names stay plain attributes; the legacy child works in every role."""
    result = children.run(
        """
        import pickle, sys, types, warnings, _probe, compatshim
        from unittest import mock
        compatshim.install()
        warnings.simplefilter("ignore")
        import pkg.old
        import pkg.new
        patched = []
        with mock.patch("pkg.old.f", return_value="mocked"):
            patched.append(pkg.new.f())
        with mock.patch("pkg.old", "replaced"):
            patched.append(pkg.old)
        patched.append(pkg.old is sys.modules["pkg.old"])
        thing = pickle.loads(pickle.dumps(pkg.old.Thing()))
        state = {
            "class": type(pkg) is types.ModuleType,
            "namespace": sorted(k for k in vars(pkg) if not k.startswith("__")),
            "patched": patched,
            "pickle": type(thing) is pkg.new.Thing and type(thing).__module__ == "pkg.new",
            "in_dir": "old" in dir(pkg),
        }
        compatshim.uninstall()
        state["after_uninstall"] = hasattr(pkg, "old")
        _probe.emit(state)
        """
    )
    assert result.value == {
        "class": True,
        "namespace": ["VALUE", "new"],
        "patched": ["mocked", "replaced", True],
        "pickle": True,
        "in_dir": False,
        "after_uninstall": False,
    }


def test_children_imported_by_many_threads_stay_out_of_the_namespace(project: Project) -> None:
    """Concurrent first imports of several legacy children of one package: none is bound on it,
    and the package ends with its own class."""
    count = 8
    files = {"pkg/__init__.py": ""}
    files.update({f"pkg/new{i}.py": f"VALUE = {i}\n" for i in range(count)})
    aliases = "\n".join(f'"pkg.old{i}" = "pkg.new{i}"' for i in range(count))
    project.write(files).config(
        f"[tool.compatshim]\ntelemetry = false\n[tool.compatshim.aliases]\n{aliases}\n"
    )
    result = project.run(
        f"""
        import importlib, sys, threading, types, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import pkg
        barrier = threading.Barrier({count})
        def load(i):
            barrier.wait()
            importlib.import_module(f"pkg.old{{i}}")
        threads = [threading.Thread(target=load, args=(i,)) for i in range({count})]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        _probe.emit({{
            "bound": sorted(k for k in vars(pkg) if k.startswith("old")),
            "class": type(pkg) is types.ModuleType,
            "values": [getattr(pkg, f"old{{i}}").VALUE for i in range({count})],
        }})
        """
    )
    assert result.value == {"bound": [], "class": True, "values": list(range(count))}


def test_a_read_that_imports_a_child_under_error_leaves_nothing_behind(children: Project) -> None:
    """Under ``error`` the first read of a legacy child fails like its import: the child is not
    left in sys.modules, so a later import statement fails too (on every Python)."""
    result = children.run(
        """
        import sys, _probe, compatshim
        from compatshim import LegacyPathError
        compatshim.install()
        import warnings
        warnings.simplefilter("ignore")
        import pkg, legacy, canon.pkg  # canon.pkg: legacy.pkg is then an attribute of legacy
        compatshim._runtime.install.set_policy_override("error")
        outcomes = []
        for attempt in ("pkg.old", "from pkg import old", "legacy.pkg", "from legacy import pkg",
                        "import pkg.old", "import legacy.pkg"):
            try:
                exec(attempt if " " in attempt else f"x = {attempt}", {"pkg": pkg, "legacy": legacy})
            except LegacyPathError as exc:
                outcomes.append([attempt, "raised", str(exc).split(" is no longer")[0]])
            else:
                outcomes.append([attempt, "passed", None])
        _probe.emit({"outcomes": outcomes,
                     "left": sorted(n for n in ("pkg.old", "legacy.pkg") if n in sys.modules)})
        """
    )
    # (The path named for a legacy package differs: 3.13 raises at its served import already.)
    attempts = ["pkg.old", "from pkg import old", "legacy.pkg", "from legacy import pkg"]
    attempts += ["import pkg.old", "import legacy.pkg"]
    assert [outcome[:2] for outcome in result.value["outcomes"]] == [
        [attempt, "raised"] for attempt in attempts
    ]
    assert [o[2] for o in result.value["outcomes"][:2]] == ["pkg.old", "pkg.old"]
    assert result.value["left"] == []
