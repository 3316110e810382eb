"""Construction through the factory, in fresh interpreters: a class with a factory rule warns,
counts and refuses where it is constructed directly, and stays silent inside its factory."""

from __future__ import annotations

import pytest
from helpers import Project


CHAT = {
    "chat/__init__.py": "",
    "chat/manager.py": """
        class Manager:
            def __init__(self, user, *, name="default"):
                self.user = user
                self.name = name
    """,
    "chat/factory.py": """
        from chat.manager import Manager

        def _build(user):
            return Manager(user)  # a helper the factory calls: inside the factory too

        def create_manager(user):
            return _build(user)

        async def create_later(user):
            return Manager(user)
    """,
}


def _config(extra: str = "") -> str:
    return f"""
        [project]
        name = "chat"
        version = "2.5"

        [tool.compatshim]
        category = "FutureWarning"

        [tool.compatshim.aliases]
        "legacy.ws" = "chat.manager"

        [tool.compatshim.factories]
        "chat.manager:Manager" = {{ factory = "chat.factory:create_manager", since = "2.0"{extra} }}
    """


@pytest.fixture
def chat(project: Project) -> Project:
    return project.write(CHAT).config(_config())


def test_direct_construction_warns_at_the_users_line_once_per_line(chat: Project) -> None:
    """Canonical and legacy paths warn at their own line, once each; the factory is silent."""
    result = chat.run(
        """
        import _probe, compatshim
        compatshim.install()
        from chat.factory import create_manager
        from chat.manager import Manager
        import legacy.ws
        with _probe.record() as seen:
            made = create_manager("a")
            for _ in range(3):
                Manager("b")
            legacy.ws.Manager("c")
        hits = compatshim._telemetry.recorder.recorder.summary()
        _probe.emit([seen.simple(), [h for h in hits if h[0].endswith("()")], made.user])
        """
    )
    warnings, hits, user = result.value
    constructions = [w for w in warnings if "Manager()" in w["message"]]
    assert [(w["file"], w["line"], w["category"]) for w in constructions] == [
        ("main.py", 9, "FutureWarning"),
        ("main.py", 10, "FutureWarning"),
    ]
    assert constructions[0]["message"] == (
        "chat.manager.Manager() is deprecated since 2.0; use chat.factory.create_manager() instead"
    )
    assert hits == [
        ["chat.manager:Manager()", "chat.factory:create_manager()", "main.py:10", 1],
        ["chat.manager:Manager()", "chat.factory:create_manager()", "main.py:9", 3],
    ]
    assert user == "a"


THREADS_FACTORY = """
    import asyncio, contextvars, threading
    from chat.manager import Manager

    def create_manager(mode):
        if mode == "plain":
            return Manager(mode)
        box = []
        if mode == "thread":
            t = threading.Thread(target=lambda: box.append(Manager(mode)))  # line 9
        elif mode == "copied":
            ctx = contextvars.copy_context()
            t = threading.Thread(target=lambda: box.append(ctx.run(Manager, mode)))
        else:
            return asyncio.run(_tasks(mode))
        t.start()
        t.join()
        return box[0]

    async def _later(user):
        await asyncio.sleep(0)
        return Manager(user)

    async def _tasks(user):
        made = await asyncio.gather(
            asyncio.create_task(_later(user)), asyncio.to_thread(Manager, user)
        )
        return made[0]

    async def create_later(user):
        await asyncio.sleep(0)
        return await asyncio.create_task(_later(user))
"""


def test_inside_the_factory_threads_and_tasks(chat: Project) -> None:
    """The factory is silent in every thread that calls it, in the tasks it starts, through
    asyncio.to_thread and a copied context; a plain thread it starts does not inherit its
    context (Python's rule for threads), so constructing there is direct."""
    chat.write({"chat/factory.py": THREADS_FACTORY})
    result = chat.run(
        """
        import _probe, compatshim
        compatshim.install()
        import chat.factory as factory
        from concurrent.futures import ThreadPoolExecutor
        with _probe.record() as seen:
            with ThreadPoolExecutor(4) as pool:
                made = list(pool.map(factory.create_manager, ["plain"] * 20))
            made += [factory.create_manager(m) for m in ("copied", "tasks", "thread")]
        _probe.emit([len(made), [(w["file"], w["line"]) for w in seen.simple()]])
        """
    )
    assert result.value == [23, [["factory.py", 9]]]


