"""One alias: a *legacy* path and the *target* it now lives at, with its schedule and policy.

A module alias (``"old.pkg" = "new.pkg"``) covers the module and everything below it; a name
alias (``"old.mod:Old" = "new.mod:New"``) covers one moved or renamed attribute. ``table`` holds
them all and resolves chains (``a -> b``, ``b -> c``) to the final *canonical* path.
"""

from __future__ import annotations

from _operator import itemgetter  # the C module: importing operator costs more

from .._base import paths


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date
    from typing import Any
    from typing import Literal

    from .._base.paths import Kind

    #: What a use of a legacy path does (the ``policy`` key, ``COMPATSHIM_POLICY``).
    Policy = Literal["warn", "error", "ignore"]
    #: How a legacy module is bound (the ``strategy`` key).
    Strategy = Literal["proxy", "direct"]

__all__ = ["FIELDS", "POLICIES", "STRATEGIES", "Alias"]

#: Every :data:`Policy`, in the order the docs list them.
POLICIES: tuple[Policy, ...] = ("warn", "error", "ignore")
#: Every :data:`Strategy`, the default first.
STRATEGIES: tuple[Strategy, ...] = ("proxy", "direct")


#: The fields of an :class:`Alias`, in the order they are stored.
FIELDS = (
    "legacy",
    "target",
    "canonical",
    "since",
    "removed_in",
    "remove_after",
    "policy",
    "category",
    "message",
    "package",
    "strategy",
    "origin",
    "project_version",
    "protocol",
)
# What makes two declarations the same alias: everything but where it was declared and the
# canonical path (which depends on the other aliases of a table).
_DEFINITION = itemgetter(*(i for i, f in enumerate(FIELDS) if f not in ("origin", "canonical")))


class Alias:
    """One alias, as declared in ``[tool.compatshim.aliases]`` or with :func:`compatshim.alias`.

    Instances are read-only. ``legacy`` and ``target`` are spelled as declared; ``canonical`` is
    where the chain of aliases ends.
    """

    __module__ = "compatshim"
    # One tuple holds every field: building thousands of aliases at start-up stays cheap.
    __slots__ = ("_f",)

    if TYPE_CHECKING:
        legacy: str
        target: str
        canonical: str
        since: str | None
        removed_in: str | None
        remove_after: date | None
        policy: Policy
        category: str | None
        message: str | None
        package: str | None
        strategy: Strategy
        origin: str
        project_version: str | None
        protocol: str | None
        _f: tuple[Any, ...]

    def __init__(
        self,
        legacy: str,
        target: str,
        *,
        canonical: str | None = None,
        since: str | None = None,
        removed_in: str | None = None,
        remove_after: date | None = None,
        policy: Policy = "warn",
        category: str | None = None,
        message: str | None = None,
        package: str | None = None,
        strategy: Strategy = "proxy",
        origin: str = "",
        project_version: str | None = None,
        protocol: str | None = None,
    ) -> None:
        _store(
            self,
            (
                legacy,
                target,
                target if canonical is None else canonical,
                since,
                removed_in,
                remove_after,
                policy,
                category,
                message,
                package,
                strategy,
                origin,
                project_version,
                protocol,
            ),
        )

    @classmethod
    def from_fields(cls, values: Iterable[Any]) -> Alias:
        """Build an alias from its field values in :data:`FIELDS` order (no defaults applied)."""
        alias = object.__new__(cls)
        _store(alias, tuple(values))
        return alias

    def fields(self) -> tuple[Any, ...]:
        """The field values, in :data:`FIELDS` order."""
        return self._f

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Alias objects are read-only (tried to set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Alias objects are read-only (tried to delete {name!r})")

    def __repr__(self) -> str:
        extra = "".join(
            f", {field}={getattr(self, field)!r}"
            for field in ("since", "removed_in", "remove_after", "policy", "strategy")
            if getattr(self, field) not in (None, "warn", "proxy")
        )
        return f"Alias({self.legacy!r} -> {self.canonical!r}{extra})"

    def _definition(self) -> tuple[object, ...]:
        return _DEFINITION(self._f)  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Alias):
            return NotImplemented
        return self._definition() == other._definition()

    def __hash__(self) -> int:
        return hash(self._definition())

    def replace(self, **changes: object) -> Alias:
        """Return a copy with some fields changed."""
        values = dict(zip(FIELDS, self._f))
        values.update(changes)
        return Alias.from_fields(values[field] for field in FIELDS)

    @property
    def kind(self) -> Kind:
        """``"module"`` for a module or package alias, ``"name"`` for a moved attribute."""
        return paths.kind(self.legacy)

    @property
    def module(self) -> str:
        """The legacy module: the whole path of a module alias, the part before ``:`` otherwise."""
        return paths.split(self.legacy)[0]

    @property
    def attr(self) -> str | None:
        """The legacy attribute of a name alias (``None`` for a module alias)."""
        return paths.split(self.legacy)[1] or None

    @property
    def canonical_module(self) -> str:
        """The module that holds the canonical object."""
        return paths.split(self.canonical)[0]

    @property
    def canonical_attr(self) -> str | None:
        """The attribute path of the canonical object (``None`` for a module alias)."""
        return paths.split(self.canonical)[1] or None


_store = vars(Alias)["_f"].__set__


def _field(index: int) -> property:
    def get(self: Alias) -> Any:
        return self._f[index]

    return property(get)


for _index, _name in enumerate(FIELDS):
    setattr(Alias, _name, _field(_index))
del _index, _name
