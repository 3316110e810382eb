"""The import hook's process state: the one alias table every part of the runtime reads.

The finder, the loaders it chains and the hooks on real modules all read :data:`state.table
<_State.table>` when they need the table, and the installer is the only writer, through
:func:`use_table`: one route, no copies to keep in step. A change builds a new table and swaps
it in whole, so readers never see a half-built one. ``roots`` (the first components of every
legacy path) is kept beside it for the finder's fast path: a name outside them is no alias.

Every field is changed only under ``state.lock``; :func:`compatshim.uninstall` forgets them
(``_runtime.install``, registered with ``_base.resets``).
"""

from __future__ import annotations

from .._base.locks import ForkSafeLock
from .._model.table import AliasTable


TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

    from .._model.factory import FactoryTable
    from .finder import AliasFinder
    from .install import Installation

__all__ = ["state", "use_factories", "use_table"]


class _State:
    """The state of this process's installation (one object: see the module docstring)."""

    __slots__ = (
        "created",
        "factories",
        "finder",
        "installation",
        "lock",
        "roots",
        "sources",
        "table",
    )

    def __init__(self) -> None:
        self.lock = ForkSafeLock(reentrant=True)
        #: Every alias active in this process, from every source.
        self.table = AliasTable(())
        #: The first components of the table's legacy paths (read by every ``find_spec``).
        self.roots = self.table.roots
        #: The table of each source of aliases: ``config:<path>`` and ``code`` (alias() calls).
        self.sources: dict[str, AliasTable] = {}
        #: Legacy modules the finder created, by name, for uninstall().
        self.created: dict[str, ModuleType] = {}
        self.finder: AliasFinder | None = None
        #: The factory rules of this process (``_runtime.factories``), ``None`` for none.
        self.factories: FactoryTable | None = None
        self.installation: Installation | None = None


state = _State()


def use_table(table: AliasTable) -> None:
    """Make ``table`` the one every reader sees (under ``state.lock``)."""
    state.table = table
    state.roots = table.roots | state.factories.roots if state.factories else table.roots


def use_factories(factories: FactoryTable | None) -> None:
    """Make ``factories`` the factory rules every reader sees (under ``state.lock``): the finder
    then also looks at the imports below their modules' first components."""
    state.factories = factories
    use_table(state.table)
