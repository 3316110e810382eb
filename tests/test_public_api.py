"""The public surface: cheap to import, typed, and versions compared like PEP 440 says."""

from __future__ import annotations

from helpers import Project
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from packaging.version import Version

from compatshim._model import versions as _versions


def test_import_is_cheap_and_pulls_in_nothing_heavy(project: Project) -> None:
    """``import compatshim`` (and install without a config) loads no sqlite3, argparse, pytest,
    libcst, typing or logging."""
    result = project.run(
        """
        import sys, _probe
        before = set(sys.modules)
        import compatshim
        compatshim.install()
        heavy = ["sqlite3", "argparse", "pytest", "libcst", "typing", "logging", "dataclasses",
                 "inspect", "pathlib", "json", "tomllib", "tomli"]
        _probe.emit(sorted(m for m in heavy if m in sys.modules and m not in before))
        """
    )
    assert result.value == []


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
