"""The attribute hook on real modules that still exist under a legacy name.

When a legacy module is a real file (``pkg/ws/__init__.py`` still exists) and only some of its names
moved (``"pkg.ws:WebSocketManager" = "core.ws:WebSocketManager"``), compatshim adds a PEP 562
``__getattr__`` to it. The hook serves the moved names and the legacy submodules below the module
(``import pkg; pkg.old_sub.Name``), and defers everything else to the ``__getattr__`` the module
already defined, if any. Names the module still defines itself are never touched: its own code
may rely on them (``compatshim check`` reports them as a second implementation).

A legacy submodule is never bound in the real package's namespace, where reading it would be a
plain dictionary lookup nobody sees: every ``pkg.old_sub`` and ``from pkg import old_sub`` goes
through the hook, and counts as a use. The import system binds a submodule on its package right
after loading it (``setattr(package, "old_sub", module)``); for that one moment the package's
class becomes :class:`_BindingGuard`, which lets that binding pass by and then steps aside, so
the reads of the package's own names stay plain dictionary lookups.
"""

from __future__ import annotations

import sys

from .._base import cells as _cells
from .._base import diagnostics as _diagnostics
from .._base import paths
from .._base import resets
from .._base.compat import ModuleType
from .._base.errors import LegacyPathError
from .._base.locks import ForkSafeLock
from . import frames as _frames
from . import proxy as _proxy
from . import uses as _sites
from .state import state as _state


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any


__all__ = ["ModuleHook", "add_hook", "expect_binding", "hook_of", "remove_hooks"]

_getframe = sys._getframe
_modules_get = sys.modules.get
_RETARGET = _cells.RETARGET
_module_setattr = ModuleType.__setattr__
_lock = ForkSafeLock()
_binding_lock = ForkSafeLock()  # a setattr under _lock may reach _binding_expected
# module name -> (module, hook) for every hook installed, so uninstall can take them away.
_installed: dict[str, tuple[ModuleType, ModuleHook]] = {}
# Real packages the import system is about to bind a legacy child on: package -> the
# (attribute, full name) of each binding expected.
_expected: dict[ModuleType, list[tuple[str, str]]] = {}


class ModuleHook:
    """A module-level ``__getattr__`` serving moved names and legacy submodules of one module."""

    __slots__ = ("cells", "children", "module_name", "previous")

    def __init__(self, module_name: str, previous: Callable[[str], Any] | None) -> None:
        self.module_name = module_name
        self.previous = previous
        # Per site (cells[id(code)][uses.site_key]): the counter of a moved name's or a legacy
        # child's reads.
        self.cells: dict[int, dict[object, Any]] = _cells.register_cells({})
        # The full name of each legacy child read so far, by attribute.
        self.children: dict[str, str] = {}

    def __call__(self, name: str) -> Any:
        # A legacy child read at a site seen before: count it and hand it out.
        try:
            frame = _getframe(1)
        except ValueError:  # read from C code with no Python frame above
            return self._lookup(name, None)
        inner = self.cells.get(id(frame.f_code))
        counter = None if inner is None else inner.get((frame.f_lasti, name))  # uses.site_key
        if counter is not None and counter is not _RETARGET:
            module = _modules_get(self.children[name])
            if module is not None:
                next(counter)
                return module
        return self._lookup(name, frame)

    def _lookup(self, name: str, frame: FrameType | None) -> Any:
        table = _state.table
        alias = table.names(self.module_name).get(name)
        if alias is not None:
            return _sites.use_name(alias, frame, self.cells)
        child = f"{self.module_name}.{name}"
        if name in table.children(self.module_name) and table.resolve_module(child) is not None:
            # A legacy module below this real package.
            found = self._child(name, child, frame)
            if found is not None:
                return found
        if self.previous is not None:
            return self.previous(name)
        raise AttributeError(f"module {self.module_name!r} has no attribute {name!r}")

    def _child(self, name: str, child: str, frame: FrameType | None) -> ModuleType | None:
        module = _modules_get(child)
        fromlist = frame is not None and frame.f_code is _frames.HANDLE_FROMLIST
        if module is None:
            if _is_probe(frame) and not fromlist:
                return None  # introspection never imports a legacy submodule
            # Not imported yet: import it, as the package did when it imported it itself (and
            # as ``from pkg import sub`` would right after its hasattr() probe).
            module = _import_child(child)
        if fromlist or frame is None:
            return module  # the statement's own read follows the probe, and counts
        served = _proxy.served_alias(module)
        if served is not None:
            self.children[name] = child
            _sites.use(served[0], child, served[1], frame, self.cells, name, child=True)
        return module

    def __repr__(self) -> str:
        return f"<compatshim hook for {self.module_name!r}>"


