"""The ``[tool.compatshim.factories]`` table, in process: validated like aliases, with the same
slugs and one-line errors naming file, line and rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim import ConfigError
from compatshim._model.config import load_config
from compatshim._model.config import parse_table
from compatshim._model.factory import FactoryTable


def _parse(factories: object, **top: object) -> object:
    return parse_table({"tool": {"compatshim": {**top, "factories": factories}}}, None, None)


def test_a_rule_takes_the_alias_keys_and_the_top_level_defaults() -> None:
    """The short form, an inline table, and the defaults of [tool.compatshim]."""
    config = _parse(
        {
            "a.b:C": "a.f:make",
            "x.y:Z": {"factory": "x.f:Z.create", "since": "2.0", "policy": "error"},
        },
        category="FutureWarning",
    )
    rules = {rule.cls: rule for rule in config.factories}  # type: ignore[attr-defined]
    short, full = rules["a.b:C"], rules["x.y:Z"]
    assert (short.factory, short.alias.legacy, short.alias.canonical) == (
        "a.f:make",
        "a.b:C()",
        "a.f:make()",
    )
    assert short.alias.category == "FutureWarning"
    assert (full.alias.since, full.alias.policy, full.factory) == ("2.0", "error", "x.f:Z.create")
    assert _parse({}).factories is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("factories", "slug", "words"),
    [
        ({"a.b": "a.f:make"}, "alias-kind-mismatch", "class must be named"),
        ({"a.b:C": "a.f"}, "alias-kind-mismatch", "factory must be named"),
        ({"a..b:C": "a.f:m"}, "alias-bad-name", "not a dotted module path"),
        ({"a.b:C": "a.b:C"}, "alias-self", "its own factory"),
        ({"os.path:X": "a:b"}, "alias-stdlib", "standard library"),
        ({"wrapt:X": "a:b"}, "alias-reserved", "compatshim itself"),
        ({"a.b:C": {"factry": "a:b"}}, "config-unknown-key", "unknown key 'factry'"),
        ({"a.b:C": {"since": "1"}}, "config-bad-value", "'factory' is required"),
        ({"a.b:C": 3}, "config-wrong-type", "factory string or an inline table"),
        ({"a.b:C": {"factory": "a:b", "removed_in": "soon"}}, "config-bad-value", "PEP 440"),
        ({"a.b:C": {"factory": "a:b", "strategy": "direct"}}, "config-unknown-key", "strategy"),
    ],
)
def test_invalid_rules_are_one_line_errors_with_the_alias_slugs(
    factories: object, slug: str, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        _parse(factories)
    assert info.value.slug == slug
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_errors_name_the_file_and_line_and_such_a_file_is_not_cached(tmp_path: Path) -> None:
    """The line of the rule; a configuration with rules writes no cache (flat columns only)."""
    path = tmp_path / "pyproject.toml"
    path.write_text(
        textwrap.dedent(
            """
            [tool.compatshim.factories]
            "a.b:C" = "a.f:make"
            "a.b:D" = "a.f"
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:4: factory rule 'a.b:D'")
    path.write_text('[tool.compatshim.factories]\n"a.b:C" = "a.f:make"\n', encoding="utf-8")
    assert len(load_config(path).factories or ()) == 1
    assert not (tmp_path / ".compatshim" / "config.cache").exists()
    assert len(load_config(path).factories or ()) == 1


def test_a_class_declared_twice_differently_conflicts() -> None:
    """Two configurations that give one class different factories cannot both hold."""
    one = _parse({"a.b:C": "a.f:make"}).factories  # type: ignore[attr-defined]
    other = _parse({"a.b:C": "a.f:build"}).factories  # type: ignore[attr-defined]
    assert len(one.merged(one)) == 1
    with pytest.raises(ConfigError) as info:
        one.merged(other)
    assert info.value.slug == "alias-conflict"
    assert isinstance(one, FactoryTable)
    assert one.modules == {"a.b": tuple(one), "a.f": tuple(one)}
    assert one.roots == {"a"}


_VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.dictionaries(
        st.sampled_from(["factory", "policy", "since", "removed_in", "protocol", "bogus"]),
        st.one_of(st.text(max_size=20), st.integers(), st.lists(st.text(max_size=3))),
        max_size=4,
    ),
)


@given(st.dictionaries(st.one_of(st.text(max_size=30), st.integers()), _VALUES, max_size=4))
@settings(max_examples=300, deadline=None)
def test_any_table_is_a_factory_table_or_one_config_error(factories: dict[object, object]) -> None:
    """Whatever the table holds, it validates or fails with one ConfigError line, never a crash."""
    error: ConfigError | None = None
    try:
        config = _parse(factories)
    except ConfigError as exc:
        error = exc
    if error is not None:
        assert "\n" not in str(error)
        assert error.slug.startswith(("alias-", "config-"))
        return
    for rule in config.factories or ():  # type: ignore[attr-defined]
        assert rule.alias.legacy == rule.cls + "()"
