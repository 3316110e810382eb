"""Direct constructions in source: ``scan`` finds them (CS108), ``migrate`` lists them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import compatshim
from compatshim import cli


CONFIG = """
[tool.compatshim.aliases]
"legacy.ws" = "chat.manager"
"legacy.util:WSManager" = "chat.manager:Manager"

[tool.compatshim.factories]
"chat.manager:Manager" = "chat.factory:create_manager"
"""

FILES = {
    "pyproject.toml": CONFIG,
    "chat/__init__.py": "",
    "chat/manager.py": "class Manager:\n    def __init__(self, user): self.user = user\n",
    "chat/factory.py": (
        "from chat.manager import Manager\n\ndef create_manager(user):\n    return Manager(user)\n"
    ),
    "app/__init__.py": "",
    "app/views.py": (
        "from chat.manager import Manager\n"  # 1
        "import chat.manager as cm\n"  # 2
        "import legacy.ws\n"  # 3
        "from legacy.util import WSManager\n"  # 4
        "from chat.factory import create_manager\n"  # 5
        "Manager(1)\n"  # 6
        "cm.Manager(2)\n"  # 7
        "x = [legacy.ws.Manager(3), WSManager(4)]\n"  # 8
        "create_manager(5)\n"  # 9
        "cm.Manager.helper(6)\n"  # 10: not a construction
    ),
    # A name bound by an import and by something else (a parameter) is not followed.
    "app/shadow.py": (
        "from chat.manager import Manager\n\ndef f(Manager):\n    return Manager(7)\n"
    ),
    "app/nothing.py": "class Manager:\n    pass\n\nManager()\n",
}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_scan_reports_constructions_by_every_spelling(tree: Path) -> None:
    """The canonical name, an ``import as`` module, a legacy module and a moved name; not the
    factory's module, not a name also bound as a parameter, not an unrelated class."""
    result = compatshim.scan(["."], jobs=1)
    built = [(f.file, f.line, f.column, f.legacy) for f in result.findings if f.code == "CS108"]
    assert built == [
        ("app/views.py", 6, 1, "chat.manager.Manager()"),
        ("app/views.py", 7, 1, "chat.manager.Manager()"),
        ("app/views.py", 8, 6, "legacy.ws.Manager()"),
        ("app/views.py", 8, 28, "legacy.util.WSManager()"),
    ]
    finding = next(f for f in result.findings if f.code == "CS108")
    assert finding.kind == "construction"
    assert finding.canonical == "chat.factory.create_manager()"
    assert finding.key == "chat.manager:Manager()"


def test_scan_json_and_exit_status(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A construction is a finding like any other: JSON kind ``construction``, exit status 1."""
    assert cli.main(["scan", "--format", "json", "app/views.py"]) == 1
    data = json.loads(capsys.readouterr().out)
    kinds = {f["code"]: f["kind"] for f in data["findings"]}
    assert kinds["CS108"] == "construction"


def test_migrate_leaves_constructions_and_lists_them(tree: Path) -> None:
    """migrate rewrites the imports, never the construction, and lists each one."""
    result = compatshim.migrate(["app"], write=True, jobs=1)
    text = (tree / "app" / "views.py").read_text(encoding="utf-8")
    assert "Manager(1)" in text
    assert "WSManager(4)" in text
    left = [(f.code, f.line) for f in result.left if f.code == "CS108"]
    assert left == [("CS108", 6), ("CS108", 7), ("CS108", 8), ("CS108", 8)]
    assert all("through the factory" in f.note for f in result.left if f.code == "CS108")
    again = compatshim.scan(["app"], jobs=1)
    assert [f.code for f in again.findings] == ["CS108"] * 4
