"""What each approach can express and what it gets right: the evidence for docs/comparison.md.

Every cell of the comparison table is the result of a probe run here, in a fresh interpreter per
probe, and the expected matrix below is what the page shows (a test keeps the page in step).
Peers that are not installed are skipped: ``pip install -e ".[bench]"``.

Run with ``python -m pytest benchmarks/test_comparison.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import peers
import pytest


ROOT = Path(__file__).resolve().parent.parent


# feature -> peer -> what the probe finds. "identical": the legacy path gives the canonical
# object itself; "user line": every warning points at the line of the user's code.
def _where(**differences: str) -> dict[str, str]:
    # Where each peer's warnings point for one form: "no warning" unless said otherwise.
    return {**dict.fromkeys(peers.PACKAGES, "no warning"), **differences}


EXPECTED: dict[str, dict[str, str]] = {
    "module alias": dict.fromkeys(peers.PACKAGES, "yes"),
    "package prefix alias": {
        **dict.fromkeys(peers.PACKAGES, "no"),
        "compatshim": "yes",
    },
    "moved class": {
        "compatshim": "identical",
        "pep562": "identical",
        "importwarn": "identical",
        "bare": "identical",
        "sysmodules": "not expressible",
        "debtcollector": "a different object",
        "deprecated": "a different object",
        "pydeprecate": "not expressible",
        "lazy_loader": "identical",
        "apipkg": "identical",
    },
    "renamed function": {
        "compatshim": "identical",
        "pep562": "identical",
        "importwarn": "identical",
        "bare": "identical",
        "sysmodules": "not expressible",
        "debtcollector": "a different object",
        "deprecated": "a different object",
        "pydeprecate": "a different object",
        "lazy_loader": "identical",
        "apipkg": "identical",
    },
    "pickle of a moved class loads as the canonical class": {
        "compatshim": "yes",
        "pep562": "yes",
        "importwarn": "yes",
        "bare": "yes",
        "sysmodules": "not expressible",
        "debtcollector": "no",
        "deprecated": "no",
        "pydeprecate": "not expressible",
        "lazy_loader": "yes",
        "apipkg": "yes",
    },
    **dict.fromkeys(
        (
            "warning: import pkg.mod, then pkg.mod.X",
            "warning: from pkg.mod import X",
            "warning: import pkg.mod as m, then m.X",
            "warning: from pkg import mod, then mod.X",
            "warning: __import__('pkg.mod', fromlist=['X'])",
        ),
        _where(
            compatshim="user line",
            pep562="user line",
            importwarn="user line",
            debtcollector="elsewhere: the shim",
        ),
    ),
    "warning: importlib.import_module('pkg.mod')": _where(
        compatshim="user line", importwarn="elsewhere: stdlib", debtcollector="elsewhere: the shim"
    ),
    "warning: a second import, at another line": _where(compatshim="user line", pep562="user line"),
    "warning: mock.patch('pkg.mod.X')": _where(
        compatshim="user line",
        pep562="elsewhere: stdlib",
        importwarn="elsewhere: stdlib",
        debtcollector="elsewhere: the shim",
    ),
    "warning: moved class used": _where(
        compatshim="user line",
        pep562="user line",
        sysmodules="not expressible",
        debtcollector="user line",
        deprecated="user line",
        pydeprecate="not expressible",
    ),
    "removal enforced after its version or date": {
        **dict.fromkeys(peers.PACKAGES, "not expressible"),
        "compatshim": "yes",
        "debtcollector": "message only",
        "deprecated": "message only",
        "pydeprecate": "message only",
    },
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return peers.write(tmp_path_factory.mktemp("peers"))


def run(tree: Path, peer: str, script: str) -> dict[str, object]:
    """Run ``script`` for one peer in a fresh interpreter; the JSON it printed last."""
    package = peers.PACKAGES[peer]
    (tree / "probe.py").write_text(PRELUDE + script.replace("PKG", package))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(ROOT)])
    env["PEER"] = peer
    proc = subprocess.run(
        [sys.executable, "probe.py"], cwd=tree, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    return result


PRELUDE = """
import json, os, sys, warnings
if os.environ["PEER"] == "compatshim":
    import compatshim
    compatshim.install("pyproject.toml")
import canon_bench.mod
out = {}
def emit():
    print(json.dumps(out))
