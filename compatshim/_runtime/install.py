"""Install and uninstall the finder; declare aliases in code.

The process holds one finder and one :class:`AliasTable` (in ``state``), built from every source
of aliases (the ``pyproject.toml`` configuration and :func:`alias` calls). A change builds a new
table and swaps it in whole: readers never see a half-built one.
"""

from __future__ import annotations

import os
import sys

from .._base import diagnostics as _diagnostics
from .._base import resets
from .._base.errors import ConfigError
from .._model import policy as _policy
from .._model.table import AliasTable
from .._telemetry.recorder import recorder
from . import frames as _frames
from . import hooks as _hooks
from . import proxy as _proxy
from . import scope as _scope
from . import uses as _sites
from .finder import AliasFinder
from .state import state
from .state import use_table


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._model.alias import Alias
    from .._model.alias import Policy
    from .._model.config import Config

__all__ = [
    "Installation",
    "alias",
    "install",
    "install_distribution",
    "installed",
    "set_context",
    "set_policy_override",
    "uninstall",
]


class Installation:
    """What :func:`install` put in place (returned again by later calls)."""

    __module__ = "compatshim"

    def __init__(self, config: Config | None, *, disabled: bool = False) -> None:
        #: The configuration that was read (``None`` when compatshim is disabled).
        self.config = config
        #: Whether ``COMPATSHIM_DISABLE`` switched compatshim off.
        self.disabled = disabled

    @property
    def aliases(self) -> tuple[Alias, ...]:
        """Every alias active in this process: configured and declared in code."""
        return tuple(state.table) if not self.disabled else ()

    @property
    def policy_override(self) -> str | None:
        """The policy forced on every alias (``COMPATSHIM_POLICY``), if any."""
        return _policy.get_override()

    def __repr__(self) -> str:
        if self.disabled:
            return "<Installation disabled (COMPATSHIM_DISABLE)>"
        path = self.config.path if self.config is not None else None
        return f"<Installation config={str(path)!r} aliases={len(self.aliases)}>"


def _set_source(key: str, table: AliasTable) -> None:
    # Build the new table first: a conflict leaves the installed one untouched. With one source
    # (the usual case) its table is used as it is; several are merged and resolved together.
    sources = dict(state.sources)
    sources[key] = table
    if len(sources) > 1:
        table = AliasTable(a for group in sources.values() for a in group)
    state.sources = sources
    use_table(table)
    _put_finder_first()


def _put_finder_first() -> None:
    finder = state.finder
    if finder is None:
        finder = state.finder = AliasFinder()
    # A reloaded compatshim leaves the finder of its earlier incarnation (a different class
    # object of the same name and module): one finder only. A vendored copy under another
    # package name keeps its own finder and its own aliases.
    sys.meta_path[:] = [
        f
        for f in sys.meta_path
        if f is not finder
        and (type(f).__qualname__, type(f).__module__)
        != (AliasFinder.__qualname__, AliasFinder.__module__)
    ]
    sys.meta_path.insert(0, finder)


def _hook_imported_modules() -> None:
    # Modules imported before install() that serve moved names or lead to legacy paths.
    table = state.table
    roots = table.roots
    for name, module in list(sys.modules.items()):
        if (
            name.partition(".")[0] in roots
            and module is not None
            and not isinstance(module, _proxy.LegacyModule)
            and table.needs_hook(name)
            and table.resolve_module(name) is None
        ):
            _hooks.add_hook(module)


def install(
    pyproject: str | os.PathLike[str] | None = None, *, telemetry: bool = True
) -> Installation:
    """Load the configuration and put compatshim's finder first on ``sys.meta_path``.

    Calling it again with the same configuration changes nothing and returns the same object; a
    second configuration adds its aliases. ``COMPATSHIM_DISABLE=1`` makes it do nothing, and
    ``COMPATSHIM_POLICY`` forces one policy on every alias.

    If the current directory no longer exists and no file is named, there is nowhere to look for
    the configuration: that is reported once (``cwd-missing``) and the program goes on with no
    configured aliases.

    :param pyproject: the ``pyproject.toml`` to read (see :func:`load_config` for the default).
    :param telemetry: ``False`` leaves the recorder alone (``compatshim check``: its probes and
        the imports it makes are not adoption data).
    :returns: a description of what is installed.
    :raises ConfigError: if the configuration or a ``COMPATSHIM_*`` variable is invalid.
    """
    # The configuration machinery is imported by the first install() or alias(), not by
    # `import compatshim` (a library may import it only to declare aliases, or to check types).
    from .._model import environ as _environ
    from .._model.config import empty_config
    from .._model.config import load_config

    if _environ.disabled():
        return Installation(None, disabled=True)
    _environ.check()
    try:
        config = load_config(pyproject)
    except ConfigError as exc:
        if exc.slug != "cwd-missing":
            raise
        _diagnostics.report_once(
            "cwd-missing", f"{exc}; no configured aliases in this process, the program goes on"
        )
        config = empty_config(root="")
    override = _environ.policy()
    key = f"config:{config.path}"
    with state.lock:
        if key in state.sources and state.installation is not None:
            _put_finder_first()
            return state.installation
    # The distributions the project includes: read (metadata, TOML) with no lock held.
    table = config.table
    if config.include:
        from .._model.shipped import full_table

        table = full_table(config, store=True)
    with state.lock:
        if key in state.sources and state.installation is not None:  # another thread was first
            _put_finder_first()
            return state.installation
        _set_source(key, table)
        if config.factories:
            from . import factories as _factories  # only with factory rules: it costs an import

            _factories.add_rules(config.factories)
        _policy.set_override(override)
        _scope.set_scope(config.strict_scope, config.root)
        installation = state.installation = Installation(config)
    if telemetry:
        persist = config.path is not None and config.telemetry and not _environ.telemetry_off()
        recorder.otel = persist and _environ.otel(config.otel)  # (read by start())
        recorder.start(config.data_file if persist else None, config.root)
    _hook_imported_modules()
    if state.factories:
        from . import factories as _factories

        _factories.guard_imported()  # imports wrapt: never under compatshim's lock
    return installation


