"""The machinery of a real-world run: the pinned sdist, a virtual environment, and test runs
whose outcomes are read from pytest's JUnit XML."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from realworld.projects import Project


ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "compatshim-realworld"
#: The witness of which test lines ran in the pristine suite: the newest coverage.py each
#: Python has (7.18 needs 3.11; 7.16.2 is the last for 3.10, 7.10.7 for 3.9).
COVERAGE = (
    'coverage==7.18.0; python_version >= "3.11"',
    'coverage==7.16.2; python_version == "3.10"',
    'coverage==7.10.7; python_version < "3.10"',
)
#: The type checker of the stubs step, pinned as in compatshim's own lint extra (mypy 2.4 needs
#: Python 3.10; on 3.9 the step says it did not run).
MYPY = ('mypy==2.4.1; python_version >= "3.10"',)


class StepError(Exception):
    """A step could not run at all (a download, an install, a command that did not start)."""


def run(
    command: Sequence[str | Path],
    cwd: Path,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a command, its output captured; a non-zero exit raises ``StepError`` when ``check``."""
    child = {k: v for k, v in os.environ.items() if not k.startswith(("COMPATSHIM_", "PYTHON"))}
    child.update(env or {})
    proc = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=child, capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        raise StepError(f"{' '.join(map(str, command))} exited {proc.returncode}:\n{tail}")
    return proc


def fetch_sdist(project: Project, python: Path, cache: Path) -> Path:
    """The pinned sdist, downloaded once into ``cache`` and checked against its hash."""
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / project.sdist
    if not sdist.exists():
        run(
            [python, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
             "-d", cache, f"{project.name}=={project.version}"],
            cwd=cache,
        )  # fmt: skip
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != project.sha256:
        raise StepError(f"{sdist}: sha256 {digest}, expected {project.sha256}")
    return sdist


def unpack(sdist: Path, into: Path) -> Path:
    """Unpack an sdist into ``into``; the project's root folder."""
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
        if any(m.name.startswith(("/", "..")) or ".." in Path(m.name).parts for m in members):
            raise StepError(f"{sdist}: unsafe member paths")
        archive.extractall(into, members=members)  # member paths checked above
    (top,) = {Path(m.name).parts[0] for m in members}
    return into / top


def make_venv(base_python: str, folder: Path, project: Project) -> Path:
    """A virtual environment with the project's test dependencies, coverage, and compatshim from
    this checkout (editable, so the run tests the code as it is); its ``python``."""
    run([base_python, "-m", "venv", folder], cwd=folder.parent)
    python = folder / "bin" / "python"
    run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
         *project.requirements, *COVERAGE, *MYPY, "-e", ROOT],
        cwd=folder.parent,
    )  # fmt: skip
    return python


def install_project(python: Path, copy: Path) -> None:
    """Install (or replace) the project from the copy at ``copy``."""
    run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
         "--force-reinstall", copy],
        cwd=copy.parent,
    )  # fmt: skip


@dataclass
class Outcome:
    """The result of one run of a suite: each test's outcome, and the run's exit status."""

    tests: dict[str, str]
    #: The first line of each failing test's message.
    messages: dict[str, str]
    returncode: int
    seconds: float
    output: str

    @property
    def counts(self) -> dict[str, int]:
        """Tests per outcome (passed, failed, error, skipped, xfailed)."""
        return dict(sorted(Counter(self.tests.values()).items()))

    def describe(self) -> str:
        return ", ".join(f"{n:,} {what}" for what, n in self.counts.items()) or "no tests"


def read_junit(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Each test case of a JUnit XML report (``file::class::name``) and its outcome; and the
    first line of the message of each test that failed or erred."""
    tests: dict[str, str] = {}
    messages: dict[str, str] = {}
    if not path.exists():
        return tests, messages
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
                messages[test_id] = (child.get("message") or "").partition("\n")[0]
            elif child.tag == "skipped":
                xfail = child.get("type") == "pytest.xfail"
                outcome = "xfailed" if xfail else "skipped"
        # A failing teardown adds a second case with the same name: the worse outcome wins.
        if tests.get(test_id) not in ("failed", "error"):
            tests[test_id] = outcome
    return tests, messages


def coverage_lines(python: Path, copy: Path, data: Path, rcfile: Path) -> dict[str, set[int]]:
    """The lines coverage saw executed, per file relative to ``copy``."""
    report = data.with_suffix(".json")
    run(
        [python, "-m", "coverage", "json", "-q", f"--rcfile={rcfile}", f"--data-file={data}",
         "-o", report],
        cwd=copy,
    )  # fmt: skip
    files = json.loads(report.read_text(encoding="utf-8"))["files"]
    return {Path(name).as_posix(): set(info["executed_lines"]) for name, info in files.items()}


def copy_tree(source: Path, target: Path) -> Path:
    """A copy of a project tree."""
    shutil.copytree(source, target, symlinks=True)
    return target
