"""What the tests share: a throwaway project folder, a runner for scripts in fresh interpreters,
the canonical package tree most tests alias, and the corpus snapshots.

Import-system behaviour is only trustworthy in a fresh interpreter, so most tests write a small
project (canonical packages, a ``pyproject.toml``) into a temporary folder and run a script there
with ``sys.executable``. The script reports what it saw as JSON on its last line of output.
The fixtures that hand these out are in conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any


# Written into every project: helpers the scripts use to report what they observed.
PROBE = '''
import json, sys, warnings

_records = []

class record:
    """Collect every warning raised inside the block (filters set to "always")."""
    def __enter__(self):
        self._cm = warnings.catch_warnings(record=True)
        self.list = self._cm.__enter__()
        warnings.simplefilter("always")
        return self
    def __exit__(self, *exc):
        self._cm.__exit__(*exc)
    def simple(self):
        return [
            {"file": w.filename.rsplit("/", 1)[-1], "line": w.lineno,
             "category": w.category.__name__, "message": str(w.message)}
            for w in self.list
        ]

def emit(value):
    sys.stdout.write("\\nRESULT " + json.dumps(value) + "\\n")
'''

# A canonical package with a submodule tree; every module counts its executions in the
# process-wide ``builtins`` namespace so tests can assert "executed exactly once".
CANON = {
    "canon/__init__.py": """
        import builtins
        builtins.__dict__.setdefault("EXECUTED", []).append(__name__)
        VALUE = "canon"
    """,
    "canon/pkg/__init__.py": """
        import builtins
        builtins.__dict__.setdefault("EXECUTED", []).append(__name__)

        class Thing:
            def __init__(self, value=0):
                self.value = value

        class Error(Exception):
            pass

        def helper():
            return "helper"

        CONSTANT = 42
    """,
    "canon/pkg/sub.py": """
        import builtins
        builtins.__dict__.setdefault("EXECUTED", []).append(__name__)
        X = 1

        def f():
            return "f"
    """,
    "canon/pkg/deep/__init__.py": """
        import builtins
        builtins.__dict__.setdefault("EXECUTED", []).append(__name__)
    """,
    "canon/pkg/deep/mod.py": """
        import builtins
        builtins.__dict__.setdefault("EXECUTED", []).append(__name__)
        DEEP = "deep"
    """,
    "canon/pkg/tool.py": """
        import sys
        RESULT = ("ran", __name__)
        if __name__ == "__main__":
            print("TOOL RAN", __name__, __file__.rsplit("/", 1)[-1])
    """,
}

DEFAULT_CONFIG = """
[tool.compatshim]

[tool.compatshim.aliases]
"old" = "canon"
"""


class Result:
    """What a script run produced."""

    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def value(self) -> Any:
        for line in reversed(self.stdout.splitlines()):
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
        raise AssertionError(f"no RESULT line\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}")


class Project:
    """A temporary project folder with helpers to write files and run scripts in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.write({"_probe.py": PROBE})

    def write(self, files: dict[str, str]) -> Project:
        for name, content in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return self

    def config(self, text: str = DEFAULT_CONFIG) -> Project:
        return self.write({"pyproject.toml": text})

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
        env["PYTHONPATH"] = os.pathsep.join([str(self.root), *_package_path()])
        env.pop("PYTHONWARNINGS", None)
        env.update(extra or {})
        return env

    def run(
        self,
        script: str,
        *,
        name: str = "main.py",
        args: list[str] | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
    ) -> Result:
        """Write ``script`` to ``name`` and run it with this interpreter in the project folder."""
        self.write({name: script})
        return self.command([*(args or []), name], env=env, check=check)

    def command(
        self, args: list[str], env: dict[str, str] | None = None, check: bool = False
    ) -> Result:
        """Run ``python <args>`` (e.g. ``-m compatshim check``) in the project folder."""
        proc = subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return Result(proc)


def _package_path() -> list[str]:
    # Make the checkout importable even when it is not installed into this interpreter.
    import compatshim

    return [str(Path(compatshim.__file__).resolve().parent.parent)]


CORPUS = Path(__file__).parent / "corpus"


def snapshot(name: str, actual: str) -> None:
    """Compare ``actual`` with tests/corpus/expected/<name>; rewrite it when regenerating.

    Set COMPATSHIM_REGENERATE_CORPUS=1 to write the current output, then review the diff.
    """
    path = CORPUS / "expected" / name
    if os.environ.get("COMPATSHIM_REGENERATE_CORPUS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def data_file(path: Path, sites: list[tuple[str, int]], legacy: str = "old") -> Path:
    """A data file of one run of alias ``legacy`` (to ``canon``): at each ``(file, hits)`` site
    (line 1, module ``m``), that many hits."""
    from compatshim._telemetry.store import Hit
    from compatshim._telemetry.writer import DataFile

    run = {
        "uuid": uuid.uuid4().hex, "host": "h", "pid": 1, "started": 1.0, "argv": "[]",
        "python": "3", "compatshim": "0", "root": "/project",
    }  # fmt: skip
    data = DataFile(str(path), run)
    key = (legacy, "canon", None, None, None)
    data.write([Hit(key, legacy, (f, 1, "m"), "", n, 1.0, 2.0) for f, n in sites])
    data.close()
    return path
