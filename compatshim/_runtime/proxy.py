"""Legacy module objects: each lookup is forwarded to the canonical module, each new site reported.

A :class:`LegacyModule` is what ``sys.modules["old.mod"]`` holds. It owns only what the import
system sets on every module (``__name__``, ``__spec__``, ``__loader__``, ``__package__``,
``__path__``) and its own child modules; every other attribute is read from, written to and deleted
on the canonical module, so ``old.mod.Thing is new.mod.Thing`` and ``mock.patch("old.mod.Thing")``
patches what canonical users see. The canonical module itself is never modified.
"""

from __future__ import annotations

import sys

from .._base import cells as _cells
from .._base import paths
from .._base.compat import ModuleType
from . import frames as _frames
from . import uses as _sites


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping
    from types import FrameType
    from typing import Any

    from .._model.alias import Alias

__all__ = ["LegacyModule", "canonical_of", "follow", "new_module"]

_getframe = sys._getframe
# Bound once: the import system itself always uses this dict, even if sys.modules is rebound.
_modules = sys.modules
_modules_get = sys.modules.get
_object_getattribute = object.__getattribute__
_module_setattr = ModuleType.__setattr__
_module_delattr = ModuleType.__delattr__
_ModuleType = ModuleType

# What the import system sets on every module: it describes the legacy module, not the canonical.
# ``__file__`` and ``__cached__`` are the canonical module's: its code (and the data files next to
# it) is where the legacy path leads, so they are read from it like every other attribute.
_IMPORT_ATTRS = frozenset({"__name__", "__spec__", "__loader__", "__package__", "__path__"})
_SET_LOCALLY = _IMPORT_ATTRS | {"__class__"}
_LOCAL, _DICT, _CHILD, _NAME, _ALL = range(5)


class _State:
    __slots__ = (
        "alias",
        "cells",
        "children",
        "cname",
        "legacy",
        "moved",
        "names",
        "namespace",
        "package",
        "special",
        "target",
    )

    def __init__(
        self, legacy: str, cname: str, alias: Alias | None, names: Mapping[str, Alias]
    ) -> None:
        self.legacy = legacy
        self.cname = cname  # "" for a virtual module: sys.modules.get("") is always None
        self.alias = alias
        self.names = names
        self.target: ModuleType | None = None
        # The canonical module's __dict__ while it is a plain module (the fast path reads it);
        # empty otherwise, so that every lookup takes the general route through getattr().
        self.namespace: dict[str, Any] = {}
        self.package = False
        self.children: dict[str, ModuleType] = {}
        self.special = dict(_BASE_SPECIAL)
        self.special.update(dict.fromkeys(names, _NAME))
        # For a moved name read again at a site already counted: (the key of that site's
        # counter, the canonical module, the attribute), when the canonical path is one attribute.
        self.moved: dict[str, tuple[str, str, str]] = {}
        for attr, moved in names.items():
            module, target = paths.split(moved.canonical)
            if "." not in target:
                self.moved[attr] = (moved.legacy, module, target)
        if not cname:
            # A virtual module holds exactly its moved names: a star import binds them all.
            self.special["__all__"] = _ALL
            self.special["__doc__"] = _LOCAL  # nothing to forward it to
        # The sites already handled: cells[id(code)][uses.site_key] (the instruction, and what it
        # reads); an id stays unique because _base.cells drops the entry when the code object is
        # freed. Never rebound: each legacy module's reader holds this dict.
        self.cells: dict[int, dict[object, object]] = _cells.register_cells({})


