"""Which processes ``compatshim run`` reaches, and that the ones it does not reach run exactly
as they would without it (docs/cli.md, "compatshim run")."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import Project


def _run(project: Project, *command: str, **kwargs: str) -> tuple[int, str, str]:
    env = {"PYTHONWARNINGS": "ignore", **kwargs}
    result = project.command(["-m", "compatshim", "run", "--", *command], env=env)
    return result.returncode, result.stdout, result.stderr


def _sites(project: Project) -> dict[tuple[str, int], int]:
    report = project.command(["-m", "compatshim", "report", "--format", "json"])
    data = json.loads(report.stdout)
    sites: dict[tuple[str, int], int] = {}
    for alias in data["aliases"]:
        for site in alias["sites"]:
            key = (site["file"], site["line"])
            sites[key] = sites.get(key, 0) + site["hits"]
    return sites


def test_every_multiprocessing_start_method_is_counted(canon_project: Project) -> None:
    """spawn, forkserver and fork pool workers: every hit of every child is reported."""
    methods = ["spawn", "fork", "forkserver"] if os.name == "posix" else ["spawn"]
    canon_project.write(
        {
            "pool.py": f"""
                import multiprocessing as mp
                def work(i):
                    import old.pkg
                    return old.pkg.CONSTANT
                if __name__ == "__main__":
                    for method in {methods!r}:
                        with mp.get_context(method).Pool(2) as pool:
                            assert pool.map(work, range(4)) == [42] * 4
            """
        }
    )
    status, _, stderr = _run(canon_project, sys.executable, "pool.py")
    assert status == 0, stderr
    assert _sites(canon_project) == {
        ("pool.py", 3): 4 * len(methods),
        ("pool.py", 4): 4 * len(methods),
    }


def test_pytest_xdist_workers_are_counted(canon_project: Project) -> None:
    pytest.importorskip("xdist")
    canon_project.write(
        {
            "test_many.py": """
                import pytest
                @pytest.mark.parametrize("i", range(4))
                def test_it(i):
                    import old.pkg
            """
        }
    )
    command = [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "test_many.py"]
    status, stdout, stderr = _run(canon_project, *command)
    assert status == 0, stdout + stderr
    assert _sites(canon_project) == {("test_many.py", 4): 4}


def test_a_child_in_another_folder_after_chdir_is_counted_in_the_project(
    canon_project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    canon_project.write(
        {
            "app.py": f"""
                import os, subprocess, sys
                os.chdir({str(elsewhere)!r})
                subprocess.run([sys.executable, "-c", "import old.pkg"], check=True)
            """
        }
    )
    status, _, stderr = _run(canon_project, sys.executable, "app.py")
    assert status == 0, stderr
    assert _sites(canon_project) == {("<string>", 1): 1}
    assert not (elsewhere / ".compatshim").exists()


@pytest.mark.parametrize(
    "child",
    [
        "[sys.executable, '-I', '-c', CHECK]",
        "[sys.executable, '-E', '-c', CHECK]",
        "[sys.executable, '-S', '-c', CHECK]",
        "[sys.executable, '-c', CHECK], env={'PATH': os.environ.get('PATH', '')}",
        "[sys.executable, '-c', CHECK], env={}",
        "[sys.executable, '-c', CHECK], env=dict(os.environ, PYTHONPATH=os.environ['CHECKOUT'])",
    ],
)
def test_a_child_left_out_runs_exactly_as_without_compatshim(
    canon_project: Project, child: str
) -> None:
    """Isolated, no site, or an environment of the program's own making: not reached, by
    design, and nothing of compatshim's runs there (not even to say so)."""
    checkout = canon_project.env()["PYTHONPATH"].split(os.pathsep)[-1]
    canon_project.write(
        {
            "app.py": f"""
                import os, subprocess, sys
                CHECK = "import sys; print(sorted(m for m in sys.modules if 'compatshim' in m))"
                sys.exit(subprocess.run({child}).returncode)
            """
        }
    )
    status, stdout, stderr = _run(canon_project, sys.executable, "app.py", CHECKOUT=checkout)
    assert (status, stdout, stderr) == (0, "[]\n", "")


