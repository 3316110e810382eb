"""scan and migrate under hostile input and faults: links, FIFOs, devices, undecodable and
unparsable files, kills in the middle of ``migrate --write``, millions of findings."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import compatshim
from compatshim import cli
from compatshim._static import render as _scan_render
from compatshim._static.findings import Finding
from compatshim._static.scan import ScanResult


TYPE_CHECKING = False
if TYPE_CHECKING:
    from compatshim._static.render import ScanFormat


CONFIG = '[tool.compatshim.aliases]\n"old" = "new"\n"old.mod:Old" = "new.place:New"\n'
LEGACY = "import old\nprint(old.thing)\n"


def migrated(text: str) -> str:
    from compatshim._model.alias import Alias
    from compatshim._model.table import AliasTable
    from compatshim._static.rewrite import rewrite
    from compatshim._static.table import StaticTable

    table = StaticTable(AliasTable([Alias("old", "new"), Alias("old.mod:Old", "new.place:New")]))
    new = rewrite(text, table)[0]
    assert new != text
    return new


MIGRATED = migrated(LEGACY)

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX links, FIFOs and signals")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"  # not in a git work tree: the tree is walked
    root.mkdir()
    (root / "pyproject.toml").write_text(CONFIG)
    monkeypatch.chdir(root)
    return root


def run_cli(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh interpreter, never allowed to hang the suite."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    return subprocess.run(
        [sys.executable, "-m", "compatshim", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# -- S1, U5: never write through a link ---------------------------------------------------------


@posix_only
def test_a_planted_temporary_file_link_is_never_written_through(
    project: Path, tmp_path: Path
) -> None:
    """The old fixed name ``a.py.compatshim-tmp``, linked to a secret: the secret is untouched,
    ``a.py`` stays a regular file and keeps its mode."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret\n")
    secret.chmod(0o600)
    app = project / "a.py"
    app.write_text(LEGACY)
    app.chmod(0o640)
    (project / "a.py.compatshim-tmp").symlink_to(secret)
    assert cli.main(["migrate", "--write", "a.py"]) == 0
    assert secret.read_text() == "secret\n"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert not app.is_symlink()
    assert app.read_text() == MIGRATED
    assert stat.S_IMODE(app.stat().st_mode) == 0o640
    # Nothing of ours is left beside it: the planted link is the only other entry.
    assert sorted(p.name for p in project.iterdir()) == [
        "a.py",
        "a.py.compatshim-tmp",
        "pyproject.toml",
    ]


@posix_only
def test_a_symbolic_link_is_not_replaced_and_its_target_is_migrated_once(project: Path) -> None:
    (project / "real.py").write_text(LEGACY)
    (project / "link.py").symlink_to("real.py")
    result = compatshim.migrate(["."], write=True)
    assert (project / "link.py").is_symlink()
    assert os.readlink(project / "link.py") == "real.py"
    assert (project / "real.py").read_text() == MIGRATED
    # The link's uses were its target's: nothing is left over.
    assert result.left == [] and result.errors == [] and result.ok