class LegacyModule(ModuleType):
    """A module object standing for a legacy path; see the module docstring.

    Each legacy module is an instance of its own subclass, whose ``__getattribute__`` holds the
    module's state in its closure (see :func:`_reader`).
    """

    __slots__ = ("_compatshim_state",)

    def __setattr__(self, name: str, value: Any) -> None:
        st = _state_of(self)
        if name in _SET_LOCALLY:
            _module_setattr(self, name, value)
        elif isinstance(value, _ModuleType) and _modules_get(f"{st.legacy}.{name}") is value:
            # The import system binds a freshly imported child: it belongs to the legacy package.
            st.children[name] = value
            st.special[name] = _CHILD
        elif name in st.children:
            # Something else replaces a child (mock.patch("old.pkg.sub")): it goes to the
            # canonical package, and the legacy package shows it from there.
            del st.children[name]
            del st.special[name]
            self.__setattr__(name, value)
        elif name in st.names:
            moved = st.names[name]
            _written(self, st, moved, moved.legacy, moved.canonical, name)
            holder, attr = _holder(moved.canonical)
            setattr(holder, attr, value)
        else:
            target = _modules_get(st.cname) or st.target
            if target is None:
                _module_setattr(self, name, value)
                st.special[name] = _LOCAL
            else:
                if st.alias is not None:
                    _written(self, st, st.alias, st.legacy, st.cname, name)
                setattr(target, name, value)

    def __delattr__(self, name: str) -> None:
        st = _state_of(self)
        if name in _SET_LOCALLY or st.special.get(name) == _LOCAL:
            _module_delattr(self, name)
        elif name in st.children:
            del st.children[name]
            del st.special[name]
        elif name in st.names:
            moved = st.names[name]
            _written(self, st, moved, moved.legacy, moved.canonical, name)
            holder, attr = _holder(moved.canonical)
            delattr(holder, attr)
        else:
            target = _modules_get(st.cname) or st.target
            if target is None:
                raise _missing(st, name)
            if st.alias is not None:
                _written(self, st, st.alias, st.legacy, st.cname, name)
            delattr(target, name)

    def __dir__(self) -> list[str]:
        # Exactly the names an attribute read finds: the canonical module's, except those the
        # import system sets on every module, which the legacy module owns (listed when it has
        # them), plus its children and moved names.
        st = _state_of(self)
        own = _own_dict(self)
        target = _modules_get(st.cname) or st.target
        if target is not None:
            names = set(dir(target)) - _IMPORT_ATTRS
        else:
            names = {name for name in own if st.special.get(name) == _LOCAL}
        names.update(name for name in _IMPORT_ATTRS if name in own)
        names.update(st.children)
        names.update(st.names)
        return sorted(names)

    def __repr__(self) -> str:
        st = _state_of(self)
        if st.alias is None:
            return f"<module {st.legacy!r} (compatshim: moved names only)>"
        return f"<module {st.legacy!r} (alias of {st.cname!r})>"


LegacyModule.__module__ = "compatshim"
_slot = vars(LegacyModule)["_compatshim_state"]
_state_of: Callable[[LegacyModule], _State] = _slot.__get__
_state_set: Callable[[LegacyModule, _State], None] = _slot.__set__
# ModuleType's own __dict__ getter: the legacy module's namespace, bypassing __getattribute__.
_own_dict: Callable[[ModuleType], dict[str, Any]]
_own_dict = vars(ModuleType)["__dict__"].__get__

_BASE_SPECIAL = dict.fromkeys(
    (set(dir(LegacyModule)) - {"__doc__", "__dict__", "__annotations__", "__module__"})
    | _IMPORT_ATTRS,
    _LOCAL,
)
_BASE_SPECIAL["__dict__"] = _DICT
# What the legacy module's type defines and a canonical module's own namespace may override.
_TYPE_ATTRS = tuple(sorted(set(_BASE_SPECIAL) - _SET_LOCALLY - {"__dict__", "_compatshim_state"}))


def _reader(st: _State) -> Callable[[LegacyModule, str], Any]:
    """The ``__getattribute__`` of the legacy module whose state is ``st``.

    The hot path of legacy code: a handful of dict lookups and one frame peek. The state is in the
    closure and the builtins are default arguments: reading them from the module object and the
    module's globals cost about a third of a read.
    """
    special = st.special
    cells = st.cells
    moved_names = st.moved
    children = st.children

    def __getattribute__(
        self: LegacyModule,
        name: str,
        _getframe: Callable[[int], FrameType] = _getframe,
        _modules: dict[str, ModuleType] = _modules,
        id: Callable[[object], int] = id,
        next: Callable[[Any], Any] = next,
    ) -> Any:
        if name in special:  # an operator, not a method call: the general path stays lean
            kind = special[name]
            if kind == _LOCAL:  # what the import system and introspection read most
                return _object_getattribute(self, name)
            if kind == _NAME:
                # A moved name at a site seen before: count it and read the canonical module.
                moved = moved_names.get(name)
                if moved is not None:
                    try:
                        frame = _getframe(1)
                        # cells[id(code)][uses.site_key(frame, the moved name's legacy path)]
                        counter = cells[id(frame.f_code)][(frame.f_lasti, moved[0])]
                        value = getattr(_modules[moved[1]], moved[2])
                        next(counter)  # (after the read: a read that fails is not a use)
                    except (KeyError, ValueError, AttributeError):
                        pass  # the general route: a new site, or a missing canonical object
                    else:
                        return value
            elif kind == _CHILD:
                # A child module (``old.pkg`` read from ``old``) is a use of its own path: count
                # it like any other read, so that ``from old import pkg`` is seen every time.
                child = children[name]
                try:
                    frame = _getframe(1)
                except ValueError:
                    return child
                try:
                    next(cells[id(frame.f_code)][(frame.f_lasti, name)])  # uses.site_key
                except KeyError:
                    return _first_child_use(st, name, child, frame)
                return child
            return _special(self, st, name, kind)
        try:
            value = st.namespace[name]
            if _modules[st.cname] is not st.target:
                raise KeyError(name)  # the canonical module was replaced: take the general route
        except KeyError:
            value = _lookup(st, name)
        try:
            frame = _getframe(1)
        except ValueError:  # read from C code with no Python frame above: nothing to attribute
            return value
        try:
            # Count the hit: a site seen before has its counter cached (a counter nobody reads
            # when the use does not count or telemetry is off), under uses.site_key(frame).
            next(cells[id(frame.f_code)][frame.f_lasti])
        except KeyError:
            return _first_use(st, name, value, frame)
        return value

    return __getattribute__


