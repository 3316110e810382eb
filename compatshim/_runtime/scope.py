"""Whose code a use comes from, for ``strict_scope``: the project's own files, or code it runs
but does not own (installed packages, the standard library, anything outside the project).

With ``strict_scope = "project"`` (the default) the ``error`` policy, ``COMPATSHIM_POLICY=error``
and pytest's ``--compatshim-strict`` raise only for uses in the project's own code; a use in a
dependency warns and is counted instead (its authors, not the project, can fix it). With
``"all"`` every use raises. Removals raise everywhere: the path is gone for everyone.

The decision is made only when a use would raise (the error path), once per file: the warn and
ignore policies never ask.
"""

from __future__ import annotations

import os
import sys

from .._base import resets
from .._base.locks import ForkSafeLock


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Literal

    #: Where a file is, as :func:`classify` tells it.
    Kind = Literal["project", "no-file", "frozen", "stdlib", "site-packages", "outside"]

    from .._model.options import StrictScope as Scope

__all__ = ["Layout", "classify", "layout", "raises_here", "set_scope"]

#: The kinds of file whose uses the ``error`` policy raises for under ``strict_scope = "project"``:
#: the project's files, and code with no file (``python -c``, ``exec``, doctests, a notebook's
#: cells), which compatshim cannot tell apart from the project's and so keeps strict.
STRICT_KINDS = frozenset({"project", "no-file"})
# Folder names that hold installed distributions, wherever they are.
_INSTALLED = ("site-packages", "dist-packages")

_lock = ForkSafeLock()
_scope: Scope = "project"
_root: str | None = None
_verdicts: dict[str, bool] = {}
_layout: Layout | None = None


class Layout:
    """The folders of the running interpreter that hold code the project does not own."""

    __slots__ = ("installed", "prefixes", "stdlib")

    def __init__(
        self, installed: Iterable[str], stdlib: Iterable[str], prefixes: Iterable[str]
    ) -> None:
        #: Folders of installed distributions (``site-packages``, the user's site folder).
        self.installed = _folders(installed)
        #: Folders of the standard library.
        self.stdlib = _folders(stdlib)
        #: The environment's own folders (``sys.prefix`` and friends): a virtual environment
        #: inside the project is not the project's code (its scripts, its packages).
        self.prefixes = _folders(prefixes)


def _norm(path: str) -> str:
    return os.path.normcase(os.path.normpath(path))


def _folders(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({_norm(p) for p in paths if p and os.path.isabs(p)}))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def layout() -> Layout:
    """The running interpreter's :class:`Layout` (read once per process)."""
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    installed = [paths.get("purelib", ""), paths.get("platlib", "")]
    installed += getattr(site, "getsitepackages", list)()
    if getattr(site, "ENABLE_USER_SITE", False):
        installed.append(site.getusersitepackages())
    stdlib = [paths.get("stdlib", ""), paths.get("platstdlib", ""), os.path.dirname(os.__file__)]
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    return Layout(installed, stdlib, prefixes)


def classify(filename: str, root: str, where: Layout) -> Kind:
    """Where the code of ``filename`` (a code object's ``co_filename``) is, seen from the project
    whose folder is ``root`` (absolute).

    ``<frozen ...>`` is the standard library's; any other ``<...>`` name (``<string>``,
    ``<stdin>``, ``<doctest ...>``) is ``"no-file"``. A file in an installed-distributions folder
    (or any folder named ``site-packages`` or ``dist-packages``) is ``"site-packages"``, even
    inside the project (a ``.venv`` there); then the standard library, then the environment's
    own folders (``"outside"`` even inside the project), then the project's folder.
    """
    if filename.startswith("<"):
        return "frozen" if filename.startswith("<frozen ") else "no-file"
    path = _norm(filename if os.path.isabs(filename) else os.path.join(root, filename))
    parts = path.split(os.sep)
    if any(part in _INSTALLED for part in parts) or any(_under(path, f) for f in where.installed):
        return "site-packages"
    if any(_under(path, folder) for folder in where.stdlib):
        return "stdlib"
    project = _norm(root)
    if any(_under(path, p) and p != project and _under(p, project) for p in where.prefixes):
        return "outside"  # a virtual environment inside the project
    return "project" if _under(path, project) else "outside"


def set_scope(scope: Scope, root: str | None) -> None:
    """Raise for uses in the project under ``root`` only (``"project"``), or everywhere."""
    global _scope, _root
    with _lock:
        _scope, _root = scope, root or None
        _verdicts.clear()


def raises_here(filename: str) -> bool:
    """Whether a use at ``filename`` raises under the ``error`` policy (see the module doc).

    Never raises itself: a file compatshim cannot place is treated as the project's.
    """
    if _scope == "all" or _root is None:
        return True
    verdict = _verdicts.get(filename)
    if verdict is None:
        global _layout
        try:
            if _layout is None:
                _layout = layout()
            verdict = classify(filename, _root, _layout) in STRICT_KINDS
        except Exception:  # noqa: BLE001 - cannot tell: strict, as configured
            verdict = True
        with _lock:
            _verdicts[filename] = verdict
    return verdict


@resets.on_uninstall
def _forget() -> None:
    set_scope("project", None)
