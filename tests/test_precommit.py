"""The hooks of .pre-commit-hooks.yaml, run by pre-commit itself on a sample git project.

pre-commit installs this repository (a copy of its working tree, committed in a temporary git
repository) into an environment of its own once, with pip, and runs every hook from there:
offline after that first install. Where even the first install cannot reach a package index,
the test is skipped, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).parent.parent
HOOKS = ["compatshim-scan", "compatshim-check", "compatshim-stubs", "compatshim-export-ruff"]


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env
    )
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository's working tree (tracked and untracked files), committed elsewhere."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit", reason="pre-commit is a test dependency")
    copy = tmp_path_factory.mktemp("hooks-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.is_file() or name.startswith(("tests/", "benchmarks/")):
            continue
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy / name)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "snapshot")
    return copy, git(copy, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    (root / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"json_old" = "json"\n', encoding="utf-8"
    )
    (root / "bad.py").write_text("import json_old\n", encoding="utf-8")
    (root / "good.py").write_text("import json\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    return root


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(
    repo: tuple[Path, str], sample: Path, home: Path, hook: str, *files: str
) -> tuple[int, str]:
    selection = ["--files", *files] if files else ["--all-files"]
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(repo[0]), hook,
         "--ref", repo[1], *selection],
        cwd=sample,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    if "An error has occurred" in output and "Installing environment" in output:
        pytest.skip(f"pre-commit could not build its environment (offline?): {output[-300:]}")
    return proc.returncode, output


def test_the_manifest_declares_the_hooks() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    ids = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("- id:")]
    assert ids == HOOKS
    # scan reads only the files being committed; the others look at the whole project.
    blocks = dict(zip(ids, text.split("\n- id:")[1:]))
    assert "pass_filenames: true" in blocks["compatshim-scan"]
    for hook in HOOKS[1:]:
        assert "pass_filenames: false" in blocks[hook]
    assert "entry: compatshim stubs --check" in blocks["compatshim-stubs"]
    assert "entry: compatshim export ruff --check" in blocks["compatshim-export-ruff"]


def test_scan_hook_on_the_changed_files_only(
    hooks_repo: tuple[Path, str], sample: Path, pre_commit_home: Path
) -> None:
    status, output = try_repo(hooks_repo, sample, pre_commit_home, "compatshim-scan", "good.py")
    assert status == 0, output
    assert "compatshim scan (legacy import paths)" in output and "Passed" in output
    status, output = try_repo(hooks_repo, sample, pre_commit_home, "compatshim-scan", "bad.py")
    assert status == 1
    assert "bad.py:1:8: CS101 json_old is deprecated; use json" in output
    assert "(1 files scanned, 1 parsed)" in output  # the file named, not the tree


def test_project_hooks(hooks_repo: tuple[Path, str], sample: Path, pre_commit_home: Path) -> None:
    status, output = try_repo(hooks_repo, sample, pre_commit_home, "compatshim-export-ruff")
    assert status == 1 and "pyproject.toml: missing; run compatshim export ruff --write" in output
    subprocess.run(
        [sys.executable, "-m", "compatshim", "export", "ruff", "--write"],
        cwd=sample,
        check=True,
        capture_output=True,
    )
    git(sample, "add", "-A")
    status, output = try_repo(hooks_repo, sample, pre_commit_home, "compatshim-export-ruff")
    assert status == 0, output
    status, output = try_repo(hooks_repo, sample, pre_commit_home, "compatshim-check")
    assert status == 0, output
    direct = subprocess.run(
        [sys.executable, "-m", "compatshim", "stubs", "--check"],
        cwd=sample,
        capture_output=True,
        text=True,
        check=False,
    )
    status, output = try_repo(hooks_repo, sample, pre_commit_home, "compatshim-stubs")
    assert status == direct.returncode, output
    assert direct.stderr.strip().splitlines()[-1] in output