def install_distribution(name: str) -> Installation:
    """Activate the alias table the installed distribution ``name`` ships.

    A library that moved its own modules calls ``compatshim.install_distribution("mylib")`` in
    its ``__init__``: every project that imports it gets its legacy paths, with no entry in its
    own configuration. The table is found through the distribution's metadata (the
    ``compatshim.aliases`` entry point, see docs/libraries.md), never by importing anything;
    called from a module whose folder holds the table (``compatshim.toml``, as in the library's
    own ``__init__``), that file is read directly, without the metadata.
    Calling it again changes nothing. Like :func:`alias`, it does not start telemetry; a
    project that calls :func:`install` records the uses. ``COMPATSHIM_DISABLE=1`` makes it do
    nothing.

    :returns: the installation (the one :func:`install` made, if it was called).
    :raises ConfigError: if ``name`` is not installed or ships no table (``include-*``), or its
        table is invalid (the slug of the problem, naming the distribution and the file).
    """
    from .._model import environ as _environ
    from .._model.shipped import read_beside
    from .._model.shipped import read_distribution

    if _environ.disabled():
        return Installation(None, disabled=True)
    key = f"dist:{name}"
    with state.lock:
        if key in state.sources and state.installation is not None:
            return state.installation
    # Called from the library's own package, the table is beside the caller: reading the
    # distribution's metadata would cost more than the rest (importing importlib.metadata).
    frame = _frames.frame_at(1)
    caller = frame.f_globals.get("__file__") if frame is not None else None
    shipped = read_beside(name, caller) if isinstance(caller, str) else None
    if shipped is None:
        shipped = read_distribution(name)  # metadata and TOML: with no lock held
    with state.lock:
        _set_source(key, shipped.table)
        if state.installation is None:
            state.installation = Installation(None)
        installation = state.installation
    _hook_imported_modules()
    return installation


def installed() -> Installation | None:
    """The current installation, or ``None`` if compatshim is not installed."""
    return state.installation if state.finder is not None else None


def alias(legacy: str, target: str, **options: Any) -> Alias:
    """Declare an alias in code, for library authors who move their own modules.

    ``compatshim.alias("mylib.old", "mylib.new", since="2.0")`` takes the keys of an alias's
    inline table (``since``, ``removed_in``, ``remove_after``, ``policy``, ``category``,
    ``message``, ``package``, ``strategy``) and makes the legacy path work at once.

    :returns: the alias, with its chain resolved.
    :raises ConfigError: for an invalid alias or one that conflicts with another declaration.
    """
    frame = _frames.frame_at(1)
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "<unknown>"
    from .._model import environ as _environ
    from .._model.validate import make_alias

    made = make_alias(legacy, {"target": target, **options}, defaults={}, where=where)
    if _environ.disabled():
        return made
    with state.lock:
        aliases = [a for a in state.sources.get("code", ()) if a.legacy != legacy]
        _set_source("code", AliasTable([*aliases, made]))
        if state.installation is None:
            state.installation = Installation(None)
        result = state.table.get(legacy) or made
    _hook_imported_modules()
    return result


def uninstall() -> None:
    """Remove the finder, every legacy module it created and every hook it added.

    Canonical modules are left untouched; ``compatshim`` can be installed again afterwards.
    Every part of compatshim forgets its process state (``_base.resets``): the counts so far are
    written first, the sites warned about, the policy override and the diagnostics reported are
    forgotten.
    """
    resets.forget_all()


@resets.on_uninstall
def _forget_installation() -> None:
    # The first state forgotten (the last registered): the finder leaves sys.meta_path and the
    # legacy modules it created leave sys.modules, before the layers below forget theirs.
    with state.lock:
        finder = state.finder
        created = dict(state.created)
        state.created.clear()
        state.finder = None
        state.sources = {}
        use_table(AliasTable(()))
        state.installation = None
    if finder is not None:
        sys.meta_path[:] = [f for f in sys.meta_path if f is not finder]
    for name, module in created.items():
        if sys.modules.get(name) is module:
            del sys.modules[name]
        parent_name, _, child = name.rpartition(".")
        parent = sys.modules.get(parent_name) if parent_name else None
        if parent is not None and parent.__dict__.get(child) is module:
            delattr(parent, child)


def set_policy_override(policy: Policy | None) -> None:
    """Force ``policy`` on every alias (``None``: each alias's own again), for pytest's
    ``--compatshim-strict`` and ``compatshim check``."""
    _policy.set_override(policy)


def set_context(context: str) -> None:
    """Attribute the hits from now on to ``context`` (a pytest node id; ``""`` for none), and
    let every site warn again: each test sees the warnings of the legacy paths it uses."""
    _sites.reset_warnings()
    recorder.set_context(context)