def new_module(
    legacy: str, canonical: str | None, alias: Alias | None, names: Mapping[str, Alias]
) -> LegacyModule:
    """Create the (not yet bound) legacy module for ``legacy``."""
    st = _State(legacy, canonical or "", alias, names)
    cls: type[LegacyModule] = type(
        "LegacyModule",
        (LegacyModule,),
        {
            "__slots__": (),
            "__module__": "compatshim",
            "__qualname__": "LegacyModule",
            "__doc__": LegacyModule.__doc__,
            "__getattribute__": _reader(st),
        },
    )
    module: LegacyModule = cls(legacy)
    _state_set(module, st)
    return module


def bind(module: LegacyModule, target: ModuleType) -> None:
    """Point ``module`` at the canonical module and mirror its package status."""
    st = _state_of(module)
    _follow(st, target)
    path = getattr(target, "__path__", None)
    st.package = path is not None
    own = _own_dict(module)
    if path is not None:
        _module_setattr(module, "__path__", path)
    elif "__path__" in own:
        _module_delattr(module, "__path__")
        # Its spec was made a package's while the canonical module could not be looked at yet
        # (its parent not imported): it says what the canonical module is, as __package__ does.
        spec = own.get("__spec__")
        if spec is not None and spec.submodule_search_locations is not None:
            spec.submodule_search_locations = None
        _module_setattr(module, "__package__", st.legacy.rpartition(".")[0])


def make_virtual(module: LegacyModule) -> None:
    """Turn ``module`` into a virtual module: its canonical module does not exist."""
    st = _state_of(module)
    st.alias, st.cname, st.target, st.namespace = None, "", None, {}
    st.special["__all__"] = _ALL
    st.special["__doc__"] = _LOCAL  # nothing to forward it to


def served_alias(module: object) -> tuple[Alias, str] | None:
    """``(alias, canonical module name)`` of legacy module ``module``, whose reads are uses;
    ``None`` if it is no legacy module or a virtual one (whose uses are its moved names)."""
    if not isinstance(module, LegacyModule):
        return None
    st = _state_of(module)
    return (st.alias, st.cname) if st.alias is not None else None


def is_bound(module: LegacyModule) -> bool:
    """Whether ``module`` has been bound to its canonical module (i.e. is being reloaded)."""
    return _state_of(module).target is not None


def canonical_of(module: object) -> ModuleType | None:
    """The canonical module a legacy module forwards to, or ``None`` if ``module`` is not one."""
    if not isinstance(module, LegacyModule):
        return None
    st = _state_of(module)
    return _modules_get(st.cname) or st.target


def _holder(path: str) -> tuple[Any, str]:
    # The object that holds the last attribute of "pkg.mod:attr.path", and that attribute.
    holder, last = paths.parent(path)
    return paths.resolve(holder), last


def _lookup(st: _State, name: str) -> Any:
    # The general route: module __getattr__, missing names, virtual and half-imported modules,
    # and a canonical module that was deleted from sys.modules and imported again.
    target = _modules_get(st.cname) or st.target
    if target is None:
        raise _missing(st, name)
    if target is not st.target:
        _follow(st, target)
    try:
        return getattr(target, name)
    except AttributeError:
        raise _missing(st, name) from None


def follow(module: LegacyModule, target: ModuleType) -> None:
    """Forward ``module`` to ``target`` from now on (its canonical module was imported again)."""
    _follow(_state_of(module), target)