@posix_only
def test_a_link_to_a_file_outside_the_tree_is_left_with_the_reason(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "shared.py"
    outside.write_text(LEGACY)
    (project / "shared.py").symlink_to(outside)
    assert cli.main(["migrate", "--write", "."]) == 1
    assert outside.read_text() == LEGACY
    assert (project / "shared.py").is_symlink()
    err = capsys.readouterr().err
    assert (
        "shared.py:1:8: CS101 old is deprecated; use new (a symbolic link, never written "
        "through: migrate the file it points to [migrate-link])"
    ) in err
    assert cli.main(["migrate", "--diff", "."]) == 1  # no diff shown for what is never written
    assert capsys.readouterr().out == ""


@posix_only
@pytest.mark.parametrize("argument", ["linked", "linked/shared.py", "sub/../linked"])
def test_a_folder_link_to_outside_the_tree_is_never_written_through(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argument: str
) -> None:
    # Named on the command line, a link to a folder was followed, and the file it holds, outside
    # the project, rewritten.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "shared.py").write_text(LEGACY)
    (project / "linked").symlink_to(outside)
    (project / "sub").mkdir()
    assert cli.main(["migrate", "--write", argument]) == 1
    assert (outside / "shared.py").read_text() == LEGACY
    assert sorted(p.name for p in outside.iterdir()) == ["shared.py"]
    err = capsys.readouterr().err
    assert (
        "shared.py:1:8: CS101 old is deprecated; use new (reached through the symbolic link "
        "linked, never written through: migrate the file it points to [migrate-link])"
    ) in err
    assert cli.main(["migrate", "--diff", argument]) == 1
    assert capsys.readouterr().out == ""


@posix_only
def test_a_folder_link_whose_target_the_run_migrates_is_not_left(project: Path) -> None:
    (project / "real").mkdir()
    (project / "real" / "a.py").write_text(LEGACY)
    (project / "alias").symlink_to("real")
    result = compatshim.migrate(["alias", "real"], write=True)
    assert (project / "real" / "a.py").read_text() == MIGRATED
    assert result.left == [] and result.errors == [] and result.ok


@posix_only
@pytest.mark.parametrize("mode", [0o444, 0o555, 0o044])
def test_a_read_only_file_is_not_replaced(
    project: Path, capsys: pytest.CaptureFixture[str], mode: int
) -> None:
    # Renaming over a file needs only its folder's permission: a file its owner cannot write
    # (a Perforce checkout, a vendored copy) was replaced anyway. ruff and black fail on it too.
    app = project / "a.py"
    app.write_text(LEGACY)
    app.chmod(mode)
    (project / "b.py").write_text(LEGACY)
    assert cli.main(["migrate", "--write", "."]) == 1
    assert app.read_text() == LEGACY
    assert stat.S_IMODE(app.stat().st_mode) == mode
    assert (project / "b.py").read_text() == MIGRATED
    err = capsys.readouterr().err
    assert "a.py: cannot write it: the file is read-only [migrate-write]" in err


def test_a_file_changed_between_reading_and_writing_is_left(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from compatshim._static import migrate as _migrate
    from compatshim._static import source as _source

    app = project / "a.py"
    app.write_text(LEGACY)
    real = _source.replace

    def edited_meanwhile(path: str, data: bytes, expected: tuple[int, int, int, int]) -> None:
        with open(path, "a") as file:  # an editor saves it after the worker read it
            file.write("x = 1\n")
        real(path, data, expected)

    monkeypatch.setattr(_migrate, "replace", edited_meanwhile)
    assert cli.main(["migrate", "--write", "."]) == 1
    assert app.read_text() == LEGACY + "x = 1\n"
    assert "a.py: changed since it was read: left unchanged [migrate-changed]" in (
        capsys.readouterr().err
    )


def test_a_file_in_a_folder_the_user_cannot_write_is_named_and_the_rest_migrated(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from compatshim._base import safeio
    from compatshim._static import source as _source

    (project / "locked").mkdir()
    (project / "locked" / "a.py").write_text(LEGACY)
    (project / "b.py").write_text(LEGACY)
    real = safeio.write_replace

    def no_permission(path: str, data: bytes, **kwargs: object) -> None:
        # What creating the temporary file in a folder without write permission raises (root
        # may write anywhere: simulated).
        if os.path.basename(os.path.dirname(os.path.abspath(path))) == "locked":
            raise PermissionError(13, "Permission denied", path)
        real(path, data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_source, "write_replace", no_permission)
    assert cli.main(["migrate", "--write", "."]) == 1
    assert (project / "locked" / "a.py").read_text() == LEGACY
    assert (project / "b.py").read_text() == MIGRATED
    assert sorted(p.name for p in (project / "locked").iterdir()) == ["a.py"]
    err = capsys.readouterr().err
    assert "a.py: cannot write it: Permission denied [migrate-write]" in err


@posix_only
def test_hard_links_are_never_split(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "a.py").write_text(LEGACY)
    os.link(project / "a.py", project / "b.py")
    assert cli.main(["migrate", "--write", "."]) == 1
    assert os.path.samefile(project / "a.py", project / "b.py")
    assert (project / "a.py").read_text() == LEGACY
    err = capsys.readouterr().err
    for name in ("a.py", "b.py"):
        assert (
            f"{name}:1:8: CS101 old is deprecated; use new (the file has 2 hard links, which a "
            "rewrite would split: rewrite it by hand or break the links first [migrate-link])"
        ) in err


# -- C6: regular files only ---------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("command", [["scan"], ["migrate", "--diff"], ["migrate", "--write"]])
def test_fifos_and_devices_are_skipped_not_read(project: Path, command: list[str]) -> None:
    """Outside a git work tree a FIFO named x.py hung both commands, and a link to /dev/zero was
    read until memory ran out."""
    os.mkfifo(project / "x.py")
    (project / "zero.py").symlink_to("/dev/zero")
    (project / "app.py").write_text(LEGACY)
    proc = run_cli(project, *command, ".")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (
        "compatshim: skipped x.py: a FIFO, not a regular file: only regular files are read "
        "[source-not-regular]"
    ) in proc.stderr
    assert "skipped zero.py: a character device, not a regular file" in proc.stderr
    assert stat.S_ISFIFO(os.lstat(project / "x.py").st_mode)
    assert os.readlink(project / "zero.py") == "/dev/zero"


# -- U4: what cannot be read fails the scan, with the line --------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            b"import old\nx = 1\ny = '\xff'\n",
            "cannot decode it as utf-8: byte 0xff, invalid start byte (line 3) [source-encoding]",
        ),
        (
            b"\xef\xbb\xbfimport old\ny = '\xff'\n",
            "cannot decode it as utf-8: byte 0xff, invalid start byte (line 2) [source-encoding]",
        ),
        (
            b"# -*- coding: nope -*-\nimport old\n",
            "cannot decode it: unknown encoding: nope (line 1) [source-encoding]",
        ),
        (
            b"import old\nx = 1\x00\n",
            (
                "not valid Python: source code string cannot contain null bytes (line 2) "
                "[source-syntax]"
            ),
        ),
        (b"import old\ndef (:\n", "not valid Python: invalid syntax (line 2) [source-syntax]"),
        (
            # CPython's parser gives up (MemoryError on 3.9 to 3.13): the user's code, not a bug.
            b"import old\nx = " + b"-" * 200_000 + b"1\n",
            (
                "not valid Python: too deeply nested for Python's parser (MemoryError) (line 2) "
                "[source-syntax]"
            ),
        ),
    ],
)
def test_a_file_that_cannot_be_read_fails_the_scan_with_its_line(
    project: Path, capsys: pytest.CaptureFixture[str], raw: bytes, reason: str
) -> None:
    """The only file with legacy uses cannot be decoded or parsed: exit 1, not 0, and the
    reason names the line (never "line None", never "please report it")."""
    (project / "app.py").write_bytes(raw)
    (project / "clean.py").write_text("import new\n")
    assert cli.main(["scan"]) == 1
    out, err = capsys.readouterr()
    assert f"compatshim: skipped app.py: {reason}\n" in err
    assert "None" not in err and "please report" not in err
    assert "No legacy paths used" in out
    assert cli.main(["scan", "--exit-zero"]) == 0
    assert cli.main(["migrate", "--diff"]) == 1
    assert f"skipped app.py: {reason}" in capsys.readouterr().err