def where(recorded):
    # Whether every warning points at this file (the user's code), and at which lines.
    if not recorded:
        return "no warning"
    if all(w.filename == __file__ for w in recorded):
        return "user line"
    # Elsewhere: in the import machinery (importlib, or unittest.mock's own importer on 3.9),
    # or in the legacy module itself.
    other = next(w.filename for w in recorded if w.filename != __file__)
    stdlib = os.path.dirname(os.__file__)
    if other.startswith("<frozen") or (other.startswith(stdlib) and "-packages" not in other):
        return "elsewhere: stdlib"
    return "elsewhere: the shim"
"""


def _peers() -> list[str]:
    return [p for p in peers.PACKAGES if peers.available(p)]


@pytest.fixture(params=_peers())
def peer(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_module_and_package_prefix_alias(tree: Path, peer: str) -> None:
    result = run(
        tree,
        peer,
        """
warnings.simplefilter("ignore")
import importlib
out["module alias"] = "yes" if importlib.import_module("PKG.mod").X == 1 else "no"
try:
    importlib.import_module("PKG.sub.deep")
    out["package prefix alias"] = "yes"
except ImportError:
    out["package prefix alias"] = "no"
emit()
""",
    )
    for feature in ("module alias", "package prefix alias"):
        assert result[feature] == EXPECTED[feature][peer], feature


def test_moved_names_and_identity(tree: Path, peer: str) -> None:
    result = run(
        tree,
        peer,
        """
warnings.simplefilter("ignore")
import importlib, pickle
mod = importlib.import_module("PKG.mod")
def identity(name, canonical):
    value = getattr(mod, name, None)
    if value is None:
        return "not expressible"
    return "identical" if value is canonical else "a different object"
out["moved class"] = identity("OldName", canon_bench.mod.NewName)
out["renamed function"] = identity("old_func", canon_bench.mod.new_func)
if out["moved class"] == "not expressible":
    out["pickle"] = "not expressible"
else:
    loaded = pickle.loads(pickle.dumps(mod.OldName()))
    out["pickle"] = "yes" if type(loaded) is canon_bench.mod.NewName else "no"
emit()
""",
    )
    assert result["moved class"] == EXPECTED["moved class"][peer]
    assert result["renamed function"] == EXPECTED["renamed function"][peer]
    pickled = EXPECTED["pickle of a moved class loads as the canonical class"][peer]
    assert result["pickle"] == pickled


_FORMS = {
    "warning: import pkg.mod, then pkg.mod.X": "import PKG.mod\nx = PKG.mod.X\n",
    "warning: from pkg.mod import X": "from PKG.mod import X\n",
    "warning: importlib.import_module('pkg.mod')": (
        "import importlib\nx = importlib.import_module('PKG.mod')\n"
    ),
    "warning: import pkg.mod as m, then m.X": "import PKG.mod as m\nx = m.X\n",
    "warning: from pkg import mod, then mod.X": "from PKG import mod\nx = mod.X\n",
    "warning: __import__('pkg.mod', fromlist=['X'])": (
        "x = __import__('PKG.mod', fromlist=['X']).X\n"
    ),
    "warning: a second import, at another line": (
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter('ignore')\n"
        "    import PKG.mod\n"
        "import PKG.mod\n"
        "x = PKG.mod.X\n"
    ),
    "warning: mock.patch('pkg.mod.X')": (
        "from unittest import mock\nwith mock.patch('PKG.mod.X', 1):\n    pass\n"
    ),
}


@pytest.mark.parametrize("form", list(_FORMS))
def test_where_each_import_form_warns(tree: Path, peer: str, form: str) -> None:
    result = run(
        tree,
        peer,
        f"""
with warnings.catch_warnings(record=True) as recorded:
    warnings.simplefilter("always")
{_indent(_FORMS[form])}
out["where"] = where([w for w in recorded if issubclass(w.category, DeprecationWarning)])
emit()
""",
    )
    assert result["where"] == EXPECTED[form][peer]


def test_where_a_moved_class_warns(tree: Path, peer: str) -> None:
    result = run(
        tree,
        peer,
        """
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import PKG.mod
with warnings.catch_warnings(record=True) as recorded:
    warnings.simplefilter("always")
    cls = getattr(PKG.mod, "OldName", None)
    if cls is not None:
        cls()
if cls is None:
    out["where"] = "not expressible"
else:
    out["where"] = where([w for w in recorded if issubclass(w.category, DeprecationWarning)])
emit()
""",
    )
    assert result["where"] == EXPECTED["warning: moved class used"][peer]


def test_removal_is_enforced_only_by_compatshim(tree: Path) -> None:
    """A removal date in the past makes the legacy path an ImportError naming the canonical one;
    the libraries that take a removal version only print it in the message."""
    config = peers.CONFIG.replace(
        '"cs_legacy" = "canon_bench"',
        '"cs_legacy" = { target = "canon_bench", remove_after = 2020-01-01 }',
    )
    (tree / "removed.toml").write_text(config)
    script = """
