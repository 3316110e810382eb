"""The static tools' view of the alias table, and the findings of one file, in process."""

from __future__ import annotations

import pickle

import pytest

from compatshim._model.alias import Alias
from compatshim._model.table import AliasTable
from compatshim._static.analyze import analyze
from compatshim._static.findings import find
from compatshim._static.table import StaticTable


TABLE = StaticTable(
    AliasTable(
        [
            Alias("old", "new"),
            Alias("old.mod:Old", "new.place:New"),
            Alias("chain.a", "chain.b"),
            Alias("chain.b", "final.c"),
        ]
    )
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("old.sub.Name", ("old", 1, "new.sub.Name", "new")),
        ("old.mod.Old.attr", ("old.mod:Old", 3, "new.place.New.attr", "new.place")),
        ("chain.a.x", ("chain.a", 2, "final.c.x", "final.c")),
        ("older.sub", None),
        ("new.sub", None),
    ],
)
def test_legacy_prefixes_resolve_like_the_finder(
    path: str, expected: tuple[str, int, str, str] | None
) -> None:
    """Names before modules, the longest prefix, and chains followed to the end."""
    parts = path.split(".")
    match = TABLE.legacy(parts)
    if expected is None:
        assert match is None
        return
    assert match is not None
    key, consumed, dotted, module = expected
    assert (match.key, match.consumed, match.module) == (key, consumed, module)
    assert ".".join([*match.replacement, *parts[match.consumed :]]) == dotted


def test_the_table_knows_what_may_lead_to_a_legacy_path() -> None:
    """Prefixes of legacy paths, and modules that serve moved names."""
    assert TABLE.leads_to_legacy("old") and TABLE.leads_to_legacy("chain")
    assert not TABLE.leads_to_legacy("unrelated")
    assert TABLE.serves_names("old.mod") and not TABLE.serves_names("old")
    assert sorted(TABLE.canonical_keys(["new", "place", "New"])) == ["old", "old.mod:Old"]


def test_the_prefilter_passes_files_that_name_a_path_and_drops_the_rest() -> None:
    """A file that imports or quotes a legacy or canonical path is parsed; others are not."""
    prefilter = TABLE.prefilter()
    assert prefilter(b"import old.mod\n")
    assert prefilter(b"x = import_module('final.c')\n")
    assert not prefilter(b"older = 1\nprint(older)\n")
    assert not prefilter(b"# old\n")


def test_the_table_pickles_small_for_workers() -> None:
    """Workers receive the table by pickle, and get the same answers."""
    again = pickle.loads(pickle.dumps(TABLE))
    match = again.legacy(["old", "x"])
    assert match is not None and match.key == "old"
    assert again.roots == TABLE.roots and len(again) == len(TABLE)


SOURCE = """\
import old.sub
from old.mod import Old
from new import thing
from old import *
import importlib
old.sub.value
importlib.import_module("old.sub")
importlib.import_module(f"old.{name}")
"""


def test_every_kind_of_finding_in_one_file() -> None:
    """Imports, moved names, attribute chains, strings (computed or not), star imports; and
    the canonical uses counted for adoption."""
    analysis = analyze(SOURCE, "app", False, TABLE)
    found, canonical = find(analysis, TABLE)
    seen = sorted(
        (*analysis.source.position(f.column), f.code, f.legacy, f.canonical, f.note) for f in found
    )
    assert seen == [
        (1, 8, "CS101", "old.sub", "new.sub", ""),
        (2, 21, "CS102", "old.mod.Old", "new.place.New", ""),  # the name, not its module
        (4, 6, "CS105", "old", "new", "star import: import the names explicitly"),
        (6, 1, "CS103", "old", "new", ""),  # the root is what import old.sub binds
        (7, 25, "CS104", "old.sub", "new.sub", ""),
        (8, 25, "CS104", "old", "new", "computed string: rewrite it by hand"),
    ]
    assert canonical == {"old": 1}
