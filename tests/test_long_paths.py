"""Very long names and very deep trees in scan and migrate: packages nested 1,100 deep are read
(no recursion), a folder whose path is longer than the system allows is named on stderr with a
slug (never silently skipped), a name longer than a path component may be is one line, exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compatshim import cli


CONFIG = '[tool.compatshim.aliases]\n"pkg.old" = "pkg.new"\n'


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _remove(top: Path) -> None:
    # Depth first with a stack: shutil.rmtree recurses, and pytest's clean-up would fail.
    stack = [str(top)]
    while stack:
        folder = stack[-1]
        inner = [e.path for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
        if inner:
            stack.extend(inner)
            continue
        for entry in os.scandir(folder):
            os.unlink(entry.path)
        os.rmdir(folder)
        stack.pop()


def test_packages_nested_deeper_than_the_recursion_limit(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        _nested(root, capsys)
    finally:
        _remove(root / "a")


def _nested(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = root
    for _ in range(1100):
        folder = folder / "a"
        folder.mkdir()
        (folder / "__init__.py").write_text("")
    (folder / "m.py").write_text("import pkg.old\nfrom .old import x\n")
    assert cli.main(["scan"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert "m.py:1:8: CS101 pkg.old" in out
    assert cli.main(["migrate", "--write"]) == 0, capsys.readouterr().err
    assert (folder / "m.py").read_text().startswith("import pkg.new\n")


def _beyond_path_max(root: Path) -> int:
    # Folders whose path grows past PATH_MAX, made relative to each other (as only such can be).
    descriptor = os.open(root, os.O_RDONLY)
    depth = 0
    try:
        while depth * 101 < 4300:
            name = f"{depth:03d}" + "d" * 97
            os.mkdir(name, dir_fd=descriptor)
            inner = os.open(name, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
            depth += 1
        file = os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
        os.write(file, b"import pkg.old\n")
        os.close(file)
    finally:
        os.close(descriptor)
    return depth


@pytest.mark.parametrize("command", [["scan"], ["migrate", "--diff"]])
def test_a_folder_beyond_path_max_is_named_not_skipped_silently(
    root: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    _beyond_path_max(root)
    assert cli.main(command) == 1
    _, err = capsys.readouterr()
    lines = err.splitlines()
    skipped = [line for line in lines if line.startswith("compatshim: skipped")]
    assert len(skipped) == 1, err
    assert "cannot read the folder" in skipped[0] and "[source-unreadable]" in skipped[0]
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [["scan"], ["migrate", "--diff"]])
def test_a_name_too_long_is_one_line_and_exit_2(
    root: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert cli.main([*command, "a" * 300 + ".py"]) == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1
    assert os.strerror(36) in err and "scan-path" in err  # ENAMETOOLONG


def test_a_file_name_of_255_bytes_is_read(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "m" * 252 + ".py"
    (root / name).write_text("import pkg.old\n")
    assert cli.main(["scan", name]) == 1
    assert f"{name}:1:8: CS101" in capsys.readouterr().out
