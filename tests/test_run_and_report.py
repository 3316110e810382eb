"""``compatshim run`` carries compatshim into every Python subprocess; ``report`` renders it."""

from __future__ import annotations

import json
import os
import signal
import sys

from helpers import Project


def test_run_reaches_subprocesses_of_subprocesses(canon_project: Project) -> None:
    """A program that never imports compatshim, its child in another folder, and the child's
    child all get compatshim; the exit status is the command's."""
    canon_project.write(
        {
            "parent.py": """
                import subprocess, sys
                import old.pkg
                old.pkg.CONSTANT
                subprocess.run([sys.executable, "child.py"], cwd="sub", check=True)
                sys.exit(3)
            """,
            "sub/child.py": """
                import subprocess, sys
                import old.pkg.sub
                subprocess.run([sys.executable, "-c", "import old.pkg.deep.mod"], check=True)
            """,
        }
    )
    result = canon_project.command(
        ["-m", "compatshim", "run", "--", "python", "parent.py"], env={"PYTHONWARNINGS": "ignore"}
    )
    assert result.returncode == 3, result.stderr
    report = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    data = json.loads(report.stdout)
    sites = {(s["file"], s["line"]) for s in data["aliases"][0]["sites"]}
    assert sites == {("parent.py", 2), ("parent.py", 3), ("sub/child.py", 2), ("<string>", 1)}
    assert data["runs"] == 3


