"""compatshim's real-world acceptance run: real projects' own test suites against renamed copies.

Usage::

    python benchmarks/realworld/run.py                      # every project (a few minutes)
    python benchmarks/realworld/run.py --project attrs      # one project
    python benchmarks/realworld/run.py --keep /tmp/rw       # keep the work folders there
    python benchmarks/realworld/run.py --python python3.13  # the projects' suites on 3.13

For each project (``projects.py``): download the pinned sdist (cached under
``~/.cache/compatshim-realworld``), run its suite as shipped, rename some of its modules and
switch its own code to the new names, declare the old paths as aliases, and check that the
unmodified suite passes test for test under ``compatshim run``, that telemetry sees the legacy
sites that ran, that ``scan`` finds every legacy site (against an independent AST walk), that
mypy, after ``compatshim stubs --write``, reads every legacy path as its canonical one, and that
``migrate --write`` leaves a tree that scans clean, compiles, and passes with
``COMPATSHIM_POLICY=error``. Each step prints PASS or FAIL with its figures; the exit status is 1
if any step failed. Needs the network (PyPI) the first time; not part of CI or the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from realworld.projects import PROJECTS
from realworld.steps import Harness
from realworld.steps import Step
from realworld.workspace import CACHE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS))
    parser.add_argument("--python", default=sys.executable, help="the suites' interpreter")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--cache", type=Path, default=CACHE / "sdists")
    parser.add_argument("--json", type=Path, help="summary file (default: in the cache)")
    args = parser.parse_args(argv)

    version = subprocess.run(
        [args.python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    work = args.keep or Path(tempfile.mkdtemp(prefix="compatshim-realworld-"))
    summary: dict[str, object] = {
        "format": 1,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": version,
        "platform": platform.platform(),
        "command": " ".join(["python", "benchmarks/realworld/run.py", *sys.argv[1:]]),
        "projects": [],
    }
    print(f"compatshim real-world run: Python {version}, work folder {work}")
    failed = False
    try:
        for name in args.project or sorted(PROJECTS):
            project = PROJECTS[name]
            if tuple(map(int, version.split(".")[:2])) < project.requires_python:
                print(f"SKIP  {name}: needs Python {'.'.join(map(str, project.requires_python))}")
                continue
            harness = Harness(project, work / name, args.python, args.cache)
            for step in _steps(harness):
                _print(name, step)
                failed |= not step.ok
            summary["projects"].append(  # type: ignore[attr-defined]
                {
                    "name": name,
                    "version": project.version,
                    "aliases": project.aliases,
                    "steps": [vars(step) for step in harness.steps],
                }
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    out = args.json or CACHE / f"summary-py{version}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"summary: {out}")
    print(_markdown(summary))
    return 1 if failed else 0


def _steps(harness: Harness) -> Iterator[Step]:
    """Run the steps in order, each reported as soon as it ends."""
    yield harness.step("sdist", harness.fetch)
    yield harness.step("pristine suite", harness.pristine_suite)
    yield harness.step("rename", harness.make_renamed)
    yield harness.step("renamed suite", harness.renamed_suite)
    yield harness.step("telemetry", harness.telemetry)
    yield harness.step("scan", harness.scan)
    yield harness.step("stubs", harness.stubs)
    yield harness.step("migrate", harness.migrate)
    yield harness.step(
        "strict suite", lambda: harness.renamed_suite("strict suite (after migrate)", strict=True)
    )


def _print(project: str, step: Step) -> None:
    print(f"{'PASS' if step.ok else 'FAIL'}  {project:<10} {step.name}: {step.summary} "
          f"[{step.seconds:.1f} s]")  # fmt: skip
    for line in step.details:
        print(f"        {line}")
    sys.stdout.flush()


def _markdown(summary: dict[str, object]) -> str:
    rows = ["| Project | Step | Result | Figures | Seconds |", "| --- | --- | --- | --- | ---: |"]
    for project in summary["projects"]:  # type: ignore[attr-defined]
        rows.extend(
            f"| {project['name']} {project['version']} | {step['name']} | "
            f"{'PASS' if step['ok'] else 'FAIL'} | {step['summary']} | {step['seconds']:.0f} |"
            for step in project["steps"]
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
