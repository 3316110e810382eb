"""Paths as compatshim spells them: every rule about ``pkg.mod`` and ``pkg.mod:attr`` strings.

A *path* names a module (``pkg.mod``) or an object in one (``pkg.mod:Name``, ``pkg.mod:A.b``):
the colon says where the module ends, which an import needs to know and dotted code does not
show. Code spells the same path with dots only (:func:`dotted`). Here is where the module ends
(:func:`split`), what the first component is (:func:`root`), whether one path is inside another
(:func:`within`), whether a configured name is a valid path (:func:`problem`), and which object a
path names (:func:`resolve`); and, for messages, how a *file* path is shown (:func:`shown`).

The finder's fast path and the legacy module's attribute read do the same splits inline, where a
function call would cost more than the lookup itself; they say so where they do.
"""

from __future__ import annotations

import os
import sys
from keyword import kwlist

from .errors import shown as shown_value


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    #: What a path names: a module, or a name (an attribute) in a module.
    Kind = Literal["module", "name"]

__all__ = [
    "KEYWORDS",
    "dotted",
    "is_path",
    "join",
    "kind",
    "parent",
    "parts",
    "problem",
    "resolve",
    "root",
    "shown",
    "split",
    "within",
]

#: Python's keywords: never a component of a name an import statement can spell.
KEYWORDS = frozenset(kwlist)


def split(path: str) -> tuple[str, str]:
    """``(module, attribute path)``: ``("pkg.mod", "A.b")`` for ``"pkg.mod:A.b"``, and
    ``("pkg.mod", "")`` for the module path ``"pkg.mod"``."""
    module, _, attrs = path.partition(":")
    return module, attrs


def join(module: str, attrs: str) -> str:
    """The path of ``attrs`` in ``module`` (``module`` itself when ``attrs`` is empty)."""
    return f"{module}:{attrs}" if attrs else module


def kind(path: str) -> Kind:
    """``"name"`` for a path to an object in a module, ``"module"`` for a module path."""
    return "name" if ":" in path else "module"


def root(path: str) -> str:
    """The first component: the top-level package every path below it starts with."""
    return path.partition(".")[0].partition(":")[0]


def dotted(path: str) -> str:
    """The path as code spells it (``pkg.mod.Name``)."""
    return path.replace(":", ".")


def parts(path: str) -> list[str]:
    """The components of the path as code spells it (``["pkg", "mod", "Name"]``)."""
    return path.replace(":", ".").split(".")


def parent(path: str) -> tuple[str, str]:
    """The path of what holds the last attribute of a name path, and that attribute:
    ``("pkg.mod:A", "b")`` for ``"pkg.mod:A.b"``, ``("pkg.mod", "A")`` for ``"pkg.mod:A"``."""
    module, attrs = split(path)
    head, _, last = attrs.rpartition(".")
    return join(module, head), last


def within(path: str, ancestor: str) -> bool:
    """Whether ``path`` is ``ancestor`` or below it: ``old.pkg:Name`` and ``old.pkg.sub`` are
    within ``old.pkg`` and within ``old``; ``old.pkgs`` is not."""
    size = len(ancestor)
    return path.startswith(ancestor) and (len(path) == size or path[size] in ".:")


def is_path(text: str) -> bool:
    """Whether ``text`` can be a path at all: at most one colon, and every component an
    identifier (keywords included: ``importlib.import_module`` accepts them)."""
    return text.count(":") <= 1 and all(map(str.isidentifier, parts(text)))


def problem(name: str, *, what: str, allow_attr: bool) -> str | None:
    """Why ``name`` is not a valid configured path (a module path, or with ``allow_attr`` also
    ``pkg.mod:attr``), or ``None``.

    Every component must be an identifier that an import statement can spell: not a keyword
    (``class.pkg``), and in NFKC normal form, since Python normalises the identifiers it reads
    (a fullwidth ``\\uff4fldpkg`` in the configuration would never match the same word in code,
    which Python reads as ``oldpkg``).

    :param what: what the name is, for the message (``"legacy path"``, ``"target"``).
    """
    module, colon, attr = name.partition(":")
    names = module.split(".")
    attrs = attr.split(".") if colon else []
    if (
        all(map(str.isidentifier, names))
        and all(map(str.isidentifier, attrs))
        and (allow_attr or not colon)
        and name.isascii()  # ASCII is always in NFKC normal form
        and KEYWORDS.isdisjoint(names)
        and KEYWORDS.isdisjoint(attrs)
    ):
        return None  # the usual case, checked fast: thousands of names at every start
    if not name:
        return f"{what} is empty"
    if colon and not allow_attr:
        return f"{what} {shown_value(name)} must be a module path without ':'"
    if not all(part.isidentifier() for part in names):
        return f"{what} {shown_value(name)} is not a dotted module path"
    if colon and not (attr and all(part.isidentifier() for part in attrs)):
        return f"{what} {shown_value(name)} must name an attribute after ':'"
    if not name.isascii():
        import unicodedata

        normal = unicodedata.normalize("NFKC", name)
        if normal != name:
            return (
                f"{what} {shown_value(name)} is not in NFKC normal form: Python reads it as "
                f"{shown_value(normal)}, so it would never match; write {shown_value(normal)}"
            )
    keyword = next((part for part in [*names, *attrs] if part in KEYWORDS), None)
    if keyword is not None:
        return (
            f"{what} {shown_value(name)} has the keyword {keyword!r} as a name, "
            "which code cannot import"
        )
    return None


def resolve(path: str, *, load: bool = True) -> object:
    """The object ``path`` names: its module, then each attribute read in turn.

    :param load: import the module if it is not imported yet. With ``False`` nothing is ever
        imported (an import hook must not import while it looks around): ``None`` when the
        module is not imported or an attribute is missing.
    :raises ImportError: (``load``) if the module cannot be imported.
    :raises AttributeError: (``load``) if an attribute is missing.
    """
    module, attrs = split(path)
    obj: object = sys.modules.get(module)
    if obj is None:
        if not load:
            return None
        from .compat import import_module

        obj = import_module(module)
    for attr in attrs.split(".") if attrs else ():
        obj = getattr(obj, attr) if load else getattr(obj, attr, None)
    return obj


def shown(file: str) -> str:
    """A file path as messages and output show it: relative to the current folder when it is
    below it, with ``/`` between folders; otherwise as it is."""
    relative = os.path.relpath(file)
    return file if relative.startswith(os.pardir) else relative.replace(os.sep, "/")
