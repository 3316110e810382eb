"""The acceptance steps for one project, each a PASS or FAIL with its figures.

The steps run in order and each records its outcome; a step that fails does not stop the next
ones (a suite with failures is still scanned and migrated), only a step whose input is missing
is reported as not run.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import TypeVar

from realworld import typing_probe
from realworld import workspace
from realworld.legacy_sites import Site
from realworld.legacy_sites import legacy_sites
from realworld.projects import Project
from realworld.renaming import RenameError
from realworld.renaming import rename
from realworld.workspace import Outcome
from realworld.workspace import StepError


_T = TypeVar("_T")

#: How many differing tests or sites a step lists.
SHOWN = 12


@dataclass
class Step:
    """One step's outcome."""

    name: str
    ok: bool
    summary: str
    seconds: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)


@dataclass
class Harness:
    """The state of one project's run: its folders, environment and what each step found."""

    project: Project
    work: Path
    base_python: str
    cache: Path
    steps: list[Step] = field(default_factory=list)
    python: Path | None = None
    pristine: Path | None = None
    renamed: Path | None = None
    baseline: Outcome | None = None
    executed: dict[str, set[int]] = field(default_factory=dict)
    truth: list[Site] = field(default_factory=list)
    #: The files in which migrate left uses, each with its reason (to be migrated by hand).
    left_files: set[str] = field(default_factory=set)

    def step(self, name: str, body: Callable[[], Step]) -> Step:
        """Run one step, timing it and turning its errors into a FAIL."""
        start = time.perf_counter()
        try:
            result = body()
        except (StepError, RenameError, OSError, ValueError) as exc:
            lines = str(exc).splitlines() or [type(exc).__name__]
            result = Step(name, False, lines[0], details=lines[1:])
        result.seconds = time.perf_counter() - start
        self.steps.append(result)
        return result

    # -- 1. the sdist -------------------------------------------------------------------------

    def fetch(self) -> Step:
        """Download (or reuse) the pinned sdist, unpack it, build the environment."""
        project = self.project
        (self.work / "venv").parent.mkdir(parents=True, exist_ok=True)
        self.python = workspace.make_venv(self.base_python, self.work / "venv", project)
        sdist = workspace.fetch_sdist(project, self.python, self.cache)
        unpacked = workspace.unpack(sdist, self.work / "sdist")
        self.pristine = workspace.copy_tree(unpacked, self.work / "pristine")
        self.renamed = workspace.copy_tree(unpacked, self.work / "renamed")
        files = len(list((self.pristine / project.tests).rglob("test*.py")))
        return Step(
            "sdist",
            True,
            f"{sdist.name} (sha256 checked), {files} test files",
            figures={"sdist": sdist.name, "test_files": files},
        )

    # -- 2. the pristine suite ----------------------------------------------------------------

    def pristine_suite(self) -> Step:
        """Run the unmodified project's suite, with coverage of its tests as the witness of
        which lines run."""
        python, copy = self._need(self.python), self._need(self.pristine)
        workspace.install_project(python, copy)
        # The project's own coverage settings (sources, branches, fail_under) stay out of it.
        rcfile = self.work / "coveragerc"
        rcfile.write_text("[run]\n", encoding="utf-8")
        data = self.work / "coverage.db"
        outcome = self._pytest(
            [python, "-m", "coverage", "run", f"--rcfile={rcfile}", f"--data-file={data}",
             f"--source={copy / self.project.tests}", "-m", "pytest"],
            copy, "pristine",
        )  # fmt: skip
        self.baseline = outcome
        self.executed = workspace.coverage_lines(python, copy, data, rcfile)
        ok = bool(outcome.tests)
        return Step(
            "pristine suite",
            ok,
            outcome.describe(),
            figures={"counts": outcome.counts, "exit": outcome.returncode},
            details=_failures(outcome),
        )

    # -- 3. the renamed copy ------------------------------------------------------------------

    def make_renamed(self) -> Step:
        """Rename the copy's modules, switch its own code, declare the aliases, install it."""
        python, copy = self._need(self.python), self._need(self.renamed)
        before = _digest(copy / self.project.tests)
        done = rename(self.project, copy)
        if _digest(copy / self.project.tests) != before:
            raise StepError("the rename changed the tests")
        workspace.install_project(python, copy)
        self.truth = legacy_sites(copy, self.project.tests, self.project.aliases)
        kinds: dict[str, int] = {}
        for site in self.truth:
            kinds[site.kind] = kinds.get(site.kind, 0) + 1
        adapted = sum(1 for edit in self.project.edits if edit.adapts)
        return Step(
            "rename",
            True,
            f"{len(self.project.aliases)} aliases"
            + (f", {adapted} edit{'s' * (adapted > 1)} adapting to a limit" if adapted else "")
            + f"; ground truth: {len(self.truth)} sites in "
            f"{len({s.file for s in self.truth})} files ({_pairs(kinds)})",
            figures={"aliases": self.project.aliases, "ground_truth": kinds, "adapted": adapted},
            details=done,
        )

    # -- 4. the unmodified suite against the renamed copy -------------------------------------

    def renamed_suite(self, name: str = "renamed suite", strict: bool = False) -> Step:
        """Run the suite under ``compatshim run``; it must end test for test as the pristine one."""
        python, copy = self._need(self.python), self._need(self.renamed)
        baseline = self._need(self.baseline)
        shim = python.parent / "compatshim"
        env = {"COMPATSHIM_POLICY": "error"} if strict else None
        # Strict, a module that imports a path migrate left fails its collection: the others
        # still run, so that each test is compared.
        pytest: list[str | Path] = [python, "-m", "pytest"]
        if strict:
            pytest.append("--continue-on-collection-errors")
        outcome = self._pytest([shim, "run", "--", *pytest], copy, name, env)
        fallback = []
        if not outcome.tests:
            # pytest did not start under `compatshim run`: say why, then run the suite as the
            # next user would, with the pytest plugin alone, so that the later steps have data.
            fallback = [f"under compatshim run, pytest ran no test (exit {outcome.returncode}):"]
            fallback += [f"  {line}" for line in outcome.output.splitlines()[-4:]]
            outcome = self._pytest([python, "-m", "pytest"], copy, f"{name} plugin", env)
            fallback.append("then with the pytest plugin alone (python -m pytest):")
        differing = sorted(
            test
            for test in set(outcome.tests) | set(baseline.tests)
            if outcome.tests.get(test) != baseline.tests.get(test)
        )
        # Tests in a file where migrate left a use (and said why) fail under the error policy
        # until that use is migrated by hand: exempt, and named.
        by_hand = tuple(
            f"{file[:-3].replace('/', '.')}"
            for file in sorted(self.left_files)
            if file.endswith(".py")
        )
        exempt = [
            test
            for test in differing
            if strict
            and outcome.tests.get(test) in ("failed", "error", "absent", None)
            and test.lstrip(":").startswith((*self.project.strict_exempt, *by_hand))
        ]
        differing = [test for test in differing if test not in exempt]
        details = [
            f"{test}: {baseline.tests.get(test, 'absent')} -> {outcome.tests.get(test, 'absent')}"
            for test in differing[:SHOWN]
        ]
        why = Counter(outcome.messages[test] for test in differing if test in outcome.messages)
        details += [f"{n} x {message[:300]}" for message, n in why.most_common(5)]
        if not outcome.tests:
            details += outcome.output.splitlines()[-SHOWN:]
        details = fallback + details
        same = "as pristine" if not differing else f"{len(differing)} tests differ from pristine"
        if fallback:
            same += ", with the pytest plugin alone: compatshim run did not start pytest"
        if exempt:
            cause = "on legacy data" + (
                ", or in files with uses left by migrate" if by_hand else ""
            )
            same += f"; {len(exempt)} exempt, failing as expected {cause}"
            details += [f"exempt: {test}" for test in exempt[:SHOWN]]
        return Step(
            name,
            not differing and bool(outcome.tests) and not fallback,
            f"{outcome.describe()} ({same})",
            figures={
                "counts": outcome.counts,
                "differing": len(differing),
                "exempt": len(exempt),
                "compatshim_run_started_pytest": not fallback,
            },
            details=details,
        )

    # -- 5. telemetry -------------------------------------------------------------------------

    def telemetry(self) -> Step:
        """``compatshim report --format json`` must see every legacy site of the tests that ran."""
        python, copy = self._need(self.python), self._need(self.renamed)
        proc = workspace.run(
            [python.parent / "compatshim", "report", "--format", "json"], copy, check=False
        )
        if proc.returncode != 0:
            raise StepError(f"compatshim report exited {proc.returncode}: {proc.stderr.strip()}")
        report = json.loads(proc.stdout)
        seen: set[tuple[str, int]] = set()
        hits = 0
        for alias in report["aliases"]:
            for site in alias["sites"]:
                seen.add((_relative(site["file"], copy), int(site["line"])))
                hits += int(site["hits"])
        tests = self.project.tests + "/"
        in_tests = {s for s in seen if s[0].startswith(tests)}
        ran = [s for s in self.truth if self._ran(s)]
        missing = [s for s in ran if not any(_covers(s, t) for t in in_tests)]
        extra = sorted(t for t in in_tests if not any(_covers(s, t) for s in self.truth))
        details = [f"not seen: {_site(s)}" for s in missing[:SHOWN]]
        details += [f"seen, not in the ground truth: {f}:{line}" for f, line in extra[:SHOWN]]
        return Step(
            "telemetry",
            not missing,
            f"{len(ran) - len(missing)} of {len(ran)} executed legacy sites seen; "
            f"{len(in_tests)} sites in the tests, {len(seen) - len(in_tests)} elsewhere, "
            f"{hits:,} hits, {len(extra)} beyond the ground truth",
            figures={
                "executed_sites": len(ran),
                "missing": len(missing),
                "sites_in_tests": len(in_tests),
                "sites_elsewhere": len(seen) - len(in_tests),
                "hits": hits,
                "beyond_ground_truth": len(extra),
            },
            details=details,
        )

    # -- 6. scan ------------------------------------------------------------------------------

    def scan(self, name: str = "scan") -> Step:
        """``compatshim scan --format json`` over the tests must report every textual legacy
        site of the ground truth (by file and line)."""
        copy = self._need(self.renamed)
        found, errors = self._scan(copy)
        textual = [s for s in self.truth if s.kind != "through-alias"]
        expected = {(s.file, s.line) for s in textual}
        missing = sorted(expected - found)
        extra = sorted(found - expected)
        details = [f"not found: {f}:{line}" for f, line in missing[:SHOWN]]
        details += [f"found, not in the ground truth: {f}:{line}" for f, line in extra[:SHOWN]]
        details += errors[:SHOWN]
        return Step(
            name,
            not missing and not extra and not errors,
            f"{len(expected & found)} of {len(expected)} legacy lines found, "
            f"{len(extra)} beyond the ground truth, {len(errors)} files not read",
            figures={"expected": len(expected), "missing": len(missing), "extra": len(extra)},
            details=details,
        )

    # -- 7. stubs ------------------------------------------------------------------------------

    def stubs(self) -> Step:
        """``compatshim stubs --write`` in the copy, then mypy on a probe of every legacy path and
        on its canonical twin: the same messages line for line, and ``--check`` current."""
        python, copy = self._need(self.python), self._need(self.renamed)
        shim = python.parent / "compatshim"
        if workspace.run([python, "-c", "import mypy"], copy, check=False).returncode != 0:
            return Step("stubs", True, "not run: mypy needs Python 3.10")
        source = copy / "src" if (copy / "src").is_dir() else copy
        probe = typing_probe.build(source, self.project.aliases)
        folder = self.work / "typing"
        typing_probe.write(probe, folder)
        # Without stubs every legacy path fails: the witness that mypy reads them from the stubs.
        unstubbed = typing_probe.read_report(
            typing_probe.mypy(python, folder, source, ["legacy_probe.py"], "mypy-before.log"),
            "legacy_probe.py",
        )
        before = typing_probe.generated_files(copy)
        wrote = workspace.run([shim, "stubs", "--write"], copy, check=False)
        written = typing_probe.generated_files(copy) - before
        check = workspace.run([shim, "stubs", "--check"], copy, check=False)
        output = typing_probe.mypy(
            python, folder, source, ["legacy_probe.py", "canonical_probe.py"], "mypy.log"
        )
        legacy = typing_probe.read_report(output, "legacy_probe.py")
        canonical = typing_probe.read_report(output, "canonical_probe.py")
        differing = typing_probe.compare(probe, legacy, canonical)
        reveals = sum(line.startswith("reveal_type(") for line in probe.legacy)
        notes = [line for line in wrote.stderr.splitlines() if "(see " in line]
        reasons = {
            note: next((r for key, r in self.project.stub_notes.items() if key in note), "")
            for note in notes
        }
        unexpected = [note for note, reason in reasons.items() if not reason]
        details = [f"wrote: {_relative(str(path), copy)}" for path in sorted(written)]
        details += [f"unexpected note: {note}" for note in unexpected]
        details += [f"differs: {line[:600]}" for line in differing[:SHOWN]]
        if check.returncode != 0:
            details += [f"--check: {line}" for line in (check.stdout + check.stderr).splitlines()]
        details += [f"expected ({why}): {note}" for note, why in reasons.items() if why]
        imports = typing_probe.module_imports(probe)
        resolved = [
            n for n in imports if not any(m.startswith("error") for m in unstubbed.get(n, []))
        ]
        details += [f"resolved without the stubs: {probe.legacy[n - 1]}" for n in resolved]
        before_errors = typing_probe.errors(unstubbed)
        errors = (typing_probe.errors(legacy), typing_probe.errors(canonical))
        ok = (
            wrote.returncode == 0
            and check.returncode == 0
            and not differing
            and not unexpected
            and bool(imports)
            and not resolved
            and reveals > 0
        )
        return Step(
            "stubs",
            ok,
            f"{len(written)} stub files written, --check "
            f"{'current' if check.returncode == 0 else f'exit {check.returncode}'}; "
            f"probe of {probe.modules} modules and {probe.names} names ({len(probe.legacy) - 1} "
            f"lines, {reveals} reveal_type): mypy errors {errors[0]} legacy vs {errors[1]} "
            f"canonical ({before_errors} legacy before the stubs, {len(imports) - len(resolved)} of "
            f"{len(imports)} legacy module imports among them), {len(differing)} lines differ"
            + (f"; {len(notes) - len(unexpected)} expected notes" if notes else ""),
            figures={
                "written": len(written),
                "check_exit": check.returncode,
                "modules": probe.modules,
                "names": probe.names,
                "reveal_type": reveals,
                "errors_before_stubs": before_errors,
                "imports_resolved_without_stubs": len(resolved),
                "errors_legacy": errors[0],
                "errors_canonical": errors[1],
                "differing": len(differing),
                "notes_expected": len(notes) - len(unexpected),
            },
            details=details,
        )

    # -- 8. migrate ---------------------------------------------------------------------------

    def migrate(self) -> Step:
        """``compatshim migrate --write`` over the tests; then scan finds nothing and every file
        compiles."""
        python, copy = self._need(self.python), self._need(self.renamed)
        tests = copy / self.project.tests
        before = {p: p.read_bytes() for p in tests.rglob("*.py")}
        proc = workspace.run(
            [python.parent / "compatshim", "migrate", self.project.tests, "--write"],
            copy, check=False,
        )  # fmt: skip
        if proc.returncode == 2:
            raise StepError(f"compatshim migrate exited 2: {proc.stderr.strip()}")
        changed = sum(1 for p, data in before.items() if p.read_bytes() != data)
        left = [line for line in proc.stderr.splitlines() if _FINDING.match(line)]
        # What migrate leaves it lists, each with its reason: scan must find exactly those.
        listed = {(m[1], int(m[2])) for m in map(_LEFT.match, left) if m is not None}
        self.left_files = {file for file, _ in listed}
        found, errors = self._scan(copy)
        unlisted = found - listed
        compile_errors = workspace.run(
            [python, "-c", _COMPILE_ALL, tests], copy, check=False
        ).stdout.splitlines()
        details = [f"left: {line}" for line in left[:SHOWN]]
        details += [f"still found, not listed: {f}:{line}" for f, line in sorted(unlisted)[:SHOWN]]
        details += [f"does not compile: {line}" for line in compile_errors[:SHOWN]]
        details += errors[:SHOWN]
        return Step(
            "migrate",
            not unlisted and not compile_errors and not errors,
            f"exit {proc.returncode}, {changed} files rewritten, {len(left)} uses left; "
            f"scan after: {len(found)} findings; {len(compile_errors)} files do not compile",
            figures={
                "exit": proc.returncode,
                "files_changed": changed,
                "uses_left": len(left),
                "findings_after": len(found),
                "compile_errors": len(compile_errors),
            },
            details=details,
        )

    # -- helpers ------------------------------------------------------------------------------

    def _pytest(
        self,
        prefix: list[str | Path],
        copy: Path,
        label: str,
        env: dict[str, str] | None = None,
    ) -> Outcome:
        junit = self.work / f"junit-{label.replace(' ', '-')}.xml"
        junit.unlink(missing_ok=True)
        args = ["-p", "no:cacheprovider", f"--junitxml={junit}", *self.project.pytest_args]
        start = time.perf_counter()
        proc = workspace.run([*prefix, *args], copy, env, check=False)
        seconds = time.perf_counter() - start
        (self.work / f"pytest-{label.replace(' ', '-')}.log").write_text(
            proc.stdout + proc.stderr, encoding="utf-8"
        )
        tests, messages = workspace.read_junit(junit)
        return Outcome(tests, messages, proc.returncode, seconds, proc.stdout + proc.stderr)

    def _scan(self, copy: Path) -> tuple[set[tuple[str, int]], list[str]]:
        python = self._need(self.python)
        proc = workspace.run(
            [python.parent / "compatshim", "scan", self.project.tests, "--format", "json"],
            copy, check=False,
        )  # fmt: skip
        if proc.returncode not in (0, 1):
            raise StepError(f"compatshim scan exited {proc.returncode}: {proc.stderr.strip()}")
        result = json.loads(proc.stdout)
        found = {(_relative(f["file"], copy), int(f["line"])) for f in result["findings"]}
        errors = [f"not read: {e['file']}: {e['message']}" for e in result["errors"]]
        return found, errors

    def _ran(self, site: Site) -> bool:
        lines = self.executed.get(site.file, set())
        return any(line in lines for line in range(site.first, site.last + 1))

    @staticmethod
    def _need(value: _T | None) -> _T:
        if value is None:
            raise StepError("not run: an earlier step failed")
        return value


#: A use that migrate leaves, in the format of scan: ``file:line:col: CS101 ...``.
_FINDING = re.compile(r"^\S.*:\d+:\d+: CS\d+ ")
_LEFT = re.compile(r"^(\S.*?):(\d+):\d+: CS\d+ ")

_COMPILE_ALL = """
import pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    try:
        compile(path.read_bytes(), str(path), "exec")
    except SyntaxError as exc:
        print(f"{path}:{exc.lineno}: {exc.msg}")
"""


def _covers(site: Site, seen: tuple[str, int]) -> bool:
    return seen[0] == site.file and (seen[1] == site.line or site.first <= seen[1] <= site.last)


def _site(site: Site) -> str:
    return f"{site.file}:{site.line} {site.kind} {site.legacy}"


def _relative(name: str, root: Path) -> str:
    path = Path(name)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def _digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            sha.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def _failures(outcome: Outcome) -> list[str]:
    bad = [t for t, o in outcome.tests.items() if o in ("failed", "error")]
    return [f"{outcome.tests[t]}: {t}" for t in sorted(bad)[:SHOWN]]
