"""Factory rules: a canonical class that must be constructed through its factory.

``[tool.compatshim.factories]`` maps a class (``"pkg.mod:Manager"``) to the function that makes
its instances (``"pkg.factory:create_manager"``), with the schedule and policy keys of an alias.
Constructing the class anywhere else is then a *direct construction*: warned, counted and, under
``error`` or after removal, refused (``_runtime.factories``); ``scan`` finds it in source.

Each rule carries an :class:`~compatshim.Alias` that the policy, telemetry and the report read
as they read any alias: its legacy path is the class called, ``"pkg.mod:Manager()"``, its
canonical path the factory called, ``"pkg.factory:create_manager()"``. Those strings are never
legacy paths of the alias table (no import path ends in ``()``).
"""

from __future__ import annotations

from .._base import paths
from .._base.compat import stdlib_module_names
from .._base.errors import ConfigError
from .._base.errors import shown
from .alias import Alias
from .options import OPTIONS
from .options import REQUIRED
from .table import RESERVED


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Mapping
    from typing import Any

__all__ = ["CALLED", "FACTORY_OPTIONS", "FactoryRule", "FactoryTable", "factory_rules"]

#: What the legacy and canonical paths of a rule's alias end with: the class or factory called.
CALLED = "()"
#: The keys of a factory rule's inline table, with their options (``factory`` is required).
FACTORY_OPTIONS = {
    o.key: o
    for o in OPTIONS
    if o.key
    in (
        "factory",
        "protocol",
        "policy",
        "category",
        "message",
        "since",
        "removed_in",
        "remove_after",
        "package",
    )
}
# The fields of the rule's alias that the rule's own keys set (the rest are not a rule's).
_ALIAS_KEYS = ("since", "removed_in", "remove_after", "policy", "category", "message", "package")


class FactoryRule:
    """One rule: the class at ``cls`` is constructed by the function at ``factory``.

    Instances are read-only by convention; ``alias`` carries the rule's schedule and policy.
    """

    __module__ = "compatshim"
    __slots__ = ("alias", "cls", "factory", "protocol")

    def __init__(self, cls: str, factory: str, alias: Alias, protocol: str | None = None) -> None:
        #: The canonical class, ``"package.module:Class"``.
        self.cls = cls
        #: Its factory, ``"package.module:function"`` (or ``"module:Class.method"``).
        self.factory = factory
        #: The alias the policy, telemetry and report read (``legacy`` is ``cls + "()"``).
        self.alias = alias
        #: A ``typing.Protocol`` the class must honour (``compatshim check``).
        self.protocol = protocol

    @property
    def origin(self) -> str:
        """Where the rule was declared (``file:line``)."""
        return self.alias.origin

    @property
    def module(self) -> str:
        """The module that defines the class."""
        return paths.split(self.cls)[0]

    @property
    def factory_module(self) -> str:
        """The module that defines the factory."""
        return paths.split(self.factory)[0]

    def __repr__(self) -> str:
        return f"FactoryRule({self.cls!r} made by {self.factory!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FactoryRule):
            return NotImplemented
        return (self.cls, self.factory, self.protocol, self.alias) == (
            other.cls,
            other.factory,
            other.protocol,
            other.alias,
        )

    def __hash__(self) -> int:
        return hash((self.cls, self.factory))


def _validate(rule: FactoryRule, stdlib: frozenset[str]) -> None:
    def fail(problem: str, *, slug: str) -> ConfigError:
        return ConfigError(f"{rule.origin}: factory rule {shown(rule.cls)}: {problem}", slug=slug)

    problem = paths.problem(rule.cls, what="class", allow_attr=True)
    if problem is None:
        problem = paths.problem(rule.factory, what="factory", allow_attr=True)
    if problem is not None:
        raise fail(problem, slug="alias-bad-name")
    for what, path in (("class", rule.cls), ("factory", rule.factory)):
        if paths.kind(path) != "name":
            raise fail(
                f"the {what} must be named as 'package.module:Name', not {shown(path)}",
                slug="alias-kind-mismatch",
            )
    if rule.cls == rule.factory:
        raise fail("the class is its own factory", slug="alias-self")
    top = paths.root(rule.cls)
    if top in stdlib:
        raise fail(
            f"{top!r} belongs to the standard library; compatshim never changes its classes",
            slug="alias-stdlib",
        )
    if top in RESERVED:
        raise fail(
            f"{top!r} is compatshim itself or a package it runs on; compatshim never changes it",
            slug="alias-reserved",
        )


