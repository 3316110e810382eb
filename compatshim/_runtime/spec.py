"""The spec of a legacy module, which notices the imports served from ``sys.modules``.

After the first ``import old.mod``, later imports of it never reach a finder: the import system
hands out ``sys.modules["old.mod"]``, after checking ``module.__spec__._initializing`` (to wait for
a module another thread is still loading). That check is the only moment compatshim can see such
an import, so a legacy module's spec answers it through a property that reports the use.
"""

from __future__ import annotations

import sys
from _frozen_importlib import ModuleSpec  # importlib.machinery.ModuleSpec, without importlib

from .._base import compat as _compat
from . import frames as _frames
from . import proxy as _proxy
from . import uses as _sites


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._model.alias import Alias

__all__ = ["LegacySpec", "is_initializing"]

_modules = sys.modules
_modules_get = sys.modules.get


class LegacySpec(ModuleSpec):
    """The spec of a legacy module.

    Besides the usual fields it knows the alias it serves, and it notices when the import system
    serves the module from ``sys.modules`` (an ``import old.mod`` after the first one, where no
    finder is asked): that is the only moment the import system looks at ``_initializing``.
    """

    def __init__(
        self,
        name: str,
        loader: Any,
        *,
        alias: Alias | None,
        canonical: str | None,
        origin: str | None = None,
        is_package: bool = False,
    ) -> None:
        super().__init__(name, loader, origin=origin, is_package=is_package)
        #: The module alias covering this legacy module (``None`` for a virtual module).
        self.compatshim_alias = alias
        #: The canonical module name (``None`` for a virtual module).
        self.compatshim_canonical = canonical

    @property
    def _initializing(self) -> bool:
        value: bool = self.__dict__.get("_compatshim_initializing", False)
        alias, canonical = self.compatshim_alias, self.compatshim_canonical
        if alias is not None and canonical is not None:
            frame = _frames.frame_at(1)
            if frame is not None and not _frames.is_import_system(frame):
                _reimport_if_gone(self.name, canonical)
                _sites.use(alias, self.name, canonical, frame, importing=self.name)
        return value

    @_initializing.setter
    def _initializing(self, value: bool) -> None:
        self.__dict__["_compatshim_initializing"] = value


def is_initializing(spec: LegacySpec) -> bool:
    """Whether the import system is loading the module of ``spec`` (read without it being a use)."""
    return bool(spec.__dict__.get("_compatshim_initializing", False))


def _reimport_if_gone(legacy: str, canonical: str) -> None:
    # ``import old.mod`` served from sys.modules must behave like ``import new.mod``: if the
    # canonical module left sys.modules (its import failed after it had imported old.mod, or a
    # test removed it), import it again, and follow the new module.
    module = _modules_get(legacy)
    if not isinstance(module, _proxy.LegacyModule) or canonical in _modules:
        return
    try:
        target = _compat.import_module(canonical)
    except BaseException:
        # It cannot be imported any more, so neither can its legacy path: the next import
        # statement goes through the finder again (Python 3.12 and older swallow this error).
        if _modules_get(legacy) is module:
            del _modules[legacy]
        raise
    _proxy.follow(module, target)
