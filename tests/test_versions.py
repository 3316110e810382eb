"""Versions for the removal schedule, in process: ordered as PEP 440 says (checked against
``packaging``), and the installed version found by distribution or project."""

from __future__ import annotations

import importlib.metadata

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from packaging.version import Version

from compatshim._model import versions as _versions
from compatshim._model.alias import Alias


releases = st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=4)
versions = st.builds(
    lambda epoch, release, pre, post, dev, local: (
        (f"{epoch}!" if epoch else "")
        + ".".join(map(str, release))
        + (f"{pre[0]}{pre[1]}" if pre else "")
        + (f".post{post}" if post is not None else "")
        + (f".dev{dev}" if dev is not None else "")
        + (f"+{local}" if local else "")
    ),
    st.integers(min_value=0, max_value=2),
    releases,
    st.one_of(
        st.none(), st.tuples(st.sampled_from(["a", "b", "rc", "alpha", "c"]), st.integers(0, 3))
    ),
    st.one_of(st.none(), st.integers(0, 3)),
    st.one_of(st.none(), st.integers(0, 3)),
    st.one_of(st.none(), st.from_regex(r"[a-z0-9]{1,3}(\.[a-z0-9]{1,3})?", fullmatch=True)),
)


@settings(max_examples=500, deadline=None)
@given(a=versions, b=versions)
def test_version_order_matches_packaging(a: str, b: str) -> None:
    """The removal check orders versions exactly as ``packaging`` does."""
    key_a, key_b = _versions.parse(a), _versions.parse(b)
    assert key_a is not None and key_b is not None
    assert (key_a < key_b) == (Version(a) < Version(b))
    assert (key_a == key_b) == (Version(a) == Version(b))
    assert _versions.reached(a, b) == (Version(a) >= Version(b))


def test_invalid_versions_are_rejected() -> None:
    """Text that is not a PEP 440 version never compares as reached."""
    for text in ("", "three", "1.0-beta-gamma", "1..0", "v"):
        assert _versions.parse(text) is None
    assert not _versions.reached("three", "1.0")


def test_the_installed_version_comes_from_the_named_distribution() -> None:
    """``package`` names the distribution whose version counts."""
    alias = Alias("old", "anything", package="pytest")
    assert _versions.installed_version(alias) == importlib.metadata.version("pytest")


def test_the_distribution_of_the_canonical_package_is_found() -> None:
    """Without ``package``, the distribution that installs the canonical top-level package."""
    alias = Alias("old", "hypothesis.strategies")
    assert _versions.installed_version(alias) == importlib.metadata.version("hypothesis")


def test_a_project_run_from_a_checkout_uses_its_own_version() -> None:
    """No distribution installs the canonical package: the project's version stands in."""
    alias = Alias("old", "no_such_top_level_package", project_version="2.5")
    assert _versions.installed_version(alias) == "2.5"
    assert _versions.installed_version(alias.replace(project_version=None)) is None
