"""Forgetting compatshim's process state, all of it, in one call (``compatshim.uninstall()``).

Every module that keeps state which must not outlive an installation (the alias table and the
finder, the hooks on real modules, the sites already warned about, the policy override, what
was reported) registers the function that forgets it, right beside that state, with
:func:`on_uninstall`. :func:`forget_all` calls them all, the last registered first: a module is
imported after the modules it uses, so the import hook lets go of its state before the layers
below it forget theirs. Nothing has to be listed anywhere else, so nothing can be left out.

Caches that stay true for the life of the process (the kind of each file's frames, the
installed distributions) are not state in this sense and register nothing.
"""

from __future__ import annotations


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    _Reset = TypeVar("_Reset", bound=Callable[[], object])

__all__ = ["forget_all", "on_uninstall"]

_resets: list[Callable[[], object]] = []


def on_uninstall(reset: _Reset) -> _Reset:
    """Call ``reset`` at every :func:`forget_all` (a decorator; returns ``reset``).

    A module imported again (``importlib.reload``) replaces its earlier registration.
    """
    name = (getattr(reset, "__module__", None), getattr(reset, "__qualname__", None))
    _resets[:] = [
        r
        for r in _resets
        if (getattr(r, "__module__", None), getattr(r, "__qualname__", None)) != name
    ]
    _resets.append(reset)
    return reset


def forget_all() -> None:
    """Forget every registered state, the last registered first."""
    for reset in reversed(list(_resets)):
        reset()
