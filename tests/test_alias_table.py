"""The alias table: validation, component-wise longest-prefix resolution, chains and cycles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compatshim import Alias
from compatshim import AliasTable
from compatshim import ConfigError


def table(**pairs: str) -> AliasTable:
    return AliasTable(Alias(k.replace("__", "."), v) for k, v in pairs.items())


def test_prefix_matching_is_component_wise() -> None:
    """``legacy`` covers ``legacy.calib`` but not ``legacy_extra`` or ``legacyx``."""
    t = AliasTable([Alias("legacy", "newlib")])
    assert t.resolve_module("legacy.calib") == (t.get("legacy"), "newlib.calib")
    assert t.resolve_module("legacy.a.legacy") == (t.get("legacy"), "newlib.a.legacy")
    assert t.resolve_module("legacy_extra") is None
    assert t.resolve_module("legacyx.y") is None
    assert t.roots == frozenset({"legacy"})


def test_longest_prefix_wins() -> None:
    """A deeper alias overrides its ancestor for its own subtree."""
    t = AliasTable([Alias("old.pkg", "new.pkg"), Alias("old.pkg.special", "other.special")])
    assert t.resolve_module("old.pkg.special.x")[1] == "other.special.x"  # type: ignore[index]
    assert t.resolve_module("old.pkg.specialist")[1] == "new.pkg.specialist"  # type: ignore[index]


def test_chains_resolve_to_the_final_canonical_path() -> None:
    """a -> b -> c lands on c, for modules and for moved names."""
    t = AliasTable(
        [
            Alias("a", "b"),
            Alias("b", "c.core"),
            Alias("old.mod:Old", "mid.mod:Mid"),
            Alias("mid.mod:Mid", "b.mod:New"),
        ]
    )
    assert t.get("a").canonical == "c.core"  # type: ignore[union-attr]
    assert t.resolve_module("a.x.y")[1] == "c.core.x.y"  # type: ignore[index]
    assert t.get("old.mod:Old").canonical == "c.core.mod:New"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("aliases", "slug"),
    [
        ([("a", "b"), ("b", "a")], "alias-cycle"),
        ([("a", "b.c"), ("b", "a.d")], "alias-cycle"),
        ([("a", "a.inner")], "alias-cycle"),
        ([("x:N", "y:M"), ("y:M", "x:N")], "alias-cycle"),
        ([("a", "a")], "alias-self"),
        ([("os.old", "new")], "alias-stdlib"),
        ([("compatshim.x", "new")], "alias-reserved"),
        ([("tomli", "new")], "alias-reserved"),
        ([("typing_extensions:Foo", "new:Foo")], "alias-reserved"),
        ([("class.pkg", "new")], "alias-bad-name"),
        ([("new", "a.def")], "alias-bad-name"),
        ([("\uff4fldpkg", "new")], "alias-bad-name"),
        ([("a..b", "c")], "alias-bad-name"),
        ([("", "c")], "alias-bad-name"),
        ([("a.b", "")], "alias-bad-name"),
        ([("a.1b", "c")], "alias-bad-name"),
        ([("a:b.c", "x:y")], "alias-bad-name"),
        ([("a", "b:c")], "alias-kind-mismatch"),
        ([("a:b", "c")], "alias-kind-mismatch"),
    ],
)
def test_invalid_tables_are_config_errors(aliases: list[tuple[str, str]], slug: str) -> None:
    """Bad names, cycles, self-aliases and stdlib redirects are rejected when the table is built."""
    with pytest.raises(ConfigError) as info:
        AliasTable(Alias(legacy, target, origin="here") for legacy, target in aliases)
    assert info.value.slug == slug
    assert str(info.value).startswith("here: ")


def test_conflicting_declarations_name_both_places() -> None:
    """One legacy path declared twice with different targets is an error naming both origins."""
    with pytest.raises(
        ConfigError, match=r"b.py:2: alias 'x' is already declared differently at a.py:1"
    ):
        AliasTable([Alias("x", "y", origin="a.py:1"), Alias("x", "z", origin="b.py:2")])
    # The same definition twice is fine.
    assert len(AliasTable([Alias("x", "y", origin="a"), Alias("x", "y", origin="b")])) == 1


def test_children_and_names_index_the_legacy_tree() -> None:
    """The table knows which modules lead to legacy paths and which names moved."""
    t = AliasTable([Alias("pkg.old_sub", "new.sub"), Alias("pkg.ws:Manager", "core.ws:Manager")])
    assert t.children("pkg") == frozenset({"old_sub", "ws"})
    assert t.needs_hook("pkg") and t.needs_hook("pkg.ws") and not t.needs_hook("pkg.other")
    assert dict(t.names("pkg.ws")) == {"Manager": t.get("pkg.ws:Manager")}


def test_alias_objects_are_read_only() -> None:
    """Aliases can be shared safely: nothing can change one in place."""
    alias = Alias("a", "b")
    with pytest.raises(AttributeError):
        alias.target = "c"
    assert alias.replace(since="1.0").since == "1.0" and alias.since is None
    assert repr(Alias("a", "b", since="2")) == "Alias('a' -> 'b', since='2')"


identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
dotted = st.lists(identifiers, min_size=1, max_size=4).map(".".join)


@given(legacy=dotted, target=dotted, rest=st.lists(identifiers, max_size=3))
def test_resolution_replaces_exactly_the_matched_components(
    legacy: str, target: str, rest: list[str]
) -> None:
    """For any names, a submodule maps to target + the same trailing components."""
    if legacy == target or target.startswith(legacy + ".") or legacy.startswith(target + "."):
        return
    if legacy.split(".")[0] in ("os", "re", "io", "abc", "ast", "dis", "imp", "nt", "pwd", "sys"):
        return
    try:
        t = AliasTable([Alias(legacy, target)])
    except ConfigError as exc:  # only stdlib and reserved names, and keywords, may be refused
        assert exc.slug in ("alias-stdlib", "alias-reserved", "alias-bad-name")  # noqa: PT017
        assert exc.slug != "alias-bad-name" or "keyword" in str(exc)  # noqa: PT017
        return
    name = ".".join([legacy, *rest])
    assert t.resolve_module(name) == (t.get(legacy), ".".join([target, *rest]))
    sibling = legacy + "x"
    assert t.resolve_module(sibling) is None


pieces = st.one_of(
    identifiers,
    st.sampled_from(["class", "if", "json", "os", "tomli", "compatshim", "\uff4f", "_", "x1"]),
    st.text(alphabet="ab:.\uff4f\u00e9-1 ", max_size=4),
)
names = st.lists(pieces, min_size=1, max_size=3).flatmap(
    lambda parts: st.sampled_from([".".join(parts), ":".join(parts), "".join(parts)])
)


@given(st.lists(st.tuples(names, names), min_size=1, max_size=5))
def test_the_bulk_check_is_never_looser_than_each_alias_check(
    pairs: list[tuple[str, str]],
) -> None:
    """Whatever the names, the fast check passes a table only if every alias passes alone."""
    from compatshim._base.compat import stdlib_module_names
    from compatshim._model.table import _all_valid
    from compatshim._model.table import _validate

    stdlib = stdlib_module_names()
    aliases = [Alias(legacy, target, origin="here") for legacy, target in pairs]
    legacies = [a.legacy for a in aliases]
    tops = frozenset(name.partition(".")[0].partition(":")[0] for name in legacies)
    if _all_valid(legacies, [a.target for a in aliases], tops, stdlib):
        for alias in aliases:
            _validate(alias, stdlib)  # raises if the bulk check was too loose
    try:
        AliasTable(aliases)
    except ConfigError as exc:
        assert exc.slug.startswith("alias-")  # noqa: PT017