def test_run_python_dash_m_on_a_legacy_path(canon_project: Project) -> None:
    """python -m old.pkg.tool runs the canonical module under compatshim run."""
    result = canon_project.command(
        ["-m", "compatshim", "run", "--", "python", "-m", "old.pkg.tool"],
        env={"PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr
    assert "TOOL RAN __main__ tool.py" in result.stdout


def test_run_pytest_with_warnings_as_errors(canon_project: Project) -> None:
    """pytest under compatshim run starts even when every warning is an error: compatshim is
    imported before pytest, which must not try (and warn that it fails) to rewrite it."""
    config = canon_project.root.joinpath("pyproject.toml").read_text(encoding="utf-8")
    canon_project.config('[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n\n' + config)
    canon_project.write({"test_ok.py": "def test_ok():\n    assert True\n"})
    result = canon_project.command(
        ["-m", "compatshim", "run", "--", sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
         "test_ok.py"]
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_run_keeps_an_existing_sitecustomize(canon_project: Project) -> None:
    """The sitecustomize compatshim run shadows still runs (found and loaded through the import
    system's own modules: the importlib package is not imported for it)."""
    canon_project.write({"site_dir/sitecustomize.py": "import os\nos.environ['MINE'] = 'ran'\n"})
    script = "import os, sys; print(os.environ.get('MINE'), 'importlib' in sys.modules)"
    env = {"PYTHONPATH": str(canon_project.root / "site_dir")}
    result = canon_project.command(
        ["-m", "compatshim", "run", "--", sys.executable, "-c", script], env=env
    )
    plain = canon_project.command(["-c", script], env=env)  # (an interpreter's site may import it)
    assert plain.stdout.strip() in ("ran False", "ran True")
    assert result.stdout.strip() == plain.stdout.strip(), result.stderr
    assert "not active" not in result.stderr


def test_run_fails_early_on_a_bad_configuration_or_command(canon_project: Project) -> None:
    """A configuration error stops before anything runs (exit 2); so does a missing command."""
    canon_project.config('[tool.compatshim]\npolicy = "loud"\n')
    bad = canon_project.command(["-m", "compatshim", "run", "--", "python", "-c", "print(1)"])
    assert bad.returncode == 2 and bad.stdout == ""
    canon_project.config()
    missing = canon_project.command(["-m", "compatshim", "run", "--", "no-such-command-xyz"])
    assert missing.returncode == 127
    assert "command not found: no-such-command-xyz" in missing.stderr
    empty = canon_project.command(["-m", "compatshim", "run"])
    assert empty.returncode == 2 and "run-usage" in empty.stderr
    # A bad COMPATSHIM_POLICY is a configuration error too: nothing runs.
    policy = canon_project.command(
        ["-m", "compatshim", "run", "--", "python", "-c", "print(1)"],
        env={"COMPATSHIM_POLICY": "bogus"},
    )
    assert policy.returncode == 2 and policy.stdout == "" and "env-bad-value" in policy.stderr
    # Found but not runnable: one line and 126, as a shell says; a folder in the way: 127.
    folder = canon_project.command(["-m", "compatshim", "run", "--", str(canon_project.root)])
    assert folder.returncode == 126 and "Traceback" not in folder.stderr
    assert folder.stderr.startswith("compatshim: error: cannot run ")
    below = canon_project.command(["-m", "compatshim", "run", "--", "./pyproject.toml/x"])
    assert below.returncode == 127 and "Traceback" not in below.stderr


def test_run_exits_as_the_command_does_a_signal_included(canon_project: Project) -> None:
    """The command replaces compatshim run (POSIX): killed by signal N, the caller sees the
    very status it would see without compatshim (a shell prints 128 + N), not a made-up one."""
    script = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    result = canon_project.command(["-m", "compatshim", "run", "--", "python", "-c", script])
    plain = canon_project.command(["-c", script])
    assert result.returncode == plain.returncode, result.stderr
    if os.name == "posix":
        assert result.returncode == -signal.SIGTERM
    big = canon_project.command(["-m", "compatshim", "run", "--", "python", "-c", "exit(300)"])
    assert big.returncode == 300 % 256


def _some_data(project: Project) -> None:
    project.write({"app.py": "import old.pkg\nfor _ in range(3):\n    old.pkg.helper()\n"})
    project.command(["-m", "compatshim", "run", "--", "python", "app.py"], check=True)


def test_report_text_is_a_table_sized_to_the_terminal(canon_project: Project) -> None:
    """One line per legacy path, then its busiest sites; long cells shrink to the width."""
    _some_data(canon_project)
    text = canon_project.command(["-m", "compatshim", "report"], env={"COLUMNS": "60"}).stdout
    lines = text.splitlines()
    assert lines[0] == "compatshim report: 1 legacy path used, 4 hits at 2 sites (1 run)"
    # 60 columns: the last-seen column is left out rather than squeezing the paths.
    assert lines[2].split() == [
        "Legacy",
        "path",
        "Canonical",
        "path",
        "Hits",
        "Sites",
        "Files",
        "Removal",
    ]
    assert lines[3].split() == ["old", "canon", "4", "2", "1", "-"]
    assert all(len(line) <= 60 for line in lines[1:]), text
    assert "     3  app.py:3  __main__" in text, text
    wide = canon_project.command(["-m", "compatshim", "report"], env={"COLUMNS": "120"}).stdout
    assert "Last seen" in wide.splitlines()[2]


def test_report_markdown_and_output_file(canon_project: Project) -> None:
    """Markdown pastes into a pull request; --output writes the file instead of stdout."""
    _some_data(canon_project)
    out = canon_project.root / "report.md"
    result = canon_project.command(
        ["-m", "compatshim", "report", "--format", "markdown", "--output", str(out)]
    )
    assert result.returncode == 0 and result.stdout == ""
    text = out.read_text()
    assert text.startswith("| Legacy path | Canonical path | Hits | Sites | Files |")
    assert "| `old` | `canon` | 4 | 2 | 1 |" in text
    assert "| 3 | `app.py:3` | `__main__` |" in text
    # Replaced atomically; nothing else beside the file is touched (links: test_output_targets).
    (canon_project.root / "report.md.tmp").write_text("keep me")
    canon_project.command(["-m", "compatshim", "report", "--output", str(out)], check=True)
    assert out.read_text().startswith("compatshim report")
    assert (canon_project.root / "report.md.tmp").read_text() == "keep me"


def test_report_json_schema(canon_project: Project) -> None:
    """The JSON is versioned and spells legacy paths as in the configuration."""
    canon_project.config(
        '[tool.compatshim.aliases]\n"old" = { target = "canon", since = "1.0", removed_in = "9.0" }\n'
        '"old.pkg:Moved" = "canon.pkg:Thing"\n'
    )
    canon_project.write({"app.py": "from old.pkg import Moved\nimport old.pkg.sub\n"})
    canon_project.command(["-m", "compatshim", "run", "--", "python", "app.py"], check=True)
    data = json.loads(
        canon_project.command(["-m", "compatshim", "report", "--format", "json"]).stdout
    )
    assert data["format"] == 1
    by_legacy = {a["legacy"]: a for a in data["aliases"]}
    assert set(by_legacy) == {"old", "old.pkg:Moved"}
    old = by_legacy["old"]
    assert (old["canonical"], old["since"], old["removed_in"], old["hits"]) == (
        "canon",
        "1.0",
        "9.0",
        2,
    )
    assert old["removal"] == "scheduled"
    assert by_legacy["old.pkg:Moved"]["removal"] is None
    site = old["sites"][0]
    assert set(site) == {
        "file", "line", "module", "hits", "third_party", "first_seen", "last_seen"
    }  # fmt: skip
    assert site["third_party"] is False and old["third_party_hits"] == 0
    assert site["first_seen"].endswith("Z") and site["module"] == "__main__"
    assert by_legacy["old.pkg:Moved"]["canonical"] == "canon.pkg:Thing"


def test_report_judges_removals_against_todays_configuration(canon_project: Project) -> None:
    """A removal that is due shows as due; an alias deleted since shows as not configured."""
    canon_project.write({"app.py": "import old.pkg\nimport older.pkg\n"})
    canon_project.config(
        '[project]\nversion = "2.9"\n[tool.compatshim.aliases]\n'
        '"old" = { target = "canon", removed_in = "3.0" }\n"older" = "canon"\n'
    )
    canon_project.command(["-m", "compatshim", "run", "--", "python", "app.py"], check=True)
    canon_project.config(
        '[project]\nversion = "3.1"\n[tool.compatshim.aliases]\n'
        '"old" = { target = "canon", removed_in = "3.0" }\n'
    )
    text = canon_project.command(["-m", "compatshim", "report"], env={"COLUMNS": "120"}).stdout
    assert "in 3.0 (due)" in text
    assert "not configured" in text
    data = json.loads(
        canon_project.command(["-m", "compatshim", "report", "--format", "json"]).stdout
    )
    assert {a["legacy"]: a["removal"] for a in data["aliases"]} == {
        "old": "due",
        "older": "not configured",
    }


def test_report_reads_explicit_files_without_touching_them(canon_project: Project) -> None:
    """--data reads the files given, combines in memory only, and counts each run once."""
    _some_data(canon_project)
    canon_project.command(["-m", "compatshim", "report"])  # combine into telemetry.db
    _some_data(canon_project)
    folder = canon_project.root / ".compatshim"
    files = sorted(str(p) for p in folder.glob("telemetry.db*"))
    assert len(files) == 2
    data = json.loads(
        canon_project.command(
            ["-m", "compatshim", "report", "--format", "json", "--data", *files, files[0]]
        ).stdout
    )
    assert data["runs"] == 2 and data["aliases"][0]["hits"] == 8
    assert sorted(str(p) for p in folder.glob("telemetry.db*")) == files
