"""The wrappers of a factory rule: written with the wrapped function's own parameters, they are
invisible to introspection, keep every calling convention, and keep each asyncio task apart."""

from __future__ import annotations

import inspect
from typing import Any

from helpers import Project
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim._runtime.forwarding import forwarding


def test_two_concurrent_tasks_one_inside_the_factory(project: Project) -> None:
    """While one task is suspended inside an async factory, another task, started from the same
    context, constructs directly: it warns; the factory's construction, resumed after, does
    not (each task's context has its own token: no state shared between tasks)."""
    project.write(
        {
            "chat/__init__.py": "",
            "chat/manager.py": """
                class Manager:
                    def __init__(self, user):
                        self.user = user
            """,
            "chat/factory.py": """
                import asyncio
                from chat.manager import Manager
                inside = release = None

                async def create(user):
                    inside.set()
                    await release.wait()  # suspended inside the factory
                    return Manager(user)
            """,
        }
    ).config('[tool.compatshim.factories]\n"chat.manager:Manager" = "chat.factory:create"\n')
    result = project.run(
        """
        import _probe, asyncio, compatshim
        compatshim.install()
        from chat import factory
        from chat.manager import Manager

        async def direct():
            await factory.inside.wait()
            made = Manager("direct")  # line 8: the other task is inside the factory
            factory.release.set()
            return made

        async def main():
            factory.inside, factory.release = asyncio.Event(), asyncio.Event()
            tasks = [asyncio.create_task(factory.create("f")), asyncio.create_task(direct())]
            return [m.user for m in await asyncio.gather(*tasks)] + [Manager("after").user]

        with _probe.record() as seen:
            made = asyncio.run(main())
        _probe.emit([made, [(w["file"], w["line"]) for w in seen.simple()]])
        """
    )
    assert result.value == [["f", "direct", "after"], [["main.py", 8], ["main.py", 15]]]


SIGNATURES = {
    "sig/__init__.py": "",
    "sig/classes.py": '''
        import functools

        class Manager:
            """A manager."""
            def __init__(self, user: str, /, *rest: int, name: str = "default", **options: object) -> None:
                """Make a manager."""
                self.user, self.rest, self.name, self.options = user, rest, name, options

        class Odd:
            def __init__(this, type, *, cls=None, _compatshim_get=1):
                this.values = (type, cls, _compatshim_get)

        def _init(self, value, extra):
            self.value = value + extra

        class Partial:
            __init__ = functools.partialmethod(_init, extra=1)
    ''',
    "sig/factory.py": """
        from sig.classes import Manager, Odd, Partial

        def create(*args, **kwargs):
            return Manager(*args, **kwargs)

        def odd(type, cls=None):
            return Odd(type, cls=cls)

        def partial(value):
            return Partial(value)
    """,
}
SIGNATURES_CONFIG = """
    [tool.compatshim.factories]
    "sig.classes:Manager" = "sig.factory:create"
    "sig.classes:Odd" = "sig.factory:odd"
    "sig.classes:Partial" = "sig.factory:partial"
"""


def test_introspection_and_calling_conventions_are_unchanged(project: Project) -> None:
    """Signature (with annotations and defaults), help(), source, docstring, ``__wrapped__``,
    pickling, copy and the errors of a wrong call are the same with the rule as without;
    parameters named like the guard's own names work; so does an ``__init__`` that is a
    ``partialmethod`` (bound by wrapt, loaded only for it)."""
    project.write(SIGNATURES).config(SIGNATURES_CONFIG)
    result = project.run(
        """
        import _probe, copy, inspect, pickle, pydoc, sys
        from sig import classes, factory
        from sig.classes import Manager

        def looks():
            init = Manager.__init__
            return [
                str(inspect.signature(Manager)),
                str(inspect.signature(init, follow_wrapped=False)),
                pydoc.render_doc(Manager, renderer=pydoc.plaintext),
                inspect.getsource(Manager), inspect.getsource(init), inspect.getdoc(init),
                init.__name__, init.__qualname__, init.__module__, inspect.isfunction(init),
                str(inspect.signature(factory.create, follow_wrapped=False)),
            ]

        def errors():
            out = []
            for args, kwargs in [((), {}), ((1,), {"user": 2}), ((1,), {"name": 1, "x": 2})]:
                try:
                    out.append(vars(factory.create(*args, **kwargs)))
                except TypeError as e:
                    out.append(str(e))
            return out

        before, wrong = looks(), errors()
        original = Manager.__init__
        import compatshim
        compatshim.install()
        after = looks()  # before pickling, which caches __slotnames__ on the class
        with _probe.record() as seen:
            m = factory.create("u", 1, 2, name="n", flag=True)
            state = [vars(m), vars(pickle.loads(pickle.dumps(m))), vars(copy.copy(m))]
            odd = [factory.odd("t").values, factory.odd("t", "c").values]
            classes.Odd(1)  # line 34
            partial = factory.partial(1).value
            loaded = "wrapt" in sys.modules
            classes.Partial(2)  # line 37
        _probe.emit([
            [i for i, (b, a) in enumerate(zip(before, after)) if b != a],
            errors() == wrong, Manager.__init__.__wrapped__ is original,
            pickle.loads(pickle.dumps(Manager.__init__)) is Manager.__init__,
            state, odd, partial, loaded, [(w["file"], w["line"]) for w in seen.simple()],
        ])
        """
    )
    assert result.value == [
        [],
        True,
        True,
        True,
        [{"user": "u", "rest": [1, 2], "name": "n", "options": {"flag": True}}] * 3,
        [["t", None, 1], ["t", "c", 1]],
        2,
        True,
        [["main.py", 34], ["main.py", 37]],
    ]


