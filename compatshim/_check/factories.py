"""The checks ``compatshim check`` runs on one factory rule, as ``(kind, message)`` problems.

A rule is sound when its class exists and is a class, its factory exists and is callable, the
factory's return annotation (where it has one) admits instances of the class, the class honours
the rule's ``protocol``, and its warning category can be used.
"""

from __future__ import annotations

import inspect

from .._base import paths
from .._runtime import factories as _runtime_factories
from .audit import category_problems
from .protocol import protocol_findings


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._model.factory import FactoryRule

__all__ = ["KINDS", "audit_factory"]

#: The kinds of problem of a factory rule beside those of aliases (``docs/cli.md`` lists them).
KINDS = {
    "factory": "the class or factory of a factory rule is missing, not a class or not callable, "
    "or the factory's return annotation does not admit the class",
}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _returns(factory: Any) -> Any:
    # The factory's return annotation, evaluated (None: it has none, or it cannot be evaluated).
    function = getattr(factory, "__func__", factory)
    try:
        import typing

        return typing.get_type_hints(function).get("return")
    except Exception:  # noqa: BLE001 - an annotation that does not evaluate says nothing
        return None


def _admits(annotation: Any, cls: type) -> bool | None:
    # Whether instances of cls fit the annotation (None: the check cannot tell).
    if not isinstance(annotation, type):
        return None  # Optional[...], a TypeVar, a string...
    if getattr(annotation, "_is_protocol", False):
        return None  # a Protocol: the rule's protocol key is what checks the class against one
    return issubclass(cls, annotation)


def audit_factory(rule: FactoryRule) -> list[tuple[str, str]]:
    """Every problem of one factory rule (none when it is sound)."""
    problems = category_problems(rule.alias)
    shown_cls, shown_factory = paths.dotted(rule.cls), paths.dotted(rule.factory)
    try:
        cls = paths.resolve(rule.cls)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken class is what check reports
        return [*problems, ("factory", f"class {shown_cls} cannot be imported: {_describe(exc)}")]
    if not isinstance(cls, type):
        return [*problems, ("factory", f"{shown_cls} is not a class but {type(cls).__name__}")]
    try:
        factory = paths.resolve(rule.factory)
    except (Exception, SystemExit) as exc:  # noqa: BLE001
        message = f"factory {shown_factory} cannot be imported: {_describe(exc)}"
        return [*problems, ("factory", message)]
    if not callable(factory):
        return [*problems, ("factory", f"factory {shown_factory} is not callable")]
    annotation = _returns(inspect.unwrap(getattr(factory, "__func__", factory)))
    if _admits(annotation, cls) is False:
        message = (
            f"factory {shown_factory} is annotated to return {annotation.__qualname__}, "
            f"which {shown_cls} is not"
        )
        problems.append(("factory", message))
    if rule.protocol:
        problems.extend(protocol_findings(rule.protocol, cls, shown_cls))
    if not _runtime_factories.guarded(rule.cls):
        message = (
            f"constructing {shown_cls} is not checked at run time (see the factory-unusable "
            "message on stderr)"
        )
        problems.append(("factory", message))
    return problems
