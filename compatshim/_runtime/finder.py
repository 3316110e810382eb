"""The meta-path finder and loader behind every legacy path.

It sits first on ``sys.meta_path``. For a name that is not a legacy path it answers ``None`` after
one set lookup (the first dotted component), without touching the filesystem. For a legacy module
it returns a spec whose loader creates a :class:`~compatshim._runtime.proxy.LegacyModule`; the canonical
module is imported by the import system as usual, under its own name, exactly once. Real modules
that merely lead to legacy paths are loaded by their own finder and loader; compatshim chains
their loader only to add its attribute hook afterwards.

No lock of compatshim's is held while anything is imported, and ``find_spec`` never imports: it
runs under the import system's global lock, where importing can deadlock.
"""

from __future__ import annotations

import sys
from _thread import _local

from .._base import compat as _compat
from .._base import diagnostics as _diagnostics
from .._base.errors import ConfigError
from . import frames as _frames
from . import hooks as _hooks
from . import proxy as _proxy
from . import spec as _spec
from . import uses as _sites
from .state import state as _state


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

    from .._model.alias import Alias
    from .._model.table import AliasTable

__all__ = ["AliasFinder"]


class AliasFinder:
    """Finds and loads legacy modules; see the module docstring."""

    def __init__(self) -> None:
        # Names this thread is looking up through the other finders (re-entry guard).
        self._local = _local()

    def __repr__(self) -> str:
        return f"<compatshim.AliasFinder ({len(_state.table)} aliases)>"

    # -- finder -------------------------------------------------------------------------------

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        """Return a spec for a legacy module (or a real one on a legacy path), else ``None``."""
        if fullname.partition(".")[0] not in _state.roots:  # paths.root, inlined
            return None  # the path of every ordinary import: one set lookup
        try:
            return self._find(_state.table, fullname, path, target)
        except ConfigError as exc:  # a prefix cycle only shows up for some names
            _diagnostics.report_once("alias-cycle", str(exc), key=fullname)
            return None

    def _find(
        self,
        table: AliasTable,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None,
    ) -> ModuleSpec | None:
        hit = table.resolve_module(fullname)
        if hit is not None:
            return self._alias_spec(table, fullname, *hit)
        needs_hook = table.needs_hook(fullname)
        if not needs_hook:
            factories = _state.factories
            if not factories or fullname not in factories.modules:
                return None
        spec = self._find_elsewhere(fullname, path, target)
        if spec is None:
            return self._virtual_spec(table, fullname) if needs_hook else None
        namespace = spec.loader is None and spec.submodule_search_locations is not None
        if namespace:
            spec.loader = _compat.namespace_loader(spec)
        loader = spec.loader
        if hasattr(loader, "exec_module") and not isinstance(loader, _HookingLoader):
            spec.loader = _HookingLoader(loader, namespace)  # type: ignore[assignment]
        return spec

    def _alias_spec(
        self, table: AliasTable, fullname: str, alias: Alias, canonical: str
    ) -> ModuleSpec | None:
        names = table.names(fullname)
        module = sys.modules.get(canonical)
        if module is not None:
            cspec = getattr(module, "__spec__", None)
            origin = getattr(cspec, "origin", None)
            is_package = hasattr(module, "__path__")
        else:
            parent_name = canonical.rpartition(".")[0]
            parent = sys.modules.get(parent_name) if parent_name else None
            known = not parent_name or parent is not None
            cspec = None
            if known:
                parent_path = getattr(parent, "__path__", None) if parent_name else None
                if parent_name and parent_path is None:
                    cspec = None  # the canonical parent is not a package: no such submodule
                else:
                    cspec = self._find_elsewhere(canonical, parent_path, None)
            if cspec is None and known:
                # The canonical module does not exist: neither does the alias, unless names
                # that moved elsewhere were declared on it.
                return self._virtual_spec(table, fullname) if names else None
            origin = getattr(cspec, "origin", None)
            is_package = cspec is None or cspec.submodule_search_locations is not None
        return _spec.LegacySpec(
            fullname,
            self,
            alias=alias,
            canonical=canonical,
            origin=origin,
            is_package=is_package,
        )

    def _virtual_spec(self, table: AliasTable, fullname: str) -> ModuleSpec:
        # Nothing on disk: a virtual module that serves the moved names declared on it.
        return _spec.LegacySpec(
            fullname,
            self,
            alias=None,
            canonical=None,
            origin="compatshim virtual module",
            is_package=bool(table.children(fullname)),
        )

    def _find_elsewhere(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        # Ask the finders after this one, as the import system would have: no import, no lock.
        busy: set[str] = getattr(self._local, "busy", None) or set()
        if fullname in busy:
            return None
        self._local.busy = busy
        busy.add(fullname)
        try:
            finders = list(sys.meta_path)
            start = next((i + 1 for i, f in enumerate(finders) if f is self), 0)
            for finder in finders[start:]:
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec: ModuleSpec | None = find(fullname, path, target)
                if spec is not None:
                    return spec
            return None
        finally:
            busy.discard(fullname)

    # -- loader -------------------------------------------------------------------------------

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        """Create the legacy module (the canonical module itself for ``strategy = "direct"``)."""
        assert isinstance(spec, _spec.LegacySpec)
        alias, canonical = spec.compatshim_alias, spec.compatshim_canonical
        names = _state.table.names(spec.name)
        if alias is not None and canonical is not None and alias.strategy == "direct":
            module = self._import_canonical(spec.name, canonical)
            spec.compatshim_saved = getattr(module, "__spec__", None)  # type: ignore[attr-defined]
            spec.submodule_search_locations = getattr(module, "__path__", None)
            return module
        return _proxy.new_module(spec.name, canonical, alias, names)

    def exec_module(self, module: ModuleType) -> None:
        """Bind the legacy module to its canonical module and report the import."""
        spec = module.__spec__
        assert isinstance(spec, _spec.LegacySpec)
        name, alias, canonical = spec.name, spec.compatshim_alias, spec.compatshim_canonical
        if alias is None or canonical is None:
            _state.created[name] = module  # a virtual module: importing it is not a use
            return
        if isinstance(module, _proxy.LegacyModule):
            if _proxy.is_bound(module):  # importlib.reload(legacy module): reload the canonical
                import importlib  # only here: importing importlib costs more than most modules

                importlib.reload(self._import_canonical(name, canonical))
                return
            try:
                target = self._import_canonical(name, canonical)
            except _CanonicalMissing:
                if not _state.table.names(name):
                    raise
                # Only moved names live here now: the module becomes a virtual one.
                _proxy.make_virtual(module)
                spec.compatshim_alias = spec.compatshim_canonical = None
                _state.created[name] = module
                return
            _proxy.bind(module, target)
        else:
            # strategy = "direct": the import system stamped our spec on the canonical module.
            module.__spec__ = spec.compatshim_saved  # type: ignore[attr-defined]
        # Imported for a read, the read reports the use: the load only applies the policy (a
        # load that fails under "error" leaves nothing in sys.modules, as for any import).
        _sites.use(
            alias,
            name,
            canonical,
            _frames.frame_at(1),
            importing=name,
            strict=True,
            quiet=_sites.is_quiet(name),
        )
        _state.created[name] = module
        parent_name, _, child = name.rpartition(".")
        parent = sys.modules.get(parent_name) if parent_name else None
        if (
            parent is not None
            and not isinstance(parent, _proxy.LegacyModule)
            and isinstance(module, _proxy.LegacyModule)
            and _spec.is_initializing(spec)  # loaded by the import system, which binds it next
        ):
            _hooks.expect_binding(parent, child, module)

    def _import_canonical(self, legacy: str, canonical: str) -> ModuleType:
        try:
            return _compat.import_module(canonical)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if missing and (canonical == missing or canonical.startswith(missing + ".")):
                raise _CanonicalMissing(
                    f"No module named {legacy!r}: it is an alias of {canonical!r}, "
                    f"which cannot be imported ({exc})",
                    name=legacy,
                ) from exc
            raise

    # The loader methods runpy, importlib.resources and inspect use, answered by the canonical
    # module's own loader under the canonical name.

    def _canonical_loader(self, fullname: str) -> tuple[Any, str]:
        hit = _state.table.resolve_module(fullname)
        if hit is None:
            raise ImportError(f"{fullname!r} is not a legacy module", name=fullname)
        canonical = hit[1]
        module = sys.modules.get(canonical)
        cspec = getattr(module, "__spec__", None) if module is not None else None
        if cspec is None:
            parent = sys.modules.get(canonical.rpartition(".")[0])
            cspec = self._find_elsewhere(canonical, getattr(parent, "__path__", None), None)
        loader = getattr(cspec, "loader", None)
        if loader is None:
            raise ImportError(f"no loader for {canonical!r} (alias of {fullname!r})", name=fullname)
        return loader, canonical

    def get_code(self, fullname: str) -> Any:
        """The canonical module's code (``runpy`` and ``python -m legacy.tool`` run it)."""
        loader, canonical = self._canonical_loader(fullname)
        hit = _state.table.resolve_module(fullname)
        assert hit is not None
        _sites.use(hit[0], fullname, canonical, _frames.frame_at(1), strict=True)
        return loader.get_code(canonical)

    def get_source(self, fullname: str) -> str | None:
        """The canonical module's source."""
        loader, canonical = self._canonical_loader(fullname)
        source: str | None = loader.get_source(canonical)
        return source

    def is_package(self, fullname: str) -> bool:
        """Whether the canonical module is a package."""
        loader, canonical = self._canonical_loader(fullname)
        return bool(loader.is_package(canonical))

    def get_resource_reader(self, fullname: str) -> Any:
        """The canonical package's resource reader (``importlib.resources`` on a legacy path)."""
        loader, canonical = self._canonical_loader(fullname)
        get = getattr(loader, "get_resource_reader", None)
        return get(canonical) if get is not None else None


class _CanonicalMissing(ModuleNotFoundError):
    """The canonical module of a legacy path does not exist (as opposed to failing inside)."""


class _HookingLoader:
    """Chains the loader of a real module on a legacy path, then adds compatshim's hook (and
    guards the classes and factories of factory rules it defines: ``factories``)."""

    def __init__(self, loader: Any, namespace: bool) -> None:
        self.loader = loader
        self._namespace = namespace

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        create = getattr(self.loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        # Hand the real loader back first, so that reload() and introspection never see ours.
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader = self.loader
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = self.loader
        self.loader.exec_module(module)
        if self._namespace and not hasattr(module, "__file__"):
            module.__file__ = None  # as the import system leaves a namespace package
        if _state.table.needs_hook(module.__name__):
            _hooks.add_hook(module)
        if _state.factories:  # the factory rules' module is imported only when there are some
            from . import factories as _factories

            _factories.module_executed(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)
