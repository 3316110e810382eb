"""Wrappers that take the wrapped function's own parameters: the guards of a factory rule.

A factory rule's two wrappers run at every object the factory makes (``_runtime.factories``):
around the class's ``__init__`` and around the factory. A wrapper written as ``def
wrapper(*args, **kwargs): return wrapped(*args, **kwargs)`` packs the arguments into a tuple and
a dictionary and unpacks them again, and CPython cannot inline that call; wrapt's
``FunctionWrapper`` on ``__init__`` also creates a bound wrapper at each call. A wrapper with the
wrapped function's own parameter list (``def __init__(self, user, *, name):`` forwarding
``wrapped(self, user, name=name)``) is an ordinary call of one function by another: about
600 CPU instructions on CPython 3.11, where the packing wrapper costs about 2,100 and wrapt's
about 4,400 (docs/performance.md).

:func:`forwarding` writes such a wrapper's source from the wrapped code's parameters (the way
``dataclasses`` writes ``__init__``), compiles it once, gives it the wrapped function's defaults,
and :func:`functools.update_wrapper` its name, qualified name, docstring, annotations,
``__dict__`` and ``__wrapped__`` (which ``inspect.signature``, ``help()`` and
``inspect.getsource`` follow). A callable without Python code (a C slot such as
``BaseException.__init__``), or one whose names would collide with the wrapper's own, gets the
same body behind ``(*args, **kwargs)``.
"""

from __future__ import annotations

from keyword import iskeyword
from types import FunctionType


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping
    from typing import Any

__all__ = ["PREFIX", "forwarding"]

#: The prefix of every name a wrapper's body uses besides the parameters: a wrapped function
#: with a parameter of that prefix gets the ``(*args, **kwargs)`` wrapper instead.
PREFIX = "_compatshim_"
_CO_VARARGS = 0x04  # inspect.CO_VARARGS, without importing inspect
_CO_VARKEYWORDS = 0x08


def _parameters(function: object) -> tuple[str, str] | None:
    """``(parameters, arguments)``: the wrapped code's parameter list, as written in a ``def``
    without defaults, and the arguments that pass each parameter on; None without Python code."""
    if type(function) is not FunctionType:
        return None
    code = function.__code__
    names = code.co_varnames
    positional = code.co_argcount
    only = code.co_posonlyargcount
    keywords = names[positional : positional + code.co_kwonlyargcount]
    rest = positional + code.co_kwonlyargcount
    varargs = names[rest] if code.co_flags & _CO_VARARGS else None
    varkw = names[rest + (varargs is not None)] if code.co_flags & _CO_VARKEYWORDS else None
    used = [*names[:positional], *keywords, *(name for name in (varargs, varkw) if name)]
    if any(name.startswith(PREFIX) or not name.isidentifier() or iskeyword(name) for name in used):
        return None  # (names a ``def`` cannot have come from a code object made by hand)
    params = list(names[:only]) + (["/"] if only else []) + list(names[only:positional])
    args = list(names[:positional])
    if varargs is not None:
        params.append(f"*{varargs}")
        args.append(f"*{varargs}")
    elif keywords:
        params.append("*")
    params += keywords
    args += [f"{name}={name}" for name in keywords]
    if varkw is not None:
        params.append(f"**{varkw}")
        args.append(f"**{varkw}")
    return ", ".join(params), ", ".join(args)


def forwarding(
    wrapped: Callable[..., Any],
    body: str,
    names: Mapping[str, object],
    *,
    instance: bool = False,
    is_async: bool = False,
) -> FunctionType:
    """A function with ``wrapped``'s parameters running ``body``, where ``{call}`` is the call of
    ``wrapped`` with them and, for a method (``instance``), ``{first}`` its first parameter.

    ``body`` is indented by four spaces per level from column 0; it reads ``wrapped`` as
    ``_compatshim_wrapped`` and each entry of ``names`` (each starting with :data:`PREFIX`) as
    itself, bound once, when the wrapper is made.
    """
    parameters = _parameters(wrapped)
    first = ""
    if parameters is not None and instance:
        code = wrapped.__code__
        first = code.co_varnames[0] if code.co_argcount else ""
        if not first:
            parameters = None  # ``def __init__(*args)``: the instance is in args
    if parameters is not None:
        params, args = parameters
    else:
        params, args = f"*{PREFIX}args, **{PREFIX}kwargs", f"*{PREFIX}args, **{PREFIX}kwargs"
        if instance:
            first = f"{PREFIX}self"
            params, args = f"{first}, /, {params}", f"{first}, {args}"
    name = getattr(wrapped, "__name__", "")
    if not name.isidentifier() or name.startswith(PREFIX):
        name = "wrapper"
    call = f"{PREFIX}wrapped({args})"
    lines = body.format(first=first, call=call).strip("\n").splitlines()
    source = "\n".join(
        [
            f"def {PREFIX}make({', '.join([f'{PREFIX}wrapped', *names])}):",
            f"    {'async ' if is_async else ''}def {name}({params}):",
            *(f"        {line}" for line in lines),
            f"    return {name}",
        ]
    )
    namespace: dict[str, Any] = {}
    where = f"{getattr(wrapped, '__module__', None)}.{getattr(wrapped, '__qualname__', name)}"
    filename = f"<compatshim: wrapper of {where}>"
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - source made of identifiers
    function: FunctionType = namespace[f"{PREFIX}make"](wrapped, **names)
    if parameters is not None:
        function.__defaults__ = wrapped.__defaults__
        function.__kwdefaults__ = wrapped.__kwdefaults__
    _remember(filename, source)
    import functools

    functools.update_wrapper(function, wrapped)
    return function


def _remember(filename: str, source: str) -> None:
    # A traceback through the wrapper shows its line, as for a function defined in a file.
    import linecache

    lines = [line + "\n" for line in source.splitlines()]
    linecache.cache[filename] = (len(source), None, lines, filename)