def test_wrapt_is_not_loaded_for_a_function_init(project: Project) -> None:
    """A rule's class whose ``__init__`` is a function (or a C slot) does not load wrapt."""
    project.write(SIGNATURES).config(SIGNATURES_CONFIG.replace('"sig.classes:Partial"', "# "))
    result = project.run(
        """
        import _probe, sys, compatshim
        compatshim.install()
        from sig import factory
        factory.create("u")
        _probe.emit("wrapt" in sys.modules)
        """
    )
    assert result.value is False


def test_one_factory_of_two_classes(project: Project) -> None:
    """A factory named by two rules sets both variables (and resets both, also when it raises);
    a construction of either class elsewhere warns at its line."""
    project.write(
        {
            "two/__init__.py": "",
            "two/classes.py": """
                class A:
                    def __init__(self, v):
                        self.v = v

                class B(A):
                    pass

                def make(kind, v=0, *, fail=False):
                    made = (A if kind == "a" else B)(v)
                    if fail:
                        raise ValueError(kind)
                    return made
            """,
        }
    ).config(
        """
        [tool.compatshim.factories]
        "two.classes:A" = "two.classes:make"
        "two.classes:B" = "two.classes:make"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        from two.classes import A, B, make
        with _probe.record() as seen:
            made = [type(make("a")).__name__, type(make("b", 1)).__name__]
            try:
                make("b", fail=True)
            except ValueError:
                pass
            A(1)  # line 10
            B(2)  # line 11
        _probe.emit([made, [(w["file"], w["line"]) for w in seen.simple()]])
        """
    )
    assert result.value == [["A", "B"], [["main.py", 10], ["main.py", 11]]]


# A parameter list: (kind, has a default) per parameter; kinds are "/", "p", "*", "k", "**".
_parameter = st.tuples(st.sampled_from(["/", "p", "k"]), st.booleans())


def _source(params: list[tuple[str, bool]], varargs: bool, varkw: bool) -> str:
    only = [f"a{i}" for i, (kind, _) in enumerate(params) if kind == "/"]
    normal = [f"b{i}" for i, (kind, _) in enumerate(params) if kind == "p"]
    keywords = [f"c{i}" for i, (kind, _) in enumerate(params) if kind == "k"]
    defaults = {f"{k}{i}" for i, (kind, d) in enumerate(params) for k in "abc" if d}
    positional = only + normal
    first_default = next((i for i, n in enumerate(positional) if n in defaults), len(positional))
    text = [f"{n}={n!r}" if i >= first_default else n for i, n in enumerate(positional)]
    if only:
        text.insert(len(only), "/")
    text += ["*args"] if varargs else (["*"] if keywords else [])
    text += [f"{n}={n!r}" if n in defaults else n for n in keywords]
    text += ["**kwargs"] if varkw else []
    return f"def f({', '.join(text)}):\n    return dict(locals())\n"


@settings(max_examples=200, deadline=None)
@given(
    params=st.lists(_parameter, max_size=5),
    varargs=st.booleans(),
    varkw=st.booleans(),
    positional=st.lists(st.integers(), max_size=7),
    named=st.dictionaries(st.sampled_from(["a0", "b1", "c2", "b3", "c4", "x"]), st.integers()),
    instance=st.booleans(),
)
def test_a_forwarding_wrapper_behaves_as_the_function(
    params: list[tuple[str, bool]],
    varargs: bool,
    varkw: bool,
    positional: list[int],
    named: dict[str, int],
    instance: bool,
) -> None:
    """For any parameter list and any call, the wrapper returns or raises what the function
    does (defaults, keyword-only, positional-only, ``*args``, ``**kwargs``); as a method
    (``instance``: called with the instance first), also without a positional parameter."""
    namespace: dict[str, Any] = {}
    exec(_source(params, varargs, varkw), namespace)  # noqa: S102 - a generated test function
    function = namespace["f"]
    wrapper = forwarding(function, "return {call}", {}, instance=instance)
    arguments = [-1, *positional] if instance else positional

    def outcome(callee: Any) -> object:
        try:
            return callee(*arguments, **named)
        except TypeError as e:
            return str(e)

    assert outcome(wrapper) == outcome(function)
    assert inspect.unwrap(wrapper) is function
    assert str(inspect.signature(wrapper)) == str(inspect.signature(function))
    code, own = function.__code__, wrapper.__code__
    if code.co_argcount or not instance:  # else the (self, /, *args, **kwargs) wrapper
        names = code.co_argcount + code.co_kwonlyargcount + varargs + varkw
        assert own.co_varnames[:names] == code.co_varnames[:names]
        assert (own.co_argcount, own.co_posonlyargcount) == (
            code.co_argcount,
            code.co_posonlyargcount,
        )


def test_a_code_object_with_names_no_def_can_have_gets_the_packing_wrapper() -> None:
    """A function whose code was made by hand with parameter names that are not identifiers (or
    are keywords) cannot have its parameter list written out: it gets the ``(*args, **kwargs)``
    wrapper, which still forwards every call, instead of failing to compile."""

    def function(a: int, b: int = 2) -> int:
        return a + b

    for odd in ("not an identifier", "class"):
        function.__code__ = function.__code__.replace(co_varnames=(odd, "b"))
        wrapper = forwarding(function, "return {call}", {})
        assert wrapper(1) == 3 and wrapper(1, b=5) == 6
        assert wrapper.__code__.co_varnames[:2] == ("_compatshim_args", "_compatshim_kwargs")
