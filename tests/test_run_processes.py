"""``compatshim run`` in the processes a real command starts: other interpreters, a closed
stderr, ``exec``, inherited file descriptors, signals; it never breaks the program."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
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
    written first (they were lost), and the new program is counted as a run of its own. An
    exec that fails leaves the process counting, in the same run."""
    canon_project.write(
        {
            "app.py": """
                import os, sys
                import old.pkg
                try:
                    os.execv(os.path.join(os.getcwd(), "missing"), ["missing"])
                except FileNotFoundError:  # the process goes on, and so does its run
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
    assert sites == {("app.py", 2), ("app.py", 6), ("<string>", 1)}, report.stderr
    assert data["runs"] == 2


@posix
def test_the_command_keeps_its_pid_and_inherited_file_descriptors(canon_project: Project) -> None:
    """``compatshim run -- CMD 3>log``, systemd's sockets (LISTEN_FDS, LISTEN_PID), a pidfile:
    the command is the process that was started, with its descriptors (a child of compatshim
    lost every descriptor above 2, and had another pid)."""
    read, write = os.pipe()
    script = "import os; os.write(int(os.environ['FD']), str(os.getpid()).encode())"
    with subprocess.Popen(
        [sys.executable, "-m", "compatshim", "run", "--", sys.executable, "-c", script],
        cwd=canon_project.root,
        env=canon_project.env({"FD": str(write)}),
        pass_fds=[write],
        stderr=subprocess.PIPE,
    ) as proc:
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            written = pipe.read()
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    assert written == str(proc.pid).encode()


@posix
def test_a_signal_sent_to_compatshim_run_reaches_the_command(canon_project: Project) -> None:
    """``docker stop``, a CI's cancel, ``kill``: SIGTERM sent to the process the caller started
    is the command's to handle (it killed compatshim run and left the command running)."""
    script = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: (print("terminating cleanly", flush=True), sys.exit(0)))
print("ready", flush=True)
time.sleep(20)
print("never told", flush=True)
"""
    rest = _signalled(canon_project, script, signal.SIGTERM, group=False)
    assert rest == "terminating cleanly\n"


def _signalled(project: Project, script: str, signum: int, *, group: bool) -> str:
    # Run ``script`` (which prints "ready", then waits) under compatshim run in a session of its
    # own, send ``signum`` once it is ready (to the process the caller started, or to its whole
    # group as a terminal's Ctrl-C does), and return what it printed after; it must exit 0.
    with subprocess.Popen(
        [sys.executable, "-m", "compatshim", "run", "--", sys.executable, "-c", script],
        cwd=project.root,
        env=project.env(),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
        if group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        rest = proc.stdout.read()
        assert proc.wait(timeout=60) == 0
    return rest


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux's /proc")
def test_the_command_gets_the_default_signal_dispositions(canon_project: Project) -> None:
    """Python ignores SIGPIPE for itself: the command must not inherit that (``yes | head``)."""
    shell = ["sh", "-c", "grep SigIgn /proc/$$/status"]
    result = canon_project.command(["-m", "compatshim", "run", "--", *shell])
    plain = subprocess.run(shell, capture_output=True, text=True, check=True)
    assert result.returncode == 0 and result.stdout == plain.stdout, result.stderr


def test_a_child_does_not_pay_for_what_only_compatshim_run_needs(canon_project: Project) -> None:
    """Every Python process of the command imports ``compatshim._runtime.run`` (for its
    ``process_startup``): ``subprocess`` (with ``locale``, ``re``, ``enum``, ``threading``,
    about 9 ms per process) must not come with it."""
    script = "import sys; print(sorted({'subprocess', 're', 'threading'} & set(sys.modules)))"
    run = ["-m", "compatshim", "run", "--", sys.executable, "-c", script]
    result = canon_project.command(run)
    assert result.returncode == 0 and result.stdout == "[]\n", result.stderr


@posix
def test_ctrl_c_leaves_the_command_time_to_clean_up(canon_project: Project) -> None:
    """Ctrl-C reaches every process of the terminal's group: the command's own handling of
    KeyboardInterrupt runs to its end (compatshim run killed it with SIGKILL 0.25 s later)."""
    script = """
import time
try:
    print("ready", flush=True)
    time.sleep(20)
except KeyboardInterrupt:
    time.sleep(1)
    print("cleaned up", flush=True)
"""
    assert _signalled(canon_project, script, signal.SIGINT, group=True) == "cleaned up\n"


def test_two_compatshim_bootstraps_on_the_path_run_once(project: Project) -> None:
    """``compatshim run`` of one installation inside that of another (a tox or nox virtual
    environment): each bootstrap ran the other's, forever (RecursionError in sitecustomize,
    and the program's own sitecustomize lost). Once each: compatshim once, then the program's."""
    other = project.root / "other" / "compatshim" / "_runtime" / "bootstrap"
    other.mkdir(parents=True)
    shutil.copy(os.path.join(BOOTSTRAP, "sitecustomize.py"), other / "sitecustomize.py")
    project.write({"site_dir/sitecustomize.py": "print('mine')\n"})
    script = "import compatshim; print(compatshim.installed() is not None)"
    env = _bootstrap_env(
        str(other), str(project.root / "site_dir"), *project.env()["PYTHONPATH"].split(os.pathsep)
    )
    result = project.command(["-c", script], env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "mine\nTrue\n", "")
    # compatshim run, inside a run of the other installation, keeps only its own bootstrap.
    inner = project.command(
        [
            "-m",
            "compatshim",
            "run",
            "--",
            sys.executable,
            "-c",
            "import os; print(os.environ['PYTHONPATH'])",
        ],
        env,
    )
    assert inner.stdout.splitlines()[:2] == ["mine", "mine"]  # compatshim run, then its command
    last = inner.stdout.splitlines()[2]
    assert last.split(os.pathsep)[:2] == [BOOTSTRAP, str(project.root / "site_dir")]


@posix
def test_a_script_without_a_shebang_runs_as_a_shell_runs_it(canon_project: Project) -> None:
    """An executable file without ``#!`` is run by ``/bin/sh``, as a shell, ``env``, ``nohup``
    or ``timeout`` run it (compatshim run said "Exec format error", 126)."""
    canon_project.write({"tools/build": 'echo "built $1"\n'})
    os.chmod(canon_project.root / "tools" / "build", 0o755)
    for command in (["./tools/build"], ["build"]):
        path = os.pathsep.join([str(canon_project.root / "tools"), os.environ["PATH"]])
        result = canon_project.command(
            ["-m", "compatshim", "run", "--", *command, "a b"], env={"PATH": path}
        )
        assert (result.returncode, result.stdout) == (0, "built a b\n"), result.stderr


@posix
def test_a_command_that_cannot_start_with_stderr_closed(canon_project: Project) -> None:
    """``compatshim run -- missing 2>&-``: nowhere to say it, but the status is still 127 (it
    was 1, from a traceback that could not be printed either)."""
    code = "import os, sys; sys.exit(os.system(sys.argv[1] + ' 2>&-') >> 8)"
    command = f"{sys.executable} -m compatshim run -- no-such-command-xyz"
    result = canon_project.command(["-c", code, command])
    assert result.returncode == 127, result.stderr


def test_an_empty_pythonpath_entry_still_means_the_current_folder(canon_project: Project) -> None:
    """``export PYTHONPATH=src:$PYTHONPATH`` with PYTHONPATH unset leaves a trailing empty
    entry, which Python reads as the current folder: compatshim run dropped it, and a script
    in a subfolder could no longer import the modules beside the folder it was started in."""
    canon_project.write({"localmod.py": "VALUE = 'found'\n"})
    canon_project.write({"bin/tool.py": "import localmod\nprint(localmod.VALUE)\n"})
    checkout = canon_project.env()["PYTHONPATH"].split(os.pathsep)[-1]
    path = checkout + os.pathsep  # (the checkout, to find compatshim, then an empty entry)
    plain = canon_project.command(["bin/tool.py"], env={"PYTHONPATH": path})
    assert plain.stdout == "found\n", plain.stderr
    run = ["-m", "compatshim", "run", "--", sys.executable, "bin/tool.py"]
    result = canon_project.command(run, env={"PYTHONPATH": path})
    assert (result.returncode, result.stdout) == (0, "found\n"), result.stderr
