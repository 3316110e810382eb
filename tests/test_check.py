"""compatshim check as a full audit: every kind of problem, found and explained."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from typing import Any

import pytest
from helpers import CANON
from helpers import Project

from compatshim._check.protocol import _incompatibility
from compatshim._check.protocol import protocol_problems


@pytest.fixture
def audited(project: Project) -> Project:
    project.write(CANON).write(
        {
            "app/__init__.py": "",
            "app/ws.py": "class Manager:\n    pass\n",
            "app/same.py": "from canon.pkg import Thing as Manager\n",
            "stale/__init__.py": "",
            "stale/sub.py": "X = 'the old copy'\n",
            "realtime.py": """
                class WebSocketManager:
                    value: int

                    def send(self, client, text, *, retries=3):
                        return True

                    def close(self):
                        pass
            """,
            "protocols.py": """
                from typing import Protocol

                class Manager(Protocol):
                    value: int
                    def send(self, client: str, text: str, *, retries: int = 3) -> bool: ...
                    def close(self) -> None: ...

                class Newer(Protocol):
                    def send(self, client: str, text: str, *, urgent: bool = False) -> bool: ...
                    def flush(self) -> None: ...

                NotAProtocol = 3
            """,
        }
    )
    return project


def run_check(project: Project) -> dict[str, list[dict[str, str]]]:
    result = project.command(["-m", "compatshim", "check", "--format", "json"])
    report = json.loads(result.stdout)
    assert result.returncode == (0 if report["ok"] else 1), result.stderr
    found: dict[str, list[dict[str, str]]] = {}
    for alias in report["aliases"]:
        # Each problem is a string led by its kind, and "kinds" lists the kinds in order.
        assert len(alias["kinds"]) == len(alias["problems"])
        found[alias["legacy"]] = []
        for kind, problem in zip(alias["kinds"], alias["problems"]):
            assert problem.startswith(f"{kind}: ")
            found[alias["legacy"]].append({"kind": kind, "message": problem[len(kind) + 2 :]})
    return found


def test_every_kind_of_problem(audited: Project) -> None:
    audited.config(
        """
        [project]
        name = "app"
        version = "2.0"

        [tool.compatshim.aliases]
        "old" = "canon"
        "gone" = "nowhere"
        "app.ws:Manager" = "canon.pkg:Thing"
        "app.same:Manager" = "canon.pkg:Thing"
        "stale.sub" = "canon.pkg.sub"
        "past" = { target = "canon", remove_after = 2020-01-31 }
        "released" = { target = "canon", removed_in = "1.5" }
        "mgr:Manager" = { target = "realtime:WebSocketManager", protocol = "protocols:Manager" }
        "mgr:Newer" = { target = "realtime:WebSocketManager", protocol = "protocols:Newer" }
        "mgr:Wrong" = { target = "realtime:WebSocketManager", protocol = "protocols:NotAProtocol" }
        "mgr:Missing" = { target = "realtime:WebSocketManager", protocol = "protocols:Nope" }
        """
    )
    problems = run_check(audited)
    kinds = {legacy: [p["kind"] for p in found] for legacy, found in problems.items()}
    assert kinds == {
        "old": [],
        "gone": ["target"],
        "app.ws:Manager": ["fragmentation"],
        "app.same:Manager": [],  # a re-export of the canonical object is not a second one
        "stale.sub": ["shadowed-file"],
        "past": ["overdue"],
        "released": ["overdue"],
        "mgr:Manager": [],
        "mgr:Newer": ["protocol", "protocol"],
        "mgr:Wrong": ["protocol"],
        "mgr:Missing": ["protocol"],
    }
    message = {legacy: [p["message"] for p in found] for legacy, found in problems.items()}
    assert message["app.ws:Manager"] == [
        (
            "app.ws defines its own Manager (app/ws.py:1), a second implementation beside "
            "canon.pkg.Thing; delete it so that app.ws.Manager serves the canonical object"
        )
    ]
    assert message["stale.sub"][0].startswith("stale/sub.py is at the legacy path stale.sub")
    assert message["past"] == ["past was removed after 2020-01-31: delete the alias"]
    assert message["released"] == [
        "released was removed in 1.5 (version 2.0 is installed): delete the alias"
    ]
    assert message["mgr:Newer"] == [
        "realtime.WebSocketManager lacks 'flush' (protocols.Newer)",
        (
            "realtime.WebSocketManager send(self, client, text, *, retries=3) does not accept "
            "every call of send(self, client: str, text: str, *, urgent: bool = False) -> bool: "
            "it takes no keyword parameter 'urgent' (protocols.Newer)"
        ),
    ]
    assert "is not a typing.Protocol class" in message["mgr:Wrong"][0]
    assert "protocol protocols.Nope cannot be imported" in message["mgr:Missing"][0]


def test_text_output_lists_problems_under_each_alias(audited: Project) -> None:
    audited.config(
        '[tool.compatshim.aliases]\n"old" = "canon"\n"app.ws:Manager" = "canon.pkg:Thing"\n'
    )
    result = audited.command(["-m", "compatshim", "check"])
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1:] == [
        "  ok    old -> canon",
        "  FAIL  app.ws:Manager -> canon.pkg:Thing",
        (
            "        fragmentation: app.ws defines its own Manager (app/ws.py:1), a second "
            "implementation beside canon.pkg.Thing; delete it so that app.ws.Manager serves the "
            "canonical object"
        ),
        "2 aliases checked: 1 ok, 1 with problems",
    ]


def test_protocol_option_is_validated(audited: Project) -> None:
    audited.config('[tool.compatshim.aliases]\n"a" = { target = "canon", protocol = "nocolon" }\n')
    result = audited.command(["-m", "compatshim", "check"])
    assert result.returncode == 2
    assert "must name a class as 'package.module:Name'" in result.stderr


# -- signature compatibility --------------------------------------------------------------------


def sig(source: str) -> inspect.Signature:
    namespace: dict[str, Any] = {}
    exec(f"def f{source}: pass", namespace)  # noqa: S102 - signatures written as text
    return inspect.signature(namespace["f"])


@pytest.mark.parametrize(
    ("protocol", "actual", "reason"),
    [
        ("(self, a, b)", "(self, a, b)", None),
        ("(self, a, b)", "(self, a, b, c=1)", None),
        ("(self, a, b)", "(self, *args, **kwargs)", None),
        ("(self, a, /)", "(self, other, /)", None),
        ("(self, a)", "(self, b)", "parameter 2 is named 'b', not 'a'"),
        ("(self, a, b)", "(self, a)", "it takes no positional parameter 'b'"),
        ("(self, a=1)", "(self, a)", "parameter 'a' has no default"),
        ("(self, *, k)", "(self, k)", None),
        ("(self, *, k)", "(self, **kw)", None),
        ("(self, *, k)", "(self)", "it takes no keyword parameter 'k'"),
        ("(self, *, k=1)", "(self, *, k)", "parameter 'k' has no default"),
        ("(self, *args)", "(self, a)", "it takes no *args"),
        ("(self, **kw)", "(self)", "it takes no **kwargs"),
        ("(self)", "(self, extra)", "it requires 'extra', which the protocol does not pass"),
        ("(self)", "(self, *, extra)", "it requires 'extra', which the protocol does not pass"),
    ],
)
def test_signature_compatibility(protocol: str, actual: str, reason: str | None) -> None:
    assert _incompatibility(sig(protocol), sig(actual)) == reason


def test_a_module_can_satisfy_a_protocol_with_functions() -> None:
    import types
    from typing import Protocol

    class Api(Protocol):
        def get(self, key: str) -> str: ...

    good = types.ModuleType("good")
    exec("def get(key):\n    return key\n", good.__dict__)  # noqa: S102
    bad = types.ModuleType("bad")
    exec("def get(name):\n    return name\n", bad.__dict__)  # noqa: S102
    assert protocol_problems(Api, good) == []
    assert protocol_problems(Api, bad) == [
        (
            "get(name) does not accept every call of get(key: 'str') -> 'str': "
            "parameter 1 is named 'name', not 'key'"
        )
    ]


# Annotations naming what only type checkers import, without ``from __future__ import
# annotations``: an error at the def before Python 3.14, evaluated only when read from 3.14.
LAZY_ANNOTATIONS = """
from typing import TYPE_CHECKING, Protocol
if TYPE_CHECKING:
    from db import Session

