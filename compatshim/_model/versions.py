"""Versions for the removal schedule: parse and compare them, and find the installed one.

``packaging`` would parse versions for us, but it is not among the runtime dependencies, and the
removal check needs ordering only. This module implements PEP 440's ordering (epoch, release,
pre-, post-, dev-releases and local labels) and is tested against ``packaging``.
"""

from __future__ import annotations

from .._base import compat as _compat
from .._base import paths
from .._base.locks import ForkSafeLock


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .alias import Alias

__all__ = ["installed_version", "parse", "reached"]

_INF = float("inf")

_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
# PEP 440's own (permissive) version syntax, as published in the specification.
_PATTERN = r"""
    v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
"""
_regex: Any = None
_lock = ForkSafeLock()
_top_level_dists: dict[str, list[str]] | None = None


def parse(text: str) -> tuple[object, ...] | None:
    """A sort key for PEP 440 version ``text``, or ``None`` if it is not a version."""
    stripped = text.strip()
    if len(stripped) > 200:  # no version is this long, and int() refuses thousands of digits
        return None
    if all(part.isdigit() and part.isascii() for part in stripped.split(".")):
        # A plain release ("3.0"), the usual case, needs no regular expression: importing re and
        # compiling the pattern costs several milliseconds, at every start-up that validates it.
        return _key(stripped, {})
    global _regex
    if _regex is None:
        import re

        _regex = re.compile(_PATTERN, re.VERBOSE | re.IGNORECASE)
    match = _regex.fullmatch(stripped)
    return None if match is None else _key(match["release"], match.groupdict())


def _key(release_text: str, groups: dict[str, str | None]) -> tuple[object, ...]:
    release = [int(part) for part in release_text.split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    has_post = groups.get("post_n1") is not None or groups.get("post_l") is not None
    has_dev = groups.get("dev_l") is not None
    # PEP 440 ordering: X.devN < X.aN < X.bN < X.rcN < X < X.postN; a dev release of a pre- or
    # post-release sorts before that release.
    pre_l = groups.get("pre_l")
    if pre_l is not None:
        pre = (_PRE_RANK[pre_l.lower()], int(groups.get("pre_n") or 0))
    elif has_dev and not has_post:
        pre = (-1, 0)
    else:
        pre = (3, 0)
    post = int(groups.get("post_n1") or groups.get("post_n2") or 0) if has_post else -1
    dev = int(groups.get("dev_n") or 0) if has_dev else _INF
    # A local label sorts after the same public version; numeric parts after alphabetic ones.
    local = tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part.lower())
        for part in (groups.get("local") or "").replace("-", ".").replace("_", ".").split(".")
        if part
    )
    return (int(groups.get("epoch") or 0), tuple(release), pre, post, dev, local)


def reached(installed: str, removed_in: str) -> bool:
    """Whether version ``installed`` is at or past ``removed_in`` (``False`` if either is invalid)."""
    a, b = parse(installed), parse(removed_in)
    return a is not None and b is not None and a >= b


def _distributions_for(top_level: str) -> list[str]:
    global _top_level_dists
    if _top_level_dists is None:
        try:
            found = _compat.packages_distributions()
        except Exception:  # noqa: BLE001 - broken metadata on disk must not break the program
            found = {}
        with _lock:
            _top_level_dists = found
    return _top_level_dists.get(top_level, [])


def installed_version(alias: Alias) -> str | None:
    """The installed version of the distribution that provides the alias's canonical package.

    ``alias.package`` names the distribution explicitly; otherwise the distribution that installs
    the canonical top-level package is used. When none does (an application run from a checkout),
    the ``[project].version`` of the configuring ``pyproject.toml`` stands in.
    """
    names = [alias.package] if alias.package else _distributions_for(paths.root(alias.canonical))
    metadata = _compat.metadata()
    for name in names:
        try:
            version = metadata.version(name)
        except Exception:  # noqa: BLE001, S112 - unreadable metadata: try the next name
            continue
        if isinstance(version, str):
            return version
    return alias.project_version