def test_a_coroutine_factory_is_inside_while_it_runs(chat: Project) -> None:
    """An ``async def`` factory sets its context when awaited, for its own tasks too."""
    chat.write({"chat/factory.py": THREADS_FACTORY})
    chat.config(_config().replace("create_manager", "create_later"))
    result = chat.run(
        """
        import _probe, asyncio, compatshim
        compatshim.install()
        import chat.factory as factory
        with _probe.record() as seen:
            made = asyncio.run(factory.create_later("a"))
            factory.create_manager("plain")
        _probe.emit([made.user, [(w["file"], w["line"]) for w in seen.simple()]])
        """
    )
    assert result.value == ["a", [["factory.py", 6]]]


def test_error_and_removal_raise_a_type_error_naming_the_factory(chat: Project) -> None:
    """policy "error" (or COMPATSHIM_POLICY) and a reached removed_in refuse the construction."""
    script = """
        import _probe, compatshim, pickle
        compatshim.install()
        from chat.factory import create_manager
        from chat.manager import Manager
        out = [create_manager("ok").user]
        for _ in range(2):
            try:
                Manager("no")
            except TypeError as e:
                out.append([type(e).__name__, str(e).split(" (at ")[0], e.factory,
                            isinstance(e, compatshim.DirectConstructionError), e.slug])
                copied = pickle.loads(pickle.dumps(e))
                assert type(copied) is type(e) and str(copied) == str(e)
        _probe.emit(out)
    """
    expected_error = [
        "DirectConstructionError",
        (
            "constructing chat.manager.Manager directly is no longer allowed (compatshim policy "
            "'error'); call chat.factory.create_manager() instead"
        ),
        "chat.factory:create_manager",
        True,
        "direct-construction-error",
    ]
    forced = chat.run(script, env={"COMPATSHIM_POLICY": "error"}).value
    assert forced == ["ok", expected_error, expected_error]
    chat.config(_config(', policy = "error"'))
    assert chat.run(script).value == ["ok", expected_error, expected_error]
    chat.config(_config(', removed_in = "2.5"'))
    removed = chat.run(script).value
    assert removed[1][0] == "DirectConstructionRemoved"
    assert removed[1][1] == (
        "constructing chat.manager.Manager directly was removed in 2.5 (version 2.5 is "
        "installed); call chat.factory.create_manager() instead"
    )
    assert removed[1][4] == "direct-construction-removed"


def test_identity_pickle_copy_and_introspection_are_unchanged(chat: Project) -> None:
    """The class object is the same through every path; pickle and copy construct nothing."""
    result = chat.run(
        """
        import _probe, copy, inspect, pickle, compatshim
        from chat.manager import Manager as Before
        compatshim.install()
        from chat.factory import create_manager
        import legacy.ws
        from chat.manager import Manager
        with _probe.record() as seen:
            m = create_manager("a")
            out = [
                Manager is Before, legacy.ws.Manager is Manager, isinstance(m, legacy.ws.Manager),
                type(m) is Manager, pickle.loads(pickle.dumps(m)).user,
                copy.copy(m).user, copy.deepcopy(m).user,
                str(inspect.signature(Manager)), Manager.__init__.__name__,
                Manager.__init__.__qualname__, pickle.loads(pickle.dumps(m, 0)).user,
            ]
        out.append(len([w for w in seen.simple() if "Manager()" in w["message"]]))
        compatshim.uninstall()
        out.append("__init__" in vars(Manager) and type(vars(Manager)["__init__"]).__name__)
        import chat.factory
        out.append(type(chat.factory.create_manager).__name__)
        _probe.emit(out)
        """
    )
    assert result.value == [
        True, True, True, True, "a", "a", "a", "(user, *, name='default')", "__init__",
        "Manager.__init__", "a", 0, "function", "function",
    ]  # fmt: skip


