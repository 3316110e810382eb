"""Paths (``pkg.mod`` and ``pkg.mod:attr``): the one home of their rules, tested in process."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compatshim._base import paths


_NAME = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
_MODULE = st.lists(_NAME, min_size=1, max_size=4).map(".".join)
_ATTRS = st.lists(_NAME, min_size=0, max_size=3).map(".".join)


@given(_MODULE, _ATTRS)
def test_split_and_join_are_inverse(module: str, attrs: str) -> None:
    """A path is split where its module ends, and joined back to the same text."""
    path = paths.join(module, attrs)
    assert paths.split(path) == (module, attrs)
    assert paths.kind(path) == ("name" if attrs else "module")
    assert paths.root(path) == module.split(".")[0]
    assert paths.dotted(path) == ".".join(paths.parts(path))
    assert paths.is_path(path)


def test_parent_names_what_holds_the_last_attribute() -> None:
    """The holder of ``A.b`` is ``A``; of a top attribute, the module itself."""
    assert paths.parent("pkg.mod:A.b") == ("pkg.mod:A", "b")
    assert paths.parent("pkg.mod:A") == ("pkg.mod", "A")


@pytest.mark.parametrize(
    ("path", "ancestor", "expected"),
    [
        ("old", "old", True),
        ("old.pkg", "old", True),
        ("old.pkg:Name", "old.pkg", True),
        ("old.pkg:Name", "old", True),
        ("old.pkgs", "old.pkg", False),
        ("old", "old.pkg", False),
        ("older", "old", False),
    ],
)
def test_within_is_component_wise(path: str, ancestor: str, expected: bool) -> None:
    """One path is inside another only at a dot or the colon, never inside a component."""
    assert paths.within(path, ancestor) is expected


@pytest.mark.parametrize("text", ["a:b:c", "a..b", "a.1b", "", "a:"])
def test_is_path_refuses_what_no_import_can_name(text: str) -> None:
    """Two colons, empty or non-identifier components: not a path."""
    assert not paths.is_path(text)


@pytest.mark.parametrize(
    ("name", "allow_attr", "problem"),
    [
        ("pkg.mod", False, None),
        ("pkg.mod:Name", True, None),
        ("pkg.mod:Name", False, "must be a module path without ':'"),
        ("pkg..mod", True, "is not a dotted module path"),
        ("pkg.mod:", True, "must name an attribute after ':'"),
        ("pkg.class", True, "has the keyword 'class'"),
        ("\uff4fldpkg", True, "is not in NFKC normal form"),
        ("", True, "is empty"),
    ],
)
def test_problem_says_why_a_configured_name_is_invalid(
    name: str, allow_attr: bool, problem: str | None
) -> None:
    """Configured names are checked the way Python reads identifiers."""
    found = paths.problem(name, what="target", allow_attr=allow_attr)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and found.startswith("target")


def test_resolve_reads_attributes_and_without_load_never_imports() -> None:
    """``load=False`` answers None for a module not imported yet, and imports nothing."""
    assert paths.resolve("os.path:join") is os.path.join
    assert paths.resolve("os") is os
    name = "compatshim_never_imported_module"
    assert paths.resolve(f"{name}:X", load=False) is None
    assert name not in sys.modules
    assert paths.resolve("os:no_such_thing.x", load=False) is None
    with pytest.raises(AttributeError):
        paths.resolve("os:no_such_thing")


def test_shown_is_relative_below_the_current_folder() -> None:
    """A file below the current folder is shown relative to it, with slashes; others as given."""
    here = os.getcwd()
    inside = os.path.join(here, "pkg", "mod.py")
    assert paths.shown(inside) == "pkg/mod.py"
    outside = os.path.join(os.path.dirname(here), "elsewhere.py")
    assert paths.shown(outside) == outside
