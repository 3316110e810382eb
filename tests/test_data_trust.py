"""The data side under attack: links around the data folder, a linked pyproject.toml, reports
racing each other and many writers, hostile counts, read-only folders, leftovers of killed
writes, files from other hosts, and a process whose working folder was deleted."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import CANON
from helpers import Project
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from test_data_files import make_data
from test_data_files import run_report

from compatshim._telemetry import store as _store


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links and signals")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links as their target), for "nothing changed" checks."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = b"-> " + os.fsencode(os.readlink(path))
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


def total_hits(out: str) -> int:
    return sum(alias["hits"] for alias in json.loads(out)["aliases"])


# -- 1. links in and at the data folder -------------------------------------------------------


@posix_only
def test_report_never_writes_through_a_linked_data_folder(
    canon_project: Project, tmp_path: Path
) -> None:
    """.compatshim itself a link to a folder elsewhere: report refuses it with one line and
    exits 2; nothing there is created, combined or deleted."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    make_data(elsewhere / "telemetry.db.elsewhere.1.aaaaaaaa")
    (canon_project.root / ".compatshim").symlink_to(elsewhere)
    before = tree(elsewhere)
    for _ in range(2):
        code, out, err = run_report(canon_project, "--format", "json")
        assert code == 2, (out, err)
        assert "data-file-link" in err, err
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
    assert tree(elsewhere) == before


@posix_only
def test_a_program_never_writes_through_a_linked_data_folder(
    canon_project: Project, tmp_path: Path
) -> None:
    """The program with .compatshim a link: one line, the program goes on, nothing written."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (canon_project.root / ".compatshim").symlink_to(elsewhere)
    result = canon_project.run(
        "import warnings, compatshim\ncompatshim.install()\nwarnings.simplefilter('ignore')\n"
        "import old.pkg\ncompatshim.flush()\nprint('RESULT', old.pkg.CONSTANT)\n"
    )
    assert "RESULT 42" in result.stdout
    assert "link-refused" in result.stderr and "Traceback" not in result.stderr
    assert list(elsewhere.iterdir()) == []


@posix_only
@pytest.mark.parametrize("planted", ["combined-journal", "process-journal", "gitignore"])
def test_report_never_writes_through_links_inside_the_data_folder(
    canon_project: Project, tmp_path: Path, planted: str
) -> None:
    """A link at the combined file's journal, at a per-process file's journal or at the
    .gitignore: nothing is written through it; one line for a refused file, the rest reported."""
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa", hits=5)
    victim = tmp_path / "victim"
    name = {
        "combined-journal": "telemetry.db-journal",
        "process-journal": "telemetry.db.elsewhere.1.aaaaaaaa-journal",
        "gitignore": ".gitignore",
    }[planted]
    (folder / name).symlink_to(victim)
    for _ in range(2):
        code, out, err = run_report(canon_project, "--format", "json")
        assert "Traceback" not in err
        if planted == "combined-journal":
            assert code == 0 and total_hits(out) == 6, err
            assert err.count("[data-file-link]") == 1, err
        elif planted == "process-journal":  # the file refused; the combined file is empty
            assert code == 0 and total_hits(out) == 0, err
            assert err.count("[data-file-link]") == 1, err
        else:
            assert code == 0 and total_hits(out) == 6, err
    assert not victim.exists()
    assert (folder / name).is_symlink()


# -- 2. a linked pyproject.toml ----------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("how", ["found", "--config", "COMPATSHIM_CONFIG"])
def test_a_linked_pyproject_keeps_the_data_in_the_project(tmp_path: Path, how: str) -> None:
    """pyproject.toml a link to a file outside the project: .compatshim is made beside the
    link, in the project; nothing is written beside the link's target."""
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "pyproject.toml").write_text('[tool.compatshim.aliases]\n"old" = "canon"\n')
    project = Project(tmp_path / "project").write(CANON)
    (project.root / "pyproject.toml").symlink_to(outside / "pyproject.toml")
    env = {"COMPATSHIM_CONFIG": "pyproject.toml"} if how == "COMPATSHIM_CONFIG" else {}
    install = (
        "compatshim.install('pyproject.toml')" if how == "--config" else "compatshim.install()"
    )
    project.run(
        f"import warnings, compatshim\n{install}\nwarnings.simplefilter('ignore')\n"
        "import old.pkg\nold.pkg.CONSTANT\n",
        env=env,
    )
    args = ["--config", "pyproject.toml"] if how == "--config" else []
    result = project.command(["-m", "compatshim", "report", "--format", "json", *args], env=env)
    assert result.returncode == 0, result.stderr
    assert total_hits(result.stdout) == 2
    assert sorted(p.name for p in outside.iterdir()) == ["pyproject.toml"]
    assert (project.root / ".compatshim" / "telemetry.db").is_file()