# -- U4: streamed output ------------------------------------------------------------------------


def _finding(index: int) -> Finding:
    finding = Finding("CS103", 0, f"old.x{index}", f"new.x{index}", "old")
    finding.file, finding.line, finding.column = f"pkg/m{index // 3}.py", index + 1, 5
    return finding


@pytest.mark.parametrize("fmt", _scan_render.FORMATS)
def test_output_is_written_while_the_findings_come(fmt: ScanFormat) -> None:
    """Each finding is written before the next one is produced: nothing accumulates."""
    events: list[str] = []

    def findings() -> Iterator[Finding]:
        for index in range(3):
            events.append(f"produce {index}")
            yield _finding(index)

    result = ScanResult()
    _scan_render.write(result, findings(), fmt, lambda text: events.append("write"))
    produced = [i for i, event in enumerate(events) if event.startswith("produce")]
    assert all("write" in events[a:b] for a, b in zip(produced, produced[1:]))


def test_streamed_json_and_sarif_are_the_documents_json_dumps_would_write() -> None:
    result = ScanResult()
    result.findings = [_finding(i) for i in range(4)]
    result.found, result.found_files, result.files, result.parsed = 4, 2, 9, 3
    result.errors = [("bad.py", 'not valid Python: "quoted" \\ é (line 1) [source-syntax]')]
    result.adoption = [compatshim.Adoption("old", "new", 4, 1)]
    text = result.render("json")
    document = json.loads(text)
    assert text == json.dumps(document, indent=2) + "\n"
    assert [f["legacy"] for f in document["findings"]] == [f"old.x{i}" for i in range(4)]
    assert document["adoption"][0]["ratio"] == 0.2
    assert document["errors"][0]["message"].startswith('not valid Python: "quoted"')
    sarif = result.render("sarif")
    assert sarif == json.dumps(json.loads(sarif), indent=2) + "\n"
    assert len(json.loads(sarif)["runs"][0]["results"]) == 4
    empty = ScanResult()
    for fmt in ("json", "sarif"):
        assert empty.render(fmt) == json.dumps(json.loads(empty.render(fmt)), indent=2) + "\n"