@pytest.mark.parametrize("flag", ["-X frozen_modules=off", "-P", "PYTHONSAFEPATH"])
def test_start_up_flags_that_change_nothing(canon_project: Project, flag: str) -> None:
    if flag == "-P" and sys.version_info < (3, 11):
        pytest.skip("-P is Python 3.11's")
    flags = flag.split() if flag.startswith("-") else []
    env = {"PYTHONSAFEPATH": "1"} if flag == "PYTHONSAFEPATH" else {}
    status, stdout, stderr = _run(
        canon_project, sys.executable, *flags, "-c", "import old.pkg; print('ok')", **env
    )
    assert (status, stdout) == (0, "ok\n"), stderr


def test_the_programs_sitecustomize_runs_once_even_in_a_nested_run(canon_project: Project) -> None:
    log = canon_project.root / "log.txt"
    canon_project.write({"site_dir/sitecustomize.py": f"open({str(log)!r}, 'a').write('ran\\n')\n"})
    site_dir = str(canon_project.root / "site_dir")
    path = os.pathsep.join([site_dir, canon_project.env()["PYTHONPATH"]])
    inner = [sys.executable, "-m", "compatshim", "run", "--", sys.executable, "-c", "pass"]
    status, _, stderr = _run(canon_project, *inner, PYTHONPATH=path)
    assert status == 0, stderr
    # Once per Python process: the outer compatshim run (before any bootstrap), the inner one
    # (under the outer's bootstrap), then its command (under the inner's).
    assert log.read_text() == "ran\nran\nran\n"


def test_a_virtual_environment_made_during_the_run(canon_project: Project) -> None:
    """Its Python cannot import compatshim: it says so once, runs its own sitecustomize, and
    the program goes on."""
    canon_project.write(
        {
            "make.py": """
                import os, subprocess, sys, sysconfig
                subprocess.run([sys.executable, "-m", "venv", "--without-pip", "env"], check=True)
                python = os.path.join("env", "bin", "python")
                if not os.path.exists(python):
                    python = os.path.join("env", "Scripts", "python.exe")
                query = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
                purelib = subprocess.run(
                    [python, "-I", "-c", query], capture_output=True, text=True, check=True
                ).stdout.strip()
                with open(os.path.join(purelib, "sitecustomize.py"), "w") as f:
                    f.write("print('venv sitecustomize')\\n")
                env = dict(os.environ, PYTHONPATH=os.environ["PYTHONPATH"].split(os.pathsep)[0])
                subprocess.run([python, "-c", "print('in venv')"], env=env, check=True)
            """
        }
    )
    status, stdout, stderr = _run(canon_project, sys.executable, "make.py")
    assert status == 0, stderr
    assert stdout == "venv sitecustomize\nin venv\n"
    assert stderr == (
        "compatshim: not active in this process: No module named 'compatshim' [run-inactive]\n"
    )


def test_arguments_stdin_and_exit_status_pass_through(canon_project: Project) -> None:
    script = "import sys; print(sys.argv[1:], sys.stdin.read()); sys.exit(300)"
    args = ["a b", "é☃", "--", "--config", ""]
    proc = subprocess.run(
        [sys.executable, "-m", "compatshim", "run", "--", sys.executable, "-c", script, *args],
        cwd=canon_project.root,
        env=canon_project.env(),
        input="from stdin",
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 300 % 256, proc.stderr
    assert proc.stdout == f"{args!r} from stdin\n"


def test_a_configuration_gone_or_unwritable_during_the_run(canon_project: Project) -> None:
    """The project's configuration deleted while the command runs, and a data folder that
    cannot be written: every process still runs; each says once why compatshim is not active
    there, or why it records nothing."""
    canon_project.config(
        '[tool.compatshim]\ndata_file = "app.py/telemetry.db"\n\n'
        '[tool.compatshim.aliases]\n"old" = "canon"\n'
    )
    canon_project.write(
        {
            "app.py": """
                import os, subprocess, sys
                import old.pkg
                child = [sys.executable, "-c", "print('child ran')"]
                subprocess.run(child, check=True)
                os.remove("pyproject.toml")
                subprocess.run(child, check=True)
                print("parent ran")
            """
        }
    )
    status, stdout, stderr = _run(canon_project, sys.executable, "app.py")
    assert (status, stdout) == (0, "child ran\nchild ran\nparent ran\n"), stderr
    lines = stderr.splitlines()
    assert len(lines) == 2, stderr  # the parent's telemetry-write; the second child's
    assert any(line.endswith("[telemetry-write]") for line in lines), stderr
    assert any(
        "not active in this process" in line and line.endswith("[run-inactive]") for line in lines
    ), stderr