# -- 3. reports racing each other and the writers ---------------------------------------------


WRITER = """
import sys, warnings, compatshim
compatshim.install()
warnings.simplefilter("ignore")
import old.pkg
for _ in range(int(sys.argv[1])):
    old.pkg.CONSTANT
"""

REPORTS = """
import json, subprocess, sys
def report():
    return subprocess.Popen(
        [sys.executable, "-m", "compatshim", "report", "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
writers = [subprocess.Popen([sys.executable, "writer.py", "100"]) for _ in range(6)]
reports = [report() for _ in range(4)]
writers += [subprocess.Popen([sys.executable, "writer.py", "100"]) for _ in range(6)]
reports += [report() for _ in range(4)]
assert all(w.wait() == 0 for w in writers)
results = []
for r in reports:
    out, err = r.communicate()
    results.append([r.returncode, err])
print("RESULT " + json.dumps(results))
"""


@posix_only
def test_concurrent_reports_and_writers_never_crash_and_count_once(canon_project: Project) -> None:
    """Eight reports at once, while twelve programs write and end: no traceback, no file
    merged twice; once all is done, the totals are exact."""
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    for i in range(150):  # files of finished runs, for the reports to fight over
        make_data(folder / f"telemetry.db.elsewhere.{i + 1}.{i:08x}", hits=1)
    canon_project.write({"writer.py": WRITER})
    results = canon_project.run(REPORTS).value
    for code, err in results:
        assert "Traceback" not in err, err
        assert code in (0, 2), err
        assert "locked" not in err and "no such data file" not in err, err
    code, out, err = run_report(canon_project, "--format", "json")
    assert code == 0 and not err, err
    data = json.loads(out)
    assert data["runs"] == 150 + 12
    assert total_hits(out) == 150 * 2 + 12 * 101
    again = run_report(canon_project, "--format", "json")[1]
    assert json.loads(again) == data


# -- 5. hostile counts --------------------------------------------------------------------------


def hostile_file(path: Path, hits: Any) -> Path:
    make_data(path, hits=1)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE usage SET hits = ? WHERE hits = 1 AND context_id = 1", (hits,))
    db.close()
    return path


def test_files_whose_sums_overflow_never_spoil_the_combined_file(canon_project: Project) -> None:
    """Files at the largest count a file may hold, many of them: combining refuses the one that
    would overflow the combined sums, says so once, and every later report still works."""
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    for i in range(3):
        hostile_file(folder / f"telemetry.db.elsewhere.{i + 1}.{i:08x}", 2**53)
    for i in range(3, 600):  # 512 of them reach the most the combined file takes
        hostile_file(folder / f"telemetry.db.elsewhere.{i + 1}.{i:08x}", 2**53 - 2)
    code, _, err = run_report(canon_project, "--format", "json")
    assert code == 0, err
    assert "Traceback" not in err
    for _ in range(2):
        code, _, err2 = run_report(canon_project, "--format", "json")
        assert code == 0 and "telemetry.db:" not in err2, err2
    make_data(folder / "telemetry.db.elsewhere.5000.ffffffff", hits=3)
    code, _out, err = run_report(canon_project, "--format", "json")
    assert code == 0 and "telemetry.db:" not in err, err