def _follow(st: _State, target: ModuleType) -> None:
    st.target = target
    # A module subclass may define properties or __getattribute__: read it through getattr().
    st.namespace = target.__dict__ if type(target) is _ModuleType else {}
    # A module may define a name that the module type also has (PEP 562's ``__dir__``): read on
    # the canonical module it is the module's own function, so it is on the legacy path too.
    for name in _TYPE_ATTRS:
        if name in target.__dict__:
            st.special.pop(name, None)
        else:
            st.special[name] = _LOCAL


def _special(self: LegacyModule, st: _State, name: str, kind: int) -> Any:
    if kind == _LOCAL:
        return _object_getattribute(self, name)
    if kind == _DICT:
        target = _modules_get(st.cname) or st.target
        return _own_dict(self) if target is None else target.__dict__
    if kind == _ALL:
        return sorted(st.names)
    return _sites.use_name(st.names[name], _frames.frame_at(2), st.cells)


def _missing(st: _State, name: str) -> AttributeError:
    if st.alias is None:
        moved = ", ".join(sorted(st.names)) or "none"
        return AttributeError(
            f"module {st.legacy!r} has no attribute {name!r} (it only serves moved names: {moved})"
        )
    target = _modules_get(st.cname) or st.target
    if target is None or getattr(getattr(target, "__spec__", None), "_initializing", False):
        return AttributeError(
            f"partially initialized module {st.legacy!r} (alias of {st.cname!r}) has no "
            f"attribute {name!r} (most likely due to a circular import)"
        )
    return AttributeError(f"module {st.legacy!r} (alias of {st.cname!r}) has no attribute {name!r}")


def _written(
    module: LegacyModule, st: _State, alias: Alias, legacy: str, canonical: str, name: str
) -> None:
    # A write or delete through the legacy module by the user's own code (``old.mod.LIMIT = 1``,
    # ``setattr``, ``del``, an ``exec``'d string) is a use like a read: counted, warned at its
    # line, refused by the policy before it happens. The writes a tool makes on the user's
    # behalf (mock.patch and monkeypatch patching and restoring, the import system) are not: the
    # read that resolved their target was the use, and a restore at teardown belongs to no user
    # line; but ``mock.patch.object(old_mod, ...)`` reads nothing first: its patch is the use
    # (frames.acts_for_user).
    if name[:2] == "__" and name[-2:] == "__":
        return  # dunders (__doc__, __file__ on reload) are introspection, as for reads
    frame = _frames.frame_at(2)  # above __setattr__ / __delattr__
    if frame is None:
        return
    # Cached per site as a read is (a write in a loop costs what a read does), under a key no
    # read has: "=" and the path written (one ``setattr`` may write a moved name and another).
    what = "=" + legacy
    try:
        counter: Any = st.cells[id(frame.f_code)][(frame.f_lasti, what)]  # uses.site_key
        next(counter)
    except KeyError:
        if _frames.is_user(frame) or _frames.acts_for_user(frame, module):
            _sites.use(alias, legacy, canonical, frame, st.cells, what)


def _first_use(st: _State, name: str, value: Any, frame: FrameType) -> Any:
    if name[:2] == "__" and name[-2:] == "__":
        return value  # dunder probes (__all__, __wrapped__, __version__) are introspection
    if frame.f_code is _frames.HANDLE_FROMLIST:
        return value  # the import system's hasattr probe before ``from pkg import name``
    if (
        st.package
        and isinstance(value, _ModuleType)
        and getattr(value, "__name__", None) == f"{st.cname}.{name}"
        and not _frames.walk(frame).probe
    ):
        # A canonical submodule reached through the legacy package: hand out its legacy module
        # (never imported for introspection), so what follows is seen too. The read of the
        # child is the use, reported here and at each later read.
        child = _sites.import_quietly(f"{st.legacy}.{name}")
        st.children[name] = child
        st.special[name] = _CHILD
        return _first_child_use(st, name, child, frame)
    alias = st.alias
    if alias is None:
        return value
    _sites.use(alias, st.legacy, st.cname, frame, st.cells)
    return value


def _first_child_use(st: _State, name: str, child: Any, frame: FrameType) -> Any:
    if frame.f_code is _frames.HANDLE_FROMLIST:
        return child  # the import system's hasattr probe before ``from old import pkg``
    served = served_alias(child)
    if served is None:
        return child  # strategy = "direct" (only its first import is seen), or a virtual module
    _sites.use(served[0], _state_of(child).legacy, served[1], frame, st.cells, name, child=True)
    return child