import compatshim, json
compatshim.install("removed.toml")
try:
    import cs_legacy.mod
    print(json.dumps("imports"))
except ImportError as exc:
    print(json.dumps(f"{type(exc).__name__}: {exc}"))
"""
    (tree / "removal.py").write_text(script)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(ROOT)])
    out = subprocess.run(
        [sys.executable, "removal.py"], cwd=tree, env=env, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    message = json.loads(out.splitlines()[-1])
    assert message.startswith("LegacyPathRemoved: cs_legacy was removed after 2020-01-01")
    assert "canon_bench" in message


@pytest.mark.parametrize("peer", ["debtcollector", "deprecated", "pydeprecate"])
def test_removal_versions_of_the_libraries_are_only_words(tree: Path, peer: str) -> None:
    if not peers.available(peer):
        pytest.skip(f"{peer} is not installed")
    result = run(
        tree,
        peer,
        """
warnings.simplefilter("ignore")
import PKG.mod
out["works"] = PKG.mod.old_func() == "new" or PKG.mod.old_func() is None
emit()
""",
    )
    assert result["works"] is True  # declared removed in 2.0 (pydeprecate) yet still there


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


def table() -> str:
    """The comparison table of docs/comparison.md, from :data:`EXPECTED`."""
    columns = list(peers.PACKAGES)
    lines = [
        "| | " + " | ".join(f"`{c}`" for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for feature, cells in EXPECTED.items():
        lines.append(f"| {feature} | " + " | ".join(cells[c] for c in columns) + " |")
    return "\n".join(lines) + "\n"


def test_the_page_shows_this_matrix() -> None:
    page = ROOT / "docs" / "comparison.md"
    text = page.read_text(encoding="utf-8")
    begin, end = "<!-- matrix: generated -->\n", "<!-- end of matrix -->"
    head, _, rest = text.partition(begin)
    current, _, tail = rest.partition(end)
    if os.environ.get("COMPATSHIM_REGENERATE_DOCS"):
        page.write_text(head + begin + table() + end + tail, encoding="utf-8")
        current = table()
    assert current == table()


# -- migrate: where RenameCommand changes what the program does -----------------------------------

RENAME_CASES = {
    "a re-exported name": (
        "from old.mod import (\n    Old,  # noqa: F401\n    other,\n)\n",
        "from old.mod import (\n    other,\n)\n",
        "from old.mod import (\n    other,\n)\nfrom new.place import New as Old  # noqa: F401\n",
    ),
    "a name the module also exports": (
        "from old.mod import Old\nx = Old()\n",
        "from new.place import New\nx = New()\n",
        "from new.place import New as Old\nx = Old()\n",
    ),
    "an as-name": (
        "from old.mod import Old as X\nx = X()\n",
        "from new.place import New\nx = New()\n",
        "from new.place import New as X\nx = X()\n",
    ),
    "an existing name of the new spelling": (
        "from old.mod import Old\nNew = 1\nprint(Old, New)\n",
        "from new.place import New\nNew = 1\nprint(New, New)\n",
        "from new.place import New as Old\nNew = 1\nprint(Old, New)\n",
    ),
    "a string reference": (
        "mock.patch('old.mod.Old')\n",
        "mock.patch('old.mod.Old')\n",
        "mock.patch('new.place.New')\n",
    ),
}


@pytest.mark.parametrize("case", list(RENAME_CASES))
def test_rename_command_against_migrate(case: str) -> None:
    """libcst's RenameCommand unbinds re-exported names, renames what the module exports, drops
    as-names, shadows existing names and leaves strings; migrate keeps every binding."""
    pytest.importorskip("libcst")
    from libcst.codemod import CodemodContext
    from libcst.codemod import TransformSuccess
    from libcst.codemod import transform_module
    from libcst.codemod.commands.rename import RenameCommand

    sys.path.insert(0, str(ROOT))
    from compatshim._model.alias import Alias
    from compatshim._model.table import AliasTable
    from compatshim._static.rewrite import rewrite
    from compatshim._static.table import StaticTable

    source, theirs, ours = RENAME_CASES[case]
    result = transform_module(
        RenameCommand(CodemodContext(), "old.mod.Old", "new.place.New"), source
    )
    assert isinstance(result, TransformSuccess)
    assert result.code == theirs
    table = StaticTable(AliasTable([Alias("old.mod:Old", "new.place:New")]))
    assert rewrite(source, table)[0] == ours
