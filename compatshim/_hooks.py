"""The attribute hook on real modules that still exist under a legacy name.

When a legacy module is a real file (``pkg/ws/__init__.py`` still exists) and only some of its names
moved (``"pkg.ws:WebSocketManager" = "core.ws:WebSocketManager"``), compatshim adds a PEP 562
``__getattr__`` to it. The hook serves the moved names and the legacy submodules below the module
(``import pkg; pkg.old_sub.Name``), and defers everything else to the ``__getattr__`` the module
already defined, if any. Names the module still defines itself are never touched: its own code
may rely on them (``compatshim check`` reports them as a second implementation).
"""

from __future__ import annotations

import sys

from . import _cells
from . import _diagnostics
from . import _frames
from . import _sites
from ._errors import LegacyPathError
from ._locks import ForkSafeLock


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any

    from ._table import AliasTable

__all__ = ["ModuleHook", "add_hook", "remove_hooks"]

_lock = ForkSafeLock()
# module name -> (module, hook) for every hook installed, so uninstall can take them away.
_installed: dict[str, tuple[ModuleType, ModuleHook]] = {}


class ModuleHook:
    """A module-level ``__getattr__`` serving moved names and legacy submodules of one module."""

    __slots__ = ("cells", "module_name", "previous", "table_of")

    def __init__(
        self,
        module_name: str,
        previous: Callable[[str], Any] | None,
        table_of: Callable[[], AliasTable],
    ) -> None:
        self.module_name = module_name
        self.previous = previous
        self.table_of = table_of
        self.cells: dict[object, object] = _cells.register({})

    def __call__(self, name: str) -> Any:
        table = self.table_of()
        alias = table.names(self.module_name).get(name)
        frame = _frames.frame_at(1)
        if alias is not None:
            return _sites.use_name(alias, frame, self.cells)
        child = f"{self.module_name}.{name}"
        if (
            name in table.children(self.module_name)
            and table.resolve_module(child) is not None
            and not _is_probe(frame)
        ):
            # A legacy module below this real package, reached as an attribute without an
            # import statement (as when the package used to import it itself).
            return _import_child(child)
        if self.previous is not None:
            return self.previous(name)
        raise AttributeError(f"module {self.module_name!r} has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"<compatshim hook for {self.module_name!r}>"


def _import_child(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except LegacyPathError:
        raise  # a policy the user configured
    except ImportError as exc:
        # For getattr()/hasattr() this is simply a missing attribute, as without compatshim.
        raise AttributeError(f"{name} cannot be imported: {exc}") from exc


def _is_probe(frame: Any) -> bool:
    # hasattr() from ``from pkg import sub`` or from introspection must not import anything:
    # the import system imports ``pkg.sub`` itself right after, and inspect only looks.
    if frame is None or frame.f_code is _frames.HANDLE_FROMLIST:
        return True
    return _frames.walk(frame)[1]


def add_hook(module: ModuleType, table_of: Callable[[], AliasTable]) -> None:
    """Give real module ``module`` compatshim's ``__getattr__`` (idempotent)."""
    name = module.__name__
    existing = module.__dict__.get("__getattr__")
    if isinstance(existing, ModuleHook):
        return
    hook = ModuleHook(name, existing, table_of)
    with _lock:
        module.__getattr__ = hook  # type: ignore[method-assign]
        _installed[name] = (module, hook)
    own = module.__dict__
    for attr, alias in table_of().names(name).items():
        if attr in own and own[attr] is not _try_resolve(alias.canonical) is not None:
            _diagnostics.report_once(
                "name-shadowed",
                f"{name} still defines {attr} itself, so the alias to {alias.canonical} does not "
                f"apply to it; delete the old definition (compatshim check lists these)",
                key=alias.legacy,
            )


def _try_resolve(path: str) -> object:
    # Only if the canonical module is already imported: hooking must not import anything.
    module_name, _, attrs = path.partition(":")
    obj: object = sys.modules.get(module_name)
    for attr in attrs.split("."):
        obj = getattr(obj, attr, None)
    return obj


def remove_hooks() -> None:
    """Restore every hooked module's own ``__getattr__`` (or remove ours)."""
    with _lock:
        installed = list(_installed.values())
        _installed.clear()
    for module, hook in installed:
        if module.__dict__.get("__getattr__") is hook:
            if hook.previous is not None:
                module.__getattr__ = hook.previous  # type: ignore[method-assign]
            else:
                del module.__getattr__
