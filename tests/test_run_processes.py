"""``compatshim run`` in the processes a real command starts: other interpreters, a closed
stderr, ``exec``, inherited file descriptors, signals; it never breaks the program."""

from __future__ import annotations

import glob
import json
import os
import shutil
import sys

import pytest
from helpers import Project

from compatshim._runtime.run import BOOTSTRAP


posix = pytest.mark.skipif(os.name != "posix", reason="POSIX shells, fds and signals")


def _old_pythons() -> list[str]:
    """A Python 2 and a Python 3 older than compatshim supports, where this machine has them."""
    chosen = []
    for versions in (("2.7", "2"), ("3.8", "3.7", "3.6")):
        found = [shutil.which(f"python{v}") for v in versions]
        found += glob.glob(os.path.expanduser(f"~/.pyenv/versions/{versions[0][0]}.*/bin/python"))
        found = [
            p
            for p in found
            if p
            and "shims" not in p.split(os.sep)  # (pyenv's need a setup)
            and any(f"{v}." in p or p.endswith(v) for v in versions)
        ]
        chosen += [p for p in found if p][:1]
    return chosen


def _bootstrap_env(*path: str) -> dict[str, str]:
    """What compatshim run hands a child: the bootstrap first on PYTHONPATH, COMPATSHIM_RUN."""
    return {"PYTHONPATH": os.pathsep.join([BOOTSTRAP, *path]), "COMPATSHIM_RUN": "1"}


@posix
def test_a_child_with_stderr_closed_that_cannot_start_compatshim_runs(project: Project) -> None:
    """``python ... 2>&-``: sys.stderr is None. The bootstrap that cannot import compatshim has
    nowhere to say so, and says nothing: the program runs (it exited 1 and printed nothing)."""
    project.write({"shadow/compatshim/__init__.py": "raise ImportError('broken on purpose')\n"})
    script = f'{shutil.which("sh")} -c \'"$0" -c "print(1)" 2>&-\' {sys.executable}'
    env = _bootstrap_env(str(project.root / "shadow"))
    result = project.command(["-c", f"import os, sys; sys.exit(os.system({script!r}) >> 8)"], env)
    assert (result.returncode, result.stdout) == (0, "1\n"), result.stderr
    # With stderr open, the one line and its slug.
    plain = project.command(["-c", "print(1)"], env)
    assert plain.returncode == 0 and plain.stdout == "1\n"
    assert plain.stderr == (
        "compatshim: not active in this process: broken on purpose [run-inactive]\n"
    )


@pytest.mark.skipif(not _old_pythons(), reason="no Python older than 3.9 on this machine")
@pytest.mark.parametrize("python", _old_pythons())
def test_an_older_python_runs_and_still_gets_its_own_sitecustomize(
    project: Project, python: str
) -> None:
    """A Python 2 or 3.6 tool started under compatshim run reads the bootstrap (a SyntaxError
    there lost its own sitecustomize, with "'import sitecustomize' failed"): one line, then the
    sitecustomize it hides, once."""
    project.write({"site_dir/sitecustomize.py": "import sys\nsys.stdout.write('mine\\n')\n"})
    result = project.command(
        ["-c", f"import subprocess; subprocess.run([{python!r}, '-c', 'print(2)'], check=True)"],
        _bootstrap_env(str(project.root / "site_dir")),
    )
    assert result.returncode == 0, result.stderr
    # (the parent, a Python that compatshim supports, runs it too)
    assert sorted(result.stdout.splitlines()) == ["2", "mine", "mine"], result.stderr
    assert result.stderr.endswith("older than compatshim supports [run-inactive]\n")
    assert result.stderr.count("\n") == 1 and "failed" not in result.stderr


def test_exec_keeps_the_counts_made_before_it(canon_project: Project) -> None:
    """``os.execv`` replaces the process without ``atexit``: the hits it counted before are
    written first (they were lost), and the new program is counted as a run of its own."""
    canon_project.write(
        {
            "app.py": """
                import os, sys
                import old.pkg
                old.pkg.CONSTANT
                os.execv(sys.executable, [sys.executable, "-c", "import old.pkg.sub"])
            """
        }
    )
    result = canon_project.command(
        ["-m", "compatshim", "run", "--", sys.executable, "app.py"],
        env={"PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr
    report = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    data = json.loads(report.stdout)
    sites = {(s["file"], s["line"]) for s in data["aliases"][0]["sites"]}
    assert sites == {("app.py", 2), ("app.py", 3), ("<string>", 1)}, report.stderr
    assert data["runs"] == 2