class Store(Protocol):
    def get(self, key: str, session: Session) -> Session: ...

class SqlStore:
    engine: Session
    def get(self, key: str, session: Session) -> Session: ...

class Renamed:
    engine: Session
    def get(self, name: str, session: Session) -> Session: ...
"""


@pytest.mark.skipif(
    sys.version_info < (3, 14),
    reason="annotations are evaluated when first read only from Python 3.14 (PEP 649)",
)
def test_annotations_of_names_only_type_checkers_import_are_not_evaluated() -> None:
    """Python 3.14: ``inspect.signature`` and a class's ``__annotations__`` evaluate lazy
    annotations, and a name imported under ``TYPE_CHECKING`` raised ``NameError``, which check
    reported as an ``audit-error`` of a sound alias."""
    namespace: dict[str, Any] = {}
    exec(compile(LAZY_ANNOTATIONS, "lazy.py", "exec"), namespace)  # noqa: S102
    store = namespace["Store"]
    assert protocol_problems(store, namespace["SqlStore"]) == []
    (problem,) = protocol_problems(store, namespace["Renamed"])
    assert problem.endswith("parameter 2 is named 'name', not 'key'"), problem


def test_signatures_and_annotations_are_read_as_they_are_stored() -> None:
    """``compat.signature`` and ``compat.own_annotations`` evaluate no string annotation (this
    module's, under ``from __future__ import annotations``) on any version."""
    from compatshim._base.compat import own_annotations
    from compatshim._base.compat import signature

    class Holder:
        engine: Missing  # type: ignore[name-defined]  # noqa: F821 - never evaluated

        def get(self, key: Missing) -> Missing: ...  # type: ignore[name-defined]  # noqa: F821

    assert str(signature(Holder.get)) == "(self, key: 'Missing') -> 'Missing'"
    assert dict(own_annotations(Holder)) == {"engine": "Missing"}
    assert dict(own_annotations(object)) == {}


def test_targets_that_print_or_exit_at_import_are_problems_not_crashes(audited: Project) -> None:
    """What a module prints while imported goes to stderr (the JSON stays valid); a module that
    raises SystemExit at import is a broken target, not the end of the check."""
    audited.write({"noisy.py": "print('hello from noisy')\n", "quits.py": "raise SystemExit(3)\n"})
    audited.config(
        """
        [tool.compatshim.aliases]
        "old_noisy" = "noisy"
        "old_quits" = "quits"
        """
    )
    result = audited.command(["-m", "compatshim", "check", "--format", "json"])
    assert result.returncode == 1
    report = json.loads(result.stdout)
    kinds = {a["legacy"]: a["kinds"] for a in report["aliases"]}
    assert kinds == {"old_noisy": [], "old_quits": ["target"]}
    assert "hello from noisy" in result.stderr


# -- check leaves telemetry alone -----------------------------------------------------------------


@pytest.fixture
def recording(project: Project) -> Project:
    """Telemetry on (the default); a canonical module that itself uses a legacy path."""
    project.write(CANON).write(
        {"other/__init__.py": "Y = 2\n", "canon/uses.py": "import old_other\nZ = old_other.Y\n"}
    )
    return project.config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "old_other" = "other"
        "old_uses" = "canon.uses"
        "old.pkg:Renamed" = "canon.pkg:Thing"
        """
    )


def test_check_writes_no_telemetry(recording: Project) -> None:
    """Neither ``python -m compatshim check`` nor the console script records its probes (or the
    imports it makes) as adoption data: no data file appears."""
    from pathlib import Path

    commands = [[sys.executable, "-m", "compatshim", "check"]]
    script = Path(sys.executable).with_name("compatshim")
    if script.exists():
        commands.append([str(script), "check"])
    for command in commands:
        proc = subprocess.run(
            command,
            cwd=recording.root,
            env=recording.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = recording.root / ".compatshim"
    data = (
        sorted(p.name for p in folder.iterdir() if p.name.startswith("telemetry"))
        if folder.exists()
        else []
    )
    assert data == []


def test_check_called_by_a_recording_program_counts_nothing_of_its_own(recording: Project) -> None:
    """Inside a program that records telemetry, check()'s own probes are not uses."""
    result = recording.run(
        """
        import warnings, _probe, compatshim
        from compatshim._telemetry.recorder import recorder
        compatshim.install()
        warnings.simplefilter("ignore")
        report = compatshim.check()
        _probe.emit({"ok": report.ok, "sites": [site for _, _, site, _ in recorder.summary()]})
        """
    )
    assert result.value["ok"] is True
    # Only the canonical module's own legacy uses ran; nothing at the call of check().
    assert result.value["sites"] == ["canon/uses.py:1", "canon/uses.py:2"]


# -- old folders left on disk, broken categories, anything unexpected ------------------------------


@pytest.mark.parametrize(
    "leftover",
    [
        {"acme/payments/__pycache__/__init__.cpython-311.pyc": "stale"},  # after `git mv`
        {"acme/payments/__init__.pyi": "X: int\n", "acme/payments/core.pyi": "Y: int\n"},  # stubs
        {"acme/__init__.py": "", "acme/payments/__pycache__/core.cpython-311.pyc": "stale"},
    ],
    ids=["pycache-only", "stubs-only", "package-with-empty-subfolder"],
)
def test_old_package_folder_without_init_is_no_crash(
    project: Project, leftover: dict[str, str]
) -> None:
    """A folder left at the legacy path without an ``__init__.py`` is looked through, not
    imported: check completes (before, the path finder raised KeyError for the parent)."""
    project.write(
        {"billing/__init__.py": "", "billing/payments/__init__.py": "X = 1\n", **leftover}
    )
    project.config('[tool.compatshim.aliases]\n"acme.payments" = "billing.payments"\n')
    assert run_check(project) == {"acme.payments": []}


def test_stale_module_below_a_namespace_folder_is_a_shadowed_file(project: Project) -> None:
    """The route to a legacy path runs through namespace folders whose package is not imported."""
    project.write(
        {
            "billing/__init__.py": "",
            "billing/payments/__init__.py": "",
            "billing/payments/core.py": "X = 1\n",
            "acme/payments/core.py": "X = 'the old copy'\n",  # acme/ and acme/payments/: no init
        }
    )
    project.config('[tool.compatshim.aliases]\n"acme.payments.core" = "billing.payments.core"\n')
    problems = run_check(project)["acme.payments.core"]
    assert [p["kind"] for p in problems] == ["shadowed-file"]
    assert problems[0]["message"].startswith("acme/payments/core.py is at the legacy path")


def test_category_that_cannot_be_used_is_a_problem(project: Project) -> None:
    """A category whose module or class is missing, or that is no Warning, fails the alias."""
    project.write(CANON).write({"mywarnings.py": "class Legacy(DeprecationWarning):\n    pass\n"})
    project.config(
        """
        [tool.compatshim.aliases]
        "good" = { target = "canon", category = "mywarnings:Legacy" }
        "builtin" = { target = "canon", category = "FutureWarning" }
        "no_module" = { target = "canon", category = "nowhere.warnings:Legacy" }
        "no_class" = { target = "canon", category = "mywarnings:Missing" }
        "not_warning" = { target = "canon", category = "canon.pkg:Thing" }
        """
    )
    problems = run_check(project)
    assert {legacy: [p["kind"] for p in found] for legacy, found in problems.items()} == {
        "good": [],
        "builtin": [],
        "no_module": ["category"],
        "no_class": ["category"],
        "not_warning": ["category"],
    }
    assert problems["no_module"][0]["message"] == (
        "category 'nowhere.warnings:Legacy' cannot be used: "
        "ModuleNotFoundError: No module named 'nowhere'"
    )
    assert "AttributeError" in problems["no_class"][0]["message"]
    assert "is not a Warning subclass" in problems["not_warning"][0]["message"]


def test_an_unexpected_error_while_checking_is_that_aliases_problem(project: Project) -> None:
    """An exception nobody foresaw in one alias's audit is reported on that alias; the others
    are still checked and the output stays one document."""
    project.write(
        {
            "realtime.py": """
                class Meta(type):
                    def __getattr__(cls, name):
                        raise RuntimeError(f"cannot look up {name}")

                class Manager(metaclass=Meta):
                    pass
            """,
            "protocols.py": """
                from typing import Protocol

                class Api(Protocol):
                    def send(self) -> None: ...
            """,
            "fine.py": "X = 1\n",
        }
    )
    project.config(
        """
        [tool.compatshim.aliases]
        "mgr:Manager" = { target = "realtime:Manager", protocol = "protocols:Api" }
        "old_fine" = "fine"
        """
    )
    problems = run_check(project)
    assert [p["kind"] for p in problems["mgr:Manager"]] == ["audit-error"]
    assert "RuntimeError: cannot look up " in problems["mgr:Manager"][0]["message"]
    assert problems["old_fine"] == []