KINDS = {
    "kinds/__init__.py": "",
    "kinds/classes.py": """
        import dataclasses

        class Registered:
            registry = []
            def __init_subclass__(cls, **kw):
                super().__init_subclass__(**kw)
                Registered.registry.append(cls.__name__)

        @dataclasses.dataclass(frozen=True)
        class Frozen:
            x: int
            y: int = 2

        class Slotted:
            __slots__ = ("a",)
            def __init__(self, a):
                self.a = a

        class OwnNew:
            def __new__(cls, value):
                self = super().__new__(cls)
                self.value = value
                return self

        class Plain:
            pass

        class Meta(type):
            def __call__(cls, *args, **kwargs):
                obj = super().__call__(*args, **kwargs)
                obj.by_meta = True
                return obj

        class WithMeta(metaclass=Meta):
            def __init__(self, v):
                self.v = v

        class Base:
            def __init__(self, v):
                self.v = v

        class Failure(Exception):
            pass
    """,
    "kinds/factory.py": """
        from kinds import classes as c

        def frozen(x): return c.Frozen(x)
        def slotted(a): return c.Slotted(a)
        def own_new(v): return c.OwnNew(v)
        def plain(): return c.Plain()
        def with_meta(v): return c.WithMeta(v)
        def base(v): return c.Base(v)
        def failure(text): return c.Failure(text)
        def registered(): return c.Registered()
    """,
}
KINDS_CONFIG = """
    [tool.compatshim]
    category = "FutureWarning"
    [tool.compatshim.factories]
    "kinds.classes:Frozen" = "kinds.factory:frozen"
    "kinds.classes:Slotted" = "kinds.factory:slotted"
    "kinds.classes:OwnNew" = "kinds.factory:own_new"
    "kinds.classes:Plain" = "kinds.factory:plain"
    "kinds.classes:WithMeta" = "kinds.factory:with_meta"
    "kinds.classes:Base" = "kinds.factory:base"
    "kinds.classes:Failure" = "kinds.factory:failure"
    "kinds.classes:Registered" = "kinds.factory:registered"
"""


def test_every_kind_of_class_works_through_its_factory(project: Project) -> None:
    """Dataclasses, __slots__, a custom __new__, none of its own, a metaclass, exceptions,
    __init_subclass__ and subclasses (constructing those directly is not the rule's class)."""
    project.write(KINDS).config(KINDS_CONFIG)
    result = project.run(
        """
        import _probe, dataclasses, pickle, compatshim
        compatshim.install()
        from kinds import factory as f, classes as c
        with _probe.record() as seen:
            out = [
                f.frozen(1), f.slotted(2).a, f.own_new(3).value, type(f.plain()).__name__,
                f.with_meta(4).by_meta, f.base(5).v, str(f.failure("boom")),
                type(f.registered()).__name__,
                pickle.loads(pickle.dumps(f.frozen(6))).x,
                pickle.loads(pickle.dumps(f.slotted(7))).a,
            ]
            class Sub(c.Base):
                def __init__(self, v):
                    super().__init__(v * 2)
            class Child(c.Registered):
                pass
            out += [Sub(4).v, type(Child()).__name__, c.Registered.registry]
            try:
                f.plain.__wrapped__()  # the factory's own function: still inside, by its code
                c.Plain(1)
            except TypeError as e:
                out.append(str(e))
            out.append(dataclasses.replace(f.frozen(1), y=3).y)
        out[0] = dataclasses.astuple(out[0])
        _probe.emit([out, [(w["file"], w["line"]) for w in seen.simple()]])
        """
    )
    out, warned = result.value
    assert out == [
        [1, 2], 2, 3, "Plain", True, 5, "boom", "Registered", 6, 7, 8, "Child", ["Child"],
        "Plain() takes no arguments", 3,
    ]  # fmt: skip
    # Plain(1) warns before it fails, and dataclasses.replace constructs directly (at the
    # line that calls it).
    assert [tuple(w) for w in warned] == [("main.py", 20), ("main.py", 23)]


