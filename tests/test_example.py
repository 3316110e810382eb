"""The README's first command: the legacy example application runs, and says what it should."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import compatshim


ROOT = Path(__file__).resolve().parent.parent


def test_legacy_example_application_runs_unchanged() -> None:
    """Every legacy path in the example yields the canonical class, warned at the app's lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    env["PYTHONPATH"] = str(Path(compatshim.__file__).resolve().parent.parent)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "legacy-app" / "run.py")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    out = proc.stdout
    assert "4 aliases from pyproject.toml" in out
    assert out.count("is shopapp.core.realtime.WebSocketManager: True") == 3
    assert "catches the canonical error: True" in out
    assert "loaded a shopapp.core.realtime.WebSocketManager named 'session'" in out
    assert "saved again under: True" in out
    warned = {
        line.split(": FutureWarning")[0].rsplit("/", 1)[-1]
        for line in proc.stderr.splitlines()
        if ": FutureWarning: " in line
    }
    assert {"notifications.py:3", "notifications.py:4", "orders.py:3"} <= warned
    # orders.py still constructs the manager directly; the dashboard uses the factory.
    assert "orders.py:6" in warned
    assert "made by the factory: dashboard | constructed directly: unknown" in out
    assert "dashboard.py" not in proc.stderr  # the migrated module is silent
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "compatshim",
            "report",
            "--format",
            "json",
            "--config",
            str(ROOT / "examples" / "legacy-app" / "pyproject.toml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    by_legacy = {a["legacy"]: a for a in json.loads(report.stdout)["aliases"]}
    assert {"shopapp.ws", "shopapp.sockets", "shopapp.utils:WSManager"} <= set(by_legacy)
    files = {s["file"] for s in by_legacy["shopapp.ws"]["sites"]}
    assert {"shopapp/notifications.py", "run.py"} <= files
    built = by_legacy["shopapp.core.realtime:WebSocketManager()"]
    assert built["canonical"] == "shopapp.core.factory:create_manager()"
    assert [(s["file"], s["line"]) for s in built["sites"]] == [("shopapp/orders.py", 6)]