HOSTILE = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([2**63 - 1, 2**62, 2**53, 2**53 + 1, -1, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["NaN", "inf", "-1", "9223372036854775808", "1e400", "", "x"]),
    st.binary(max_size=8),
    st.none(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(counts=st.lists(HOSTILE, min_size=1, max_size=6))
def test_hostile_counts_never_spoil_the_combined_file(
    tmp_path_factory: Any, counts: list[Any]
) -> None:
    """Whatever counts data files hold, combining them keeps telemetry.db healthy: every later
    report, with good data added, works and counts the good data exactly."""
    project = Project(tmp_path_factory.mktemp("p")).write(CANON).config()
    folder = project.root / ".compatshim"
    folder.mkdir()
    for i, hits in enumerate(counts):
        try:
            hostile_file(folder / f"telemetry.db.elsewhere.{i + 1}.{i:08x}", hits)
        except sqlite3.IntegrityError:  # NULL: NOT NULL refuses it
            pass
    code, out, err = run_report(project, "--format", "json")
    assert code in (0, 2) and "Traceback" not in err
    before = total_hits(out) if code == 0 else 0
    make_data(folder / "telemetry.db.elsewhere.9999.ffffffff", hits=3)
    for _ in range(2):
        code, out, err = run_report(project, "--format", "json")
        assert code == 0, err
        assert "telemetry.db:" not in err, err
        assert total_hits(out) == before + 4


# -- 4. files from other machines ---------------------------------------------------------------


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def foreign_file(path: Path, *, machine: str | None, boot: str | None, ended: bool) -> Path:
    """A file named and recorded as written by this host name and a pid that is not running
    here, on ``machine`` (``None``: the file does not say), its run ``ended`` or not."""
    make_data(path, host=socket.gethostname(), pid=int(path.name.split(".")[-2]))
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("DELETE FROM meta WHERE key IN ('machine', 'boot')")
        for key, value in (("machine", machine), ("boot", boot)):
            if value is not None:
                db.execute("INSERT INTO meta VALUES (?, ?)", (key, value))
        if not ended:
            db.execute("UPDATE run SET ended = NULL")
    db.close()
    return path


@posix_only
@pytest.mark.skipif(not _store.machine(), reason="no machine id on this system")
@pytest.mark.parametrize(
    ("where", "combined"),
    [
        ("same machine, same boot", True),  # a dead local process: combined
        ("same machine, earlier boot", True),  # every process of an earlier boot has ended
        ("another machine, same host name", False),  # cannot be seen: only an ended run
        ("written before machine ids", True),  # the host name decides, as it did
    ],
)
def test_a_file_from_another_machine_with_the_same_host_name_is_never_taken_for_dead(
    canon_project: Project, where: str, combined: bool
) -> None:
    """Host names are not unique: a file of an unfinished run written on another machine (a
    shared folder, copied artifacts) is read as it is and never combined or deleted, nor its
    hot journal rolled back; one of this machine's dead processes is combined."""
    ours = dict(_store.machine())
    machine, boot = {
        "same machine, same boot": (ours["machine"], ours.get("boot")),
        "same machine, earlier boot": (ours["machine"], "0" * 32),
        "another machine, same host name": ("f" * 32, ours.get("boot")),
        "written before machine ids": (None, None),
    }[where]
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    name = f"telemetry.db.{socket.gethostname()}.{dead_pid()}.abcdef12"
    path = foreign_file(folder / name, machine=machine, boot=boot, ended=False)
    code, out, err = run_report(canon_project, "--format", "json")
    assert code == 0 and not err, err
    assert total_hits(out) == 6
    assert path.exists() != combined
    code, out, err = run_report(canon_project, "--format", "json")
    assert code == 0 and total_hits(out) == 6, err


@posix_only
@pytest.mark.skipif(not _store.machine(), reason="no machine id on this system")
def test_a_hot_journal_from_another_machine_is_never_rolled_back(canon_project: Project) -> None:
    """A hot journal beside a file written on another machine with this host name: its writer
    may be in the middle of a write, so the file is skipped (data-file-unfinished) and both
    files are left as they are."""
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    name = f"telemetry.db.{socket.gethostname()}.{dead_pid()}.abcdef12"
    path = foreign_file(folder / name, machine="f" * 32, boot=None, ended=False)
    journal = Path(f"{path}-journal")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA cache_size = 1")  # the write spills into the file: the journal is hot
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE usage SET hits = hits + 1000")
    db.executemany("INSERT INTO context (name) VALUES (?)", [(f"x{i}" * 50,) for i in range(500)])
    files = path.read_bytes(), journal.read_bytes()  # as a writer killed now leaves them
    db.execute("ROLLBACK")
    db.close()
    path.write_bytes(files[0])
    journal.write_bytes(files[1])
    for _ in range(2):
        code, _out, err = run_report(canon_project, "--format", "json")
        assert code == 0 and "Traceback" not in err, err
        assert err.count("[data-file-unfinished]") == 1, err
    assert (path.read_bytes(), journal.read_bytes()) == files


# -- 6. a read-only project folder ---------------------------------------------------------------


def read_only(project: Project, args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``python <args>`` in ``project`` with the project folder read-only: by permissions
    for an ordinary user; for root (whom permissions do not stop) by a read-only bind mount in
    a mount namespace of its own (``unshare -m``), or the test is skipped."""
    command = [sys.executable, *args]
    if os.geteuid() != 0:
        for folder in (project.root, project.root / ".compatshim"):
            folder.chmod(0o555)
    else:
        root = str(project.root)
        probe = subprocess.run(
            ["unshare", "-m", "sh", "-c", f"mount --bind {root} {root}"],
            capture_output=True, check=False,
        )  # fmt: skip
        if probe.returncode != 0:
            pytest.skip("root, and no mount namespace to make a folder read-only in")
        mount = f"mount --bind {root} {root} && mount -o remount,ro,bind {root} {root}"
        command = ["unshare", "-m", "sh", "-c", f'{mount} && exec "$0" "$@"', *command]
    try:
        return subprocess.run(
            command, cwd=project.root, env=project.env(), capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
    finally:
        if os.geteuid() != 0:
            for folder in (project.root, project.root / ".compatshim"):
                folder.chmod(0o755)


@posix_only
@pytest.mark.parametrize("combined", [False, True])
def test_report_on_a_read_only_project_prints_what_it_can_read(
    canon_project: Project, combined: bool
) -> None:
    """A read-only project (or file system): the report is printed from the files as they
    are, with one line saying that nothing could be combined; no traceback, exit 0."""
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa", hits=5)
    if combined:
        assert run_report(canon_project, "--format", "json")[0] == 0
        make_data(folder / "telemetry.db.elsewhere.2.bbbbbbbb", hits=10)
    before = tree(folder)
    result = read_only(canon_project, ["-m", "compatshim", "report", "--format", "json"])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert total_hits(result.stdout) == (6 + 11 if combined else 6)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "read-only" in result.stderr.lower() or "cannot" in result.stderr, result.stderr
    assert tree(folder) == before


@posix_only
def test_a_program_in_a_read_only_project_goes_on(canon_project: Project) -> None:
    """The program itself, its project read-only: one line, every legacy path works."""
    canon_project.write(
        {
            "main.py": "import compatshim\ncompatshim.install()\nimport old.pkg\nprint(old.pkg.CONSTANT)\n"
        }
    )
    result = read_only(canon_project, ["-W", "ignore", "main.py"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 1, result.stderr


# -- 8. what a killed write leaves behind ---------------------------------------------------------


@posix_only
def test_leftovers_of_killed_writes_are_cleaned_and_never_counted(
    canon_project: Project, tmp_path: Path
) -> None:
    """A temporary file of an interrupted cache write (our own unpredictable name pattern, an
    hour old), and the empty data file of a process killed as it created it: the report removes
    them silently. Anything else (a fresh temporary file, a link or a folder at such a name, a
    name not ours) is left alone, and never followed or counted."""
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa", hits=5)
    stale = folder / ".config.cache.0123456789abcdef.tmp"
    stale.write_text("half a cache")
    fresh = folder / ".config.cache.fedcba9876543210.tmp"
    fresh.write_text("being written")
    linked = folder / ".config.cache.00000000000000aa.tmp"
    victim = tmp_path / "victim"
    victim.write_text("precious")
    linked.symlink_to(victim)
    foreign = folder / ".config.cache.not-ours.tmp"
    foreign.write_text("someone's")
    empty = folder / f"telemetry.db.{socket.gethostname()}.{dead_pid()}.abcdef12"
    empty.write_bytes(b"")
    hour_ago = os.stat(stale).st_mtime - 3600
    for path in (stale, foreign):
        os.utime(path, (hour_ago, hour_ago))
    os.utime(linked, (hour_ago, hour_ago), follow_symlinks=False)
    for _ in range(2):
        code, out, err = run_report(canon_project, "--format", "json")
        assert code == 0 and not err, err
        assert total_hits(out) == 6
    assert not stale.exists() and not empty.exists()
    assert fresh.exists() and foreign.exists() and linked.is_symlink()
    assert victim.read_text() == "precious"


# -- 9. a deleted working folder, and host names ---------------------------------------------------


@posix_only
@pytest.mark.parametrize("case", ["after install", "before import"])
def test_a_deleted_working_folder_and_odd_host_names_never_break_the_program(
    canon_project: Project, case: str
) -> None:
    """Telemetry on, the working folder deleted under the program (after install(), or before
    compatshim is even imported, the configuration named by COMPATSHIM_CONFIG: Python 3.13.0
    cannot import socket then): the program goes on, every legacy path works, and its hits are
    recorded."""
    delete = "gone = tempfile.mkdtemp()\nos.chdir(gone)\nos.rmdir(gone)\n"
    early = case == "before import"
    result = canon_project.run(
        "import os, sys, tempfile, types, warnings\n"
        + (delete if early else "")
        + "import compatshim\ncompatshim.install()\nwarnings.simplefilter('ignore')\n"
        + ("" if early else delete)
        + "import old.pkg\nfor _ in range(3):\n    old.pkg.CONSTANT\n"
        "compatshim.flush()\nimport old.pkg.sub\nprint('RESULT', old.pkg.sub.X)\n",
        env={"COMPATSHIM_CONFIG": str(canon_project.root / "pyproject.toml")},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "RESULT 1" in result.stdout
    assert not result.stderr, result.stderr
    report = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    assert report.returncode == 0, report.stderr
    assert total_hits(report.stdout) == 6


@pytest.mark.parametrize(
    ("nodename", "expected"), [("a/b\\c\0d", "a_b_c_d"), (OSError("none"), ""), ("vm", "vm")]
)
def test_a_host_name_is_always_a_file_name(
    monkeypatch: pytest.MonkeyPatch, nodename: Any, expected: str
) -> None:
    """The host name goes into file names: a '/' (which a host name may hold) cannot make the
    data file's name point into another folder, and a failed lookup is no host name."""
    from compatshim._base import compat

    def uname() -> Any:
        if isinstance(nodename, Exception):
            raise nodename
        return type("U", (), {"nodename": nodename})()

    monkeypatch.setattr(os, "uname", uname, raising=False)
    assert compat.hostname() == expected


# -- 10. promises of docs/security.md and docs/telemetry.md ----------------------------------------


@posix_only
@pytest.mark.parametrize("where", ["combined", "per-process", "--data"])
def test_a_fifo_is_never_read_as_a_data_file(canon_project: Project, where: str) -> None:
    """A FIFO where a data file should be (opening one blocks until a writer comes): never
    opened blocking; refused with one line (data-file-link; at data_file itself, a
    configuration error); the rest reported."""
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa", hits=5)
    fifo = {
        "combined": folder / "telemetry.db",
        "per-process": folder / "telemetry.db.elsewhere.2.bbbbbbbb",
        "--data": canon_project.root / "fifo.db",
    }[where]
    os.mkfifo(fifo)
    args = ["--data", str(fifo), str(folder / "telemetry.db.elsewhere.1.aaaaaaaa")] * (
        where == "--data"
    )
    code, out, err = run_report(canon_project, "--format", "json", *args)
    if where == "combined":  # data_file itself: a configuration error, one line
        assert code == 2 and "not a regular file" in err and "config-bad-value" in err, err
        return
    assert code == 0, err
    assert total_hits(out) == 6
    assert err.count("[data-file-link]") == 1 and "not a regular file" in err, err


@posix_only
def test_a_combined_file_with_another_hard_link_is_never_written(
    canon_project: Project, tmp_path: Path
) -> None:
    """telemetry.db hard-linked to a file elsewhere (writing it would change that file too):
    refused with one line (data-file-link); the per-process files are read as they are and the
    other file is left unchanged."""
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa", hits=5)
    elsewhere = make_data(tmp_path / "elsewhere.db", hits=100)
    os.link(elsewhere, folder / "telemetry.db")
    before = elsewhere.read_bytes()
    code, out, err = run_report(canon_project, "--format", "json")
    assert code == 0, err
    assert "other hard links" in err and err.count("[data-file-link]") == 1, err
    assert total_hits(out) == 6
    assert elsewhere.read_bytes() == before
    assert (folder / "telemetry.db.elsewhere.1.aaaaaaaa").exists()


@posix_only
def test_the_pytest_session_never_combines_through_a_linked_data_folder(
    canon_project: Project, tmp_path: Path
) -> None:
    """The pytest plugin's combining at the end of a session (combine_all): refused for a
    .compatshim that is a link; nothing created or deleted behind it."""
    from compatshim._base.errors import StoreError
    from compatshim._telemetry.combine import combine_all

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    make_data(elsewhere / "telemetry.db.elsewhere.1.aaaaaaaa")
    (canon_project.root / ".compatshim").symlink_to(elsewhere)
    before = tree(elsewhere)
    with pytest.raises(StoreError, match="symbolic link"):
        combine_all(str(canon_project.root / ".compatshim" / "telemetry.db"), "")
    assert tree(elsewhere) == before