class FactoryTable:
    """The validated factory rules of a process or a configuration, by class path.

    :raises ConfigError: for invalid names, a class of the standard library or of compatshim's
        own packages, and a class given two different rules (the slugs of aliases).
    """

    __module__ = "compatshim"
    __slots__ = ("_by_class", "_by_legacy", "modules", "roots")

    def __init__(self, rules: Iterable[FactoryRule] = ()) -> None:
        by_class: dict[str, FactoryRule] = {}
        stdlib: frozenset[str] | None = None
        for rule in rules:
            other = by_class.setdefault(rule.cls, rule)
            if other is not rule and other != rule:
                raise ConfigError(
                    f"{rule.origin}: factory rule {shown(rule.cls)} is already declared "
                    f"differently at {other.origin}",
                    slug="alias-conflict",
                )
            if other is rule:
                if stdlib is None:
                    stdlib = stdlib_module_names()
                _validate(rule, stdlib)
        self._by_class = by_class
        self._by_legacy = {rule.alias.legacy: rule for rule in by_class.values()}
        modules: dict[str, list[FactoryRule]] = {}
        for rule in by_class.values():
            modules.setdefault(rule.module, []).append(rule)
            if rule.factory_module != rule.module:
                modules.setdefault(rule.factory_module, []).append(rule)
        #: Module name -> the rules whose class or factory it defines (hooked when executed).
        self.modules: Mapping[str, tuple[FactoryRule, ...]] = {
            k: tuple(v) for k, v in modules.items()
        }
        #: The first components of those modules (the finder looks at their imports).
        self.roots = frozenset(map(paths.root, modules))

    def __len__(self) -> int:
        return len(self._by_class)

    def __bool__(self) -> bool:
        return bool(self._by_class)

    def __iter__(self) -> Iterator[FactoryRule]:
        return iter(self._by_class.values())

    def __repr__(self) -> str:
        return f"<FactoryTable of {len(self._by_class)} rules>"

    def get(self, cls: str) -> FactoryRule | None:
        """The rule of the class at ``cls`` (``"package.module:Class"``), if any."""
        return self._by_class.get(cls)

    def by_legacy(self, legacy: str) -> FactoryRule | None:
        """The rule whose alias has the legacy path ``legacy`` (``"pkg.mod:Class()"``)."""
        return self._by_legacy.get(legacy)

    def merged(self, other: FactoryTable) -> FactoryTable:
        """The rules of both tables (a rule declared differently in both is an error)."""
        return FactoryTable([*self, *other])


def make_rule(
    cls: Any, value: Any, where: str, defaults: Mapping[str, Any], project_version: str | None
) -> FactoryRule:
    """One rule from its configured value: a factory path, or an inline table of the keys of
    :data:`FACTORY_OPTIONS`.

    :raises ConfigError: for a value of the wrong type, an unknown key or an invalid value.
    """
    from .validate import check_value

    if not isinstance(cls, str):
        raise ConfigError(f"{where}: factory rule {shown(cls)} must be named by a string")
    label = f"{where}: factory rule {shown(cls)}"
    if isinstance(value, str):
        value = {"factory": value}
    elif not isinstance(value, dict):
        raise ConfigError(
            f"{label} must be a factory string or an inline table, not {type(value).__name__}",
            slug="config-wrong-type",
        )
    unknown = sorted(map(str, value.keys() - FACTORY_OPTIONS.keys()))
    if unknown:
        raise ConfigError(
            f"{label}: unknown key {shown(unknown[0])} (known: {', '.join(FACTORY_OPTIONS)})",
            slug="config-unknown-key",
        )
    if "factory" not in value:
        raise ConfigError(f"{label}: 'factory' is required", slug="config-bad-value")
    for key, item in value.items():
        check_value(FACTORY_OPTIONS[key], item, f"{label}: {key}")
    options: dict[str, Any] = {}
    for key in _ALIAS_KEYS:
        default = FACTORY_OPTIONS[key].default
        options[key] = value.get(key, defaults.get(key, None if default is REQUIRED else default))
    factory = value["factory"]
    alias = Alias(
        cls + CALLED,
        factory + CALLED,
        origin=where,
        project_version=project_version,
        **options,
    )
    return FactoryRule(cls, factory, alias, value.get("protocol"))


def factory_rules(
    declared: Mapping[Any, Any],
    where: Callable[[str], str],
    defaults: Mapping[str, Any],
    project_version: str | None,
) -> FactoryTable:
    """The validated ``[tool.compatshim.factories]`` table.

    :param where: gives ``file:line`` of a key.
    :raises ConfigError: naming the file, line and rule.
    """
    return FactoryTable(
        make_rule(cls, value, where(cls) if isinstance(cls, str) else where(""), defaults,
                  project_version)
        for cls, value in declared.items()
    )  # fmt: skip
