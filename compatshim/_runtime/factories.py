"""Construction through the factory: a class with a factory rule, constructed anywhere else.

Once the module that defines a rule's class has run (the finder chains its loader, or it ran
before :func:`compatshim.install`), the class's ``__init__`` is replaced in place by a wrapper
with its own parameters (``forwarding``), which keeps its name, signature, docstring and
``__wrapped__``; the class object stays the same (``is``, ``isinstance``, pickle, ``copy``,
subclasses). The factory is wrapped the same way in its module (or class), and sets a
``contextvars`` variable of the rule while it runs; the class's wrapper reads it (one C call of
``ContextVar.get``) and does nothing more where it is set. So inside the factory, in the
functions it calls and in the asyncio tasks it starts (a task copies the context), constructing
costs two calls and a token; anywhere else it is a *direct construction*, a use of the rule's
alias (``"pkg.mod:Class()"``): warned once per line, counted, or refused with
:class:`~compatshim.DirectConstructionError` (``uses.use`` decides, as for any legacy path).

Only an instance of exactly the class is checked: a subclass's own construction (and its
``super().__init__()``) is not a construction of the rule's class. A thread started inside the
factory does not inherit its context (Python's rule for ``threading``), so constructing there is
direct; ``contextvars.copy_context().run`` and ``asyncio.to_thread`` carry it over. An
``__init__`` that is neither a function nor a C slot (a ``partialmethod``, a callable object) is
wrapped by wrapt's ``FunctionWrapper``, which binds any descriptor; wrapt is imported only then.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from types import FunctionType
from types import MethodDescriptorType
from types import WrapperDescriptorType

from .._base import cells as _cells
from .._base import diagnostics as _diagnostics
from .._base import paths
from .._base import resets
from .._base.errors import DirectConstructionError
from .._base.errors import DirectConstructionRemoved
from .._base.errors import LegacyPathError
from .._base.errors import LegacyPathRemoved
from .._base.locks import ForkSafeLock
from .._model import policy as _policy
from . import uses as _sites
from .forwarding import PREFIX
from .forwarding import forwarding
from .state import state as _state
from .state import use_factories


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import CodeType
    from types import FrameType
    from types import ModuleType
    from typing import Any

    from .._model.factory import FactoryRule
    from .._model.factory import FactoryTable

__all__ = [
    "add_rules",
    "guard_imported",
    "guarded",
    "module_executed",
    "unguard_all",
]

_getframe = sys._getframe
_MISSING = object()
_lock = ForkSafeLock(reentrant=True)
# class path -> the variable its factory sets (the class's wrapper is enabled while it is True).
_outside: dict[str, ContextVar[bool]] = {}
# class path -> (class, its own __init__ before or _MISSING, our wrapper), for uninstall.
_classes: dict[str, tuple[type, object, object]] = {}
# factory path -> (holder, attribute, raw attribute before, our wrapper), for uninstall.
_factories: dict[str, tuple[Any, str, object, object]] = {}
# class path -> the code objects of its factory: a factory function referenced before compatshim
# wrapped it (``from pkg import create`` before install) is still found on the stack.
_codes: dict[str, frozenset[CodeType]] = {}
# Per site (cells[id(code)][uses.site_key]): the counter of a direct construction there.
_cells_by_rule: dict[str, dict[int, dict[object, Any]]] = {}


def add_rules(factories: FactoryTable) -> None:
    """Make ``factories`` part of this process's rules (under ``state.lock``); the classes of
    modules imported already are guarded by :func:`guard_imported`, outside the lock.

    :raises ConfigError: if a class is given different rules by two configurations.
    """
    current = _state.factories
    use_factories(current.merged(factories) if current else factories)


def guard_imported() -> None:
    """Guard the rules whose modules are imported already."""
    factories = _state.factories
    if not factories:
        return
    for name, rules in factories.modules.items():
        if name in sys.modules:
            _guard(rules, "")


def module_executed(module: ModuleType) -> None:
    """Guard the rules of ``module``, which has just run (the finder's chained loader)."""
    factories = _state.factories
    if factories:
        rules = factories.modules.get(getattr(module, "__name__", ""))
        if rules:
            _guard(rules, module.__name__)


def guarded(cls: str) -> bool:
    """Whether constructing the class at ``cls`` is checked in this process."""
    return cls in _classes


def _resolve(path: str, ready: str) -> Any:
    """The object at ``path``, or ``_MISSING`` while its module is not imported, or still runs
    (a circular import: its own hook comes later); ``ready`` is the module that has just run.

    :raises AttributeError: if the module has run and has no such object.
    """
    module_name, attrs = paths.split(path)
    obj = sys.modules.get(module_name)
    if obj is None:
        return _MISSING
    if module_name != ready and getattr(getattr(obj, "__spec__", None), "_initializing", False):
        return _MISSING
    for attr in attrs.split(".") if attrs else ():
        obj = getattr(obj, attr)
    return obj


def _guard(rules: tuple[FactoryRule, ...], ready: str) -> None:
    for rule in rules:
        try:
            with _lock:
                var = _outside.get(rule.cls)
                if var is None:
                    var = _outside[rule.cls] = ContextVar(f"compatshim:{rule.cls}", default=True)
            if rule.factory not in _factories:
                _wrap_factory(rule, ready)
            if rule.cls not in _classes:
                _wrap_class(rule, var, ready)
        except Exception as exc:  # noqa: BLE001 - never break the import of the user's module
            _diagnostics.report_once(
                "factory-unusable",
                f"factory rule {rule.cls!r} ({rule.origin}) cannot be applied: {exc}; "
                "constructing the class is not checked in this process",
                key=rule.cls,
            )


def _wrap_class(rule: FactoryRule, var: ContextVar[bool], ready: str) -> None:
    cls = _resolve(rule.cls, ready)
    if cls is _MISSING:
        return  # its module has not run yet (this was the factory's module)
    if not isinstance(cls, type):
        raise TypeError(f"{rule.cls} is not a class but {type(cls).__name__}")
    own = cls.__dict__.get("__init__", _MISSING)
    init: Any = own if own is not _MISSING else _inherited_init(cls)
    if init is object.__init__:
        init = _object_init
    cells = _cells_by_rule.setdefault(rule.cls, _cells.register_cells({}))
    direct = _direct(rule, cells)
    wrapper: Any
    if isinstance(init, _PLAIN):
        wrapper = forwarding(
            init, _GUARD, {_GET: var.get, _TYPE: type, _CLS: cls, _DIRECT: direct}, instance=True
        )
    else:  # a descriptor of another kind (a partialmethod, a callable object): wrapt binds it
        import wrapt

        def direct_construction(wrapped: Any, instance: object, args: Any, kwargs: Any) -> Any:
            if type(instance) is cls:  # not a subclass's own construction
                direct()
            return wrapped(*args, **kwargs)

        wrapper = wrapt.FunctionWrapper(init, direct_construction, enabled=var.get)
    type.__setattr__(cls, "__init__", wrapper)
    with _lock:
        _classes[rule.cls] = (cls, own, wrapper)


# The class's __init__ wrapper (forwarding.forwarding): inside the factory, one C call of
# ContextVar.get, and the wrapped __init__ called with the wrapper's own parameters.
_GET, _TYPE, _CLS, _DIRECT = (f"{PREFIX}{name}" for name in ("get", "type", "cls", "direct"))
_GUARD = f"""
if {_GET}() and {_TYPE}({{first}}) is {_CLS}:  # outside the factory; not a subclass's own
    {_DIRECT}()
return {{call}}
"""
# Raw __init__ attributes that are called unbound with the instance: functions, and C slots (an
# exception's BaseException.__init__); any other descriptor is bound by wrapt.
_PLAIN = (FunctionType, WrapperDescriptorType, MethodDescriptorType)


def _inherited_init(cls: type) -> object:
    # The raw attribute (a function, not a bound method) the class inherits.
    for base in cls.__mro__[1:]:
        if "__init__" in base.__dict__:
            return base.__dict__["__init__"]
    return object.__init__  # pragma: no cover - every class has object in its MRO


def _object_init(self: object, *args: Any, **kwargs: Any) -> None:
    """``object.__init__`` for a class that does not define one: it accepts arguments only for a
    class with its own ``__new__``, as ``object.__init__`` does for such a class."""
    if (args or kwargs) and type(self).__new__ is object.__new__:
        raise TypeError(f"{type(self).__name__}() takes no arguments")


def _direct(rule: FactoryRule, cells: dict[int, dict[object, Any]]) -> Callable[[], None]:
    # Called by the class's wrapper outside the factory, for an instance of exactly the class.
    def direct_construction() -> None:
        frame = _getframe(2)  # the line that constructs: above the wrapper (type.__call__ is C)
        counter = _sites.cached(cells, frame)
        if counter is not None:
            next(counter)
        else:
            _use(rule, frame, cells)

    return direct_construction


def _use(rule: FactoryRule, frame: FrameType, cells: dict[int, dict[object, Any]]) -> None:
    codes = _codes.get(rule.cls)
    if codes:
        outer: FrameType | None = frame
        while outer is not None:
            if outer.f_code in codes:
                return  # the factory itself, called through a reference taken before wrapping
            outer = outer.f_back
    alias = rule.alias
    try:
        _sites.use(alias, alias.legacy, alias.canonical, frame, cells)
    except LegacyPathError as exc:
        where = f" (at {frame.f_code.co_filename}:{frame.f_lineno})"
        called = f"call {paths.dotted(rule.factory)}() instead{where}"
        cls = paths.dotted(rule.cls)
        if isinstance(exc, LegacyPathRemoved):
            raise DirectConstructionRemoved(
                f"constructing {cls} directly {_policy.removal(alias)}; {called}",
                cls=rule.cls,
                factory=rule.factory,
            ) from None
        raise DirectConstructionError(
            f"constructing {cls} directly is no longer allowed (compatshim policy 'error'); "
            f"{called}",
            cls=rule.cls,
            factory=rule.factory,
        ) from None


def _wrap_factory(rule: FactoryRule, ready: str) -> None:
    holder_path, attr = paths.parent(rule.factory)
    holder = _resolve(holder_path, ready)
    if holder is _MISSING:
        return  # its module has not run yet (this was the class's module)
    raw = holder.__dict__.get(attr, _MISSING) if isinstance(holder, type) else _MISSING
    current: Any = getattr(holder, attr) if raw is _MISSING else raw
    import inspect

    function = getattr(current, "__func__", current)  # a classmethod or staticmethod
    if not callable(function):
        raise TypeError(f"the factory {rule.factory} is not callable")
    code = getattr(inspect.unwrap(function), "__code__", None)
    with _lock:
        variables = [_outside[r.cls] for r in _rules_of_factory(rule.factory)]
        if code is not None:
            for r in _rules_of_factory(rule.factory):
                _codes[r.cls] = _codes.get(r.cls, frozenset()) | {code}
    wrapper: Any = _entering(function, variables)
    if isinstance(current, (classmethod, staticmethod)):
        wrapper = type(current)(wrapper)
    setattr(holder, attr, wrapper)
    with _lock:
        _factories[rule.factory] = (holder, attr, current if raw is _MISSING else raw, wrapper)


def _rules_of_factory(factory: str) -> list[FactoryRule]:
    factories = _state.factories
    rules = [rule for rule in factories or () if rule.factory == factory]
    for rule in rules:
        if rule.cls not in _outside:
            _outside[rule.cls] = ContextVar(f"compatshim:{rule.cls}", default=True)
    return rules


# The factory's wrapper (forwarding.forwarding) sets the rules' variables while the factory runs:
# a ContextVar token, which the tasks the factory starts (and copy_context) carry with them.
_SET, _RESET, _ENTER, _LEAVE = (f"{PREFIX}{name}" for name in ("set", "reset", "enter", "leave"))
_ENTERING = f"""
{PREFIX}token = {_SET}(False)
try:
    return {{call}}
finally:
    {_RESET}({PREFIX}token)
"""
_ENTERING_SEVERAL = f"""
{PREFIX}tokens = {_ENTER}()
try:
    return {{call}}
finally:
    {_LEAVE}({PREFIX}tokens)
"""


def _entering(function: Callable[..., Any], variables: list[ContextVar[bool]]) -> Any:
    import inspect

    is_async = inspect.iscoroutinefunction(function)
    if is_async:  # it runs when awaited, in the awaiting task: set the variables then
        body = _ENTERING.replace("return {call}", "return await {call}")
        several = _ENTERING_SEVERAL.replace("return {call}", "return await {call}")
    else:
        body, several = _ENTERING, _ENTERING_SEVERAL
    if len(variables) == 1:
        (var,) = variables
        return forwarding(function, body, {_SET: var.set, _RESET: var.reset}, is_async=is_async)

    def enter() -> list[tuple[ContextVar[bool], Any]]:
        return [(var, var.set(False)) for var in variables]

    def leave(tokens: list[tuple[ContextVar[bool], Any]]) -> None:
        for var, token in reversed(tokens):
            var.reset(token)

    return forwarding(function, several, {_ENTER: enter, _LEAVE: leave}, is_async=is_async)


@resets.on_uninstall
def unguard_all() -> None:
    """Give every guarded class and wrapped factory its own attribute back (uninstall)."""
    with _lock:
        classes = list(_classes.values())
        factories = list(_factories.values())
        _classes.clear()
        _factories.clear()
        _codes.clear()
        _outside.clear()
        _cells_by_rule.clear()
    for cls, own, wrapper in classes:
        if cls.__dict__.get("__init__") is wrapper:
            if own is _MISSING:
                type.__delattr__(cls, "__init__")
            else:
                type.__setattr__(cls, "__init__", own)
    for holder, attr, raw, wrapper in factories:
        current = holder.__dict__.get(attr) if isinstance(holder, type) else getattr(holder, attr)
        if current is wrapper:
            setattr(holder, attr, raw)
    with _state.lock:
        use_factories(None)