def test_imported_before_install_and_a_factory_taken_early(chat: Project) -> None:
    """Modules imported before install() are guarded at install(); a reference to the factory
    taken before it was wrapped still counts as inside, by its code on the stack."""
    result = chat.run(
        """
        import _probe, compatshim
        from chat.factory import create_manager as early
        from chat.manager import Manager
        compatshim.install()
        with _probe.record() as seen:
            early("a")
            Manager("b")
        _probe.emit([(w["file"], w["line"]) for w in seen.simple()])
        """
    )
    assert result.value == [["main.py", 7]]


def test_the_report_lists_direct_constructions(chat: Project) -> None:
    """The data file holds the constructions; ``report`` shows them beside the legacy paths."""
    chat.run(
        """
        import compatshim
        compatshim.install()
        from chat.manager import Manager
        import legacy.ws
        Manager("a")
        """
    )
    import json

    report = chat.command(["-m", "compatshim", "report", "--format", "json"], check=True)
    by_legacy = {a["legacy"]: a for a in json.loads(report.stdout)["aliases"]}
    usage = by_legacy["chat.manager:Manager()"]
    assert usage["canonical"] == "chat.factory:create_manager()"
    assert usage["hits"] == 1
    assert "legacy.ws" in by_legacy
    text = chat.command(["-m", "compatshim", "report"], check=True).stdout
    assert "chat.manager.Manager()" in text
    assert "not configured" not in text


def test_pytest_strict_fails_a_test_that_constructs_directly(chat: Project) -> None:
    """--compatshim-strict applies policy "error" to factory rules too."""
    chat.write(
        {
            "test_direct.py": """
                from chat.factory import create_manager
                from chat.manager import Manager

                def test_factory():
                    assert create_manager("a").user == "a"

                def test_direct():
                    Manager("b")
            """
        }
    )
    result = chat.command(["-m", "pytest", "-p", "no:cacheprovider", "--compatshim-strict", "-q"])
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert "DirectConstructionError" in result.stdout


def test_a_rule_that_cannot_apply_is_reported_once_and_the_program_goes_on(
    project: Project,
) -> None:
    """A class missing from its module: one factory-unusable message, nothing raised."""
    project.write(CHAT).config(
        """
        [tool.compatshim.factories]
        "chat.manager:Gone" = "chat.factory:create_manager"
        "chat.manager:Manager" = "chat.factory:create_manager"
        """
    )
    result = project.run(
        """
        import _probe, compatshim
        compatshim.install()
        from chat.factory import create_manager
        from chat.manager import Manager
        with _probe.record() as seen:
            made = create_manager("a")
            Manager("b")
        _probe.emit([made.user, len(seen.simple())])
        """
    )
    assert result.value == ["a", 1]
    assert result.stderr.count("[factory-unusable]") == 1
    assert "'chat.manager:Gone'" in result.stderr


def test_a_classmethod_or_staticmethod_factory(project: Project) -> None:
    """``"pkg.mod:Class.create"``: the method stays a classmethod (or staticmethod) of the class,
    and constructing inside it is silent."""
    project.write(
        {
            "pool/__init__.py": "",
            "pool/db.py": """
                class Pool:
                    def __init__(self, size):
                        self.size = size

                    @classmethod
                    def create(cls, size=4):
                        return cls(size)

                class Conn:
                    @staticmethod
                    def open():
                        return Conn()
            """,
        }
    ).config(
        """
        [tool.compatshim.factories]
        "pool.db:Pool" = "pool.db:Pool.create"
        "pool.db:Conn" = "pool.db:Conn.open"
        """
    )
    result = project.run(
        """
        import _probe, inspect, compatshim
        compatshim.install()
        from pool.db import Conn, Pool
        with _probe.record() as seen:
            made = [Pool.create().size, Pool.create(8).size, type(Conn.open()).__name__]
            Pool(1)
        kinds = [type(vars(Pool)["create"]).__name__, type(vars(Conn)["open"]).__name__]
        _probe.emit([made, kinds, str(inspect.signature(Pool.create)),
                     [(w["file"], w["line"]) for w in seen.simple()]])
        """
    )
    assert result.value == [
        [4, 8, "Conn"],
        ["classmethod", "staticmethod"],
        "(size=4)",
        [["main.py", 6]],
    ]