def test_the_command_line_keeps_no_findings(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "a.py").write_text("import old\n" * 3)
    kept: list[ScanResult] = []
    real = ScanResult.__init__

    def spy(self: ScanResult) -> None:
        real(self)
        kept.append(self)

    monkeypatch.setattr(ScanResult, "__init__", spy)
    assert cli.main(["scan", "--format", "json"]) == 1
    assert len(json.loads(capsys.readouterr().out)["findings"]) == 3
    (result,) = kept
    assert result.findings == [] and result.found == 3


# -- C7: killed in the middle of migrate --write ------------------------------------------------

_DRIVER = """
import sys
import compatshim
print("started", flush=True)
compatshim.migrate(["."], write=True, jobs=2)
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; nobody may be reaping it here


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc to find the workers")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_write_leaves_each_file_old_or_new_and_no_worker(project: Path, sig: int) -> None:
    count = 1600
    body = "import old.mod\n" + "".join(f"v{i} = old.mod.Old\n" for i in range(40))
    old_text = {f"m{i:04}.py": body + f"# {i}\n" for i in range(count)}
    for name, text in old_text.items():
        (project / name).write_text(text)
    from compatshim._static.pipeline import static_table
    from compatshim._static.rewrite import rewrite

    table = static_table(project / "pyproject.toml")
    new_text = {name: rewrite(text, table)[0] for name, text in old_text.items()}
    assert all(new_text[n] != old_text[n] for n in old_text)
    (project / "driver.py").write_text(textwrap.dedent(_DRIVER))
    before = os.stat(project).st_mtime_ns
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parent = subprocess.Popen(
        [sys.executable, "driver.py"], cwd=project, env=env, stdout=subprocess.PIPE
    )
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline() == b"started\n"
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        # Kill it once the workers run and the first file was replaced (the folder changed).
        while time.monotonic() < deadline and parent.poll() is None:
            workers |= _children(parent.pid)
            if workers and os.stat(project).st_mtime_ns != before:
                break
            time.sleep(0.005)
        assert parent.poll() is None, "finished before it could be killed"
        workers |= _children(parent.pid)
        os.kill(parent.pid, sig)
        parent.wait(timeout=60)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        assert parent.stdout is not None
        parent.stdout.close()
    assert workers, "no worker process was seen"
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in workers if _alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == [], "workers outlived the parent"
    states = {"old": 0, "new": 0}
    for name, old in old_text.items():
        text = (project / name).read_text()
        assert text in (old, new_text[name]), name
        states["old" if text == old else "new"] += 1
    assert states["new"] >= 1 and states["old"] >= 1, states
    # At most the one temporary file being written when the signal came is left.
    assert len([p for p in os.listdir(project) if p.endswith(".compatshim-tmp")]) <= 1