def _import_child(name: str) -> ModuleType:
    try:
        return _sites.import_quietly(name)
    except LegacyPathError:
        raise  # a policy the user configured
    except ImportError as exc:
        # For getattr()/hasattr() this is simply a missing attribute, as without compatshim.
        raise AttributeError(f"{name} cannot be imported: {exc}") from exc


def _is_probe(frame: Any) -> bool:
    # hasattr() from introspection must not import anything: inspect only looks.
    if frame is None or frame.f_code is _frames.HANDLE_FROMLIST:
        return True
    return _frames.walk(frame).probe


class _BindingGuard(ModuleType):
    """The class of a real package while the import system binds a legacy child on it."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if not _binding_expected(self, name, value):
            _module_setattr(self, name, value)


def expect_binding(package: ModuleType, name: str, module: ModuleType) -> None:
    """Keep legacy module ``module`` out of the namespace of real ``package``, where the import
    system is about to bind it as ``name``: the package's hook serves it instead."""
    if hook_of(package) is None or name in package.__dict__:
        return  # no hook to serve it, or the package's own attribute of that name: bind it
    with _binding_lock:
        if type(package) is ModuleType:
            package.__class__ = _BindingGuard
        elif type(package) is not _BindingGuard:
            return  # the package's own module class: leave it alone (the child is bound)
        _expected.setdefault(package, []).append((name, f"{package.__name__}.{name}"))


def _binding_expected(package: ModuleType, name: str, value: Any) -> bool:
    # Whether this setattr is the expected binding (then it is dropped, and the package gets
    # its own class back once no binding is pending).
    with _binding_lock:
        pending = _expected.get(package)
        if not pending:
            return False
        for entry in pending:
            if entry[0] == name and _modules_get(entry[1]) is value:
                pending.remove(entry)
                break
        else:
            return False
        if not pending:
            del _expected[package]
            if type(package) is _BindingGuard:
                _module_setattr(package, "__class__", ModuleType)
    return True


def hook_of(module: ModuleType) -> ModuleHook | None:
    """The hook compatshim installed on ``module``, if any."""
    # Installed as the bound method: calls from the interpreter dispatch faster than through
    # an instance's __call__ (the hook runs at every read of a legacy child of a real package).
    hook = getattr(module.__dict__.get("__getattr__"), "__self__", None)
    return hook if isinstance(hook, ModuleHook) else None


def add_hook(module: ModuleType) -> None:
    """Give real module ``module`` compatshim's ``__getattr__`` (idempotent)."""
    name = module.__name__
    if hook_of(module) is not None:
        return
    existing = module.__dict__.get("__getattr__")
    hook = ModuleHook(name, existing)
    with _lock:
        module.__getattr__ = hook.__call__  # type: ignore[method-assign]
        _installed[name] = (module, hook)
    own = module.__dict__
    for attr, alias in _state.table.names(name).items():
        # Only if the canonical module is imported already: hooking must not import anything.
        canonical = paths.resolve(alias.canonical, load=False)
        if attr in own and own[attr] is not canonical is not None:
            _diagnostics.report_once(
                "name-shadowed",
                f"{name} still defines {attr} itself, so the alias to {alias.canonical} does not "
                f"apply to it; delete the old definition (compatshim check lists these)",
                key=alias.legacy,
            )


@resets.on_uninstall
def remove_hooks() -> None:
    """Restore every hooked module's own ``__getattr__`` (or remove ours)."""
    with _lock:
        installed = list(_installed.values())
        _installed.clear()
    with _binding_lock:
        guarded = list(_expected)
        _expected.clear()
        for package in guarded:
            if type(package) is _BindingGuard:
                _module_setattr(package, "__class__", ModuleType)
    for module, hook in installed:
        if hook_of(module) is hook:
            if hook.previous is not None:
                module.__getattr__ = hook.previous  # type: ignore[method-assign]
            else:
                del module.__getattr__
