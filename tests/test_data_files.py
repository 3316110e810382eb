"""Data files are untrusted input: links are never followed, bad files are skipped with a slug,
nothing in a file can make ``report`` crash or hang, and any name can be stored."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import socket
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import CANON
from helpers import Project
from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim._telemetry import store as _store
from compatshim._telemetry.store import Hit
from compatshim._telemetry.writer import DataFile
from compatshim.cli import main


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links and signals")


def make_data(
    path: Path, *, hits: int = 5, host: str = "elsewhere", pid: int = 1, file: str = "app.py"
) -> Path:
    """A valid data file of one finished run: ``hits`` hits of ``old`` at ``file``:1."""
    run = {
        "uuid": uuid.uuid4().hex, "host": host, "pid": pid, "started": 1.0, "argv": "[]",
        "python": "3", "compatshim": "0", "root": "/project",
    }  # fmt: skip
    data = DataFile(str(path), run)
    alias = ("old", "canon", None, None, None)
    data.write([Hit(alias, "old", (file, 1, "app"), "", hits, 1.0, 2.0)])
    data.write([Hit(alias, "old", (file, 2, "app"), "test_x", 1, 1.0, 2.0)])
    data.end(3.0)
    data.close()
    return path


def run_report(project: Project, *args: str) -> tuple[int, str, str]:
    """``compatshim report`` in this process: (exit status, stdout, stderr). A traceback fails
    the test; so does a hang (after 30 seconds)."""
    out, err = io.StringIO(), io.StringIO()
    config = str(project.root / "pyproject.toml")
    with no_hang(30), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["report", "--config", config, *args])
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def no_hang(seconds: int) -> Iterator[None]:
    """Fail a block that runs longer than ``seconds``: by an exception, or (stuck in C code,
    where no signal handler runs) by ending this process with every thread's traceback."""
    import faulthandler

    faulthandler.dump_traceback_later(seconds * 2, exit=True)
    if not hasattr(signal, "SIGALRM"):
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
        return

    def hang(*_: Any) -> None:
        raise AssertionError(f"still running after {seconds} seconds: a hang")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


def folder_of(project: Project) -> Path:
    folder = project.root / ".compatshim"
    folder.mkdir(exist_ok=True)
    return folder


# -- links (issue 9, S2) ---------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("target", ["dangling", "existing"])
def test_report_never_follows_a_linked_combined_file(canon_project: Project, target: str) -> None:
    """telemetry.db is a link: refused with one line and a slug; the rest is reported as it is,
    and the link's target is neither created nor touched."""
    folder = folder_of(canon_project)
    make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa")
    victim = canon_project.root / "victim.txt"
    if target == "existing":
        victim.write_text("precious")
        victim.chmod(0o600)
    (folder / "telemetry.db").symlink_to(victim)
    for _ in range(2):
        code, out, err = run_report(canon_project, "--format", "json")
        assert code == 0, err
        assert json.loads(out)["aliases"][0]["hits"] == 6
        assert err.count("[data-file-link]") == 1, err
        assert "telemetry.db: cannot combine into it (a symbolic link" in err
    assert (folder / "telemetry.db").is_symlink()
    assert not (folder / "telemetry.db-journal").exists()
    if target == "existing":
        assert victim.read_text() == "precious"
        assert victim.stat().st_mode & 0o777 == 0o600
    else:
        assert not victim.exists()


@posix_only
@pytest.mark.parametrize("target", ["dangling", "existing"])
def test_report_never_follows_a_linked_per_process_file(
    canon_project: Project, target: str
) -> None:
    """A per-process data file (or a --data file) that is a link is skipped with a slug."""
    folder = folder_of(canon_project)
    make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa")
    victim = canon_project.root / "victim.db"
    if target == "existing":
        make_data(victim, hits=1000)
    before = victim.read_bytes() if target == "existing" else b""
    link = folder / "telemetry.db.elsewhere.2.bbbbbbbb"
    link.symlink_to(victim)
    for _ in range(2):  # combining, then reading the combined file
        code, out, err = run_report(canon_project, "--format", "json")
        assert code == 0, err
        assert json.loads(out)["aliases"][0]["hits"] == 6  # not the 1,000 behind the link
        assert err.count("[data-file-link]") == 1, err
        assert f"skipped {link}: a symbolic link" in err
    code, out, err = run_report(canon_project, "--data", str(link))
    assert code == 2 and "data-file-link" in err and "Traceback" not in err
    assert link.is_symlink()
    assert victim.exists() == (target == "existing")
    if target == "existing":
        assert victim.read_bytes() == before


@posix_only
@pytest.mark.parametrize("planted", ["dangling", "existing", "journal"])
def test_the_writer_never_writes_through_a_link(canon_project: Project, planted: str) -> None:
    """A link planted at the name of this process's data file (or of its journal): the
    program goes on, says so once with a slug, and the link's target is left alone."""
    victim = canon_project.root / "victim.txt"
    if planted != "dangling":
        victim.write_text("precious")
    result = canon_project.run(
        f"""
        import os, socket, uuid, warnings, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        uuid.uuid4 = lambda: uuid.UUID(int=0xABCDEF12 << 96)  # the file name's random part
        name = f".compatshim/telemetry.db.{{socket.gethostname()}}.{{os.getpid()}}.abcdef12"
        if {planted!r} == "journal":
            name += "-journal"
        os.symlink({str(victim)!r}, name)
        import old.pkg
        compatshim.flush()
        print("RESULT", old.pkg.CONSTANT)
        """
    )
    assert "RESULT 42" in result.stdout
    assert result.stderr.count("[data-file-link]") == 1, result.stderr
    assert "recording stops for this process, the program goes on" in result.stderr
    if planted == "dangling":
        assert not victim.exists()
    else:
        assert victim.read_text() == "precious"


# -- project folders with URI characters (D4) -------------------------------------------------


def test_report_in_a_folder_named_with_uri_characters(tmp_path: Path) -> None:
    """'#', '?' and '%' are path characters: the SQLite URI quotes them, and nothing is
    created outside the project."""
    project = Project(tmp_path / "we#ird?dir%41 x").write(CANON).config()
    project.run("import compatshim\ncompatshim.install()\nimport old.pkg\nold.pkg.CONSTANT\n")
    for _ in range(2):  # combining, then reading the combined file
        result = project.command(["-m", "compatshim", "report", "--format", "json"])
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["aliases"][0]["hits"] == 2
    assert [p.name for p in tmp_path.iterdir()] == [project.root.name]


# -- bad data (C5) ------------------------------------------------------------------------------


def loosen(db: sqlite3.Connection, table: str) -> None:
    """Rebuild ``table`` without types or constraints, so that any value can be stored."""
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    db.execute(f"ALTER TABLE {table} RENAME TO loose_{table}")
    db.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
    db.execute(f"INSERT INTO {table} SELECT * FROM loose_{table}")
    db.execute(f"DROP TABLE loose_{table}")


RECURSIVE_VIEW = [
    "DROP TABLE usage",
    (
        "CREATE VIEW usage AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        "SELECT 1 AS run_id, 1 AS alias_id, 'old' AS path, 1 AS site_id, 1 AS context_id, "
        "1 AS hits, 1.0 AS first_seen, 2.0 AS last_seen FROM c"
    ),
]
GENERATED = [
    "DROP TABLE site",
    (
        "CREATE TABLE site (id INTEGER PRIMARY KEY, line INTEGER, module TEXT, "
        "file TEXT GENERATED ALWAYS AS (printf('%.*c', 1000000, 'x')))"
    ),
]
ONLY_META = [f"DROP TABLE {table}" for table in ("run", "alias", "site", "context", "usage")]
# case: (statements, the slug of the line that says it is skipped)
BAD = {
    "only a meta table": (ONLY_META, "data-file-invalid"),
    "hits NULL": (["loosen usage", "UPDATE usage SET hits = NULL"], "data-file-invalid"),
    "time 1e300": (["UPDATE usage SET last_seen = 1e300"], "data-file-invalid"),
    "time 'nan' text": (["loosen usage", "UPDATE usage SET first_seen = 'nan'"],
                        "data-file-invalid"),
    "legacy NULL": (["loosen alias", "UPDATE alias SET legacy = NULL"], "data-file-invalid"),
    "time -1e15": (["UPDATE usage SET first_seen = -1e15"], "data-file-invalid"),
    "hits that overflow a sum": (["UPDATE usage SET hits = 9223372036854775807",
                                  "UPDATE usage SET site_id = 1"], "data-file-invalid"),
    "a usage view over a recursive CTE": (RECURSIVE_VIEW, "data-file-invalid"),
    "a trigger": (["CREATE TRIGGER t AFTER INSERT ON run BEGIN SELECT 1; END"],
                  "data-file-invalid"),
    "a generated column": (GENERATED, "data-file-invalid"),
    "an added column": (["ALTER TABLE site ADD COLUMN extra"], "data-file-invalid"),
    "a column less": (["ALTER TABLE alias DROP COLUMN since"], "data-file-invalid"),
    "a newer schema": (["UPDATE meta SET value = '99' WHERE key = 'schema_version'"],
                       "data-file-newer"),
    "not SQLite": ([], "data-file-invalid"),
}  # fmt: skip


def spoil(path: Path, case: str) -> None:
    if case == "not SQLite":
        path.write_bytes(b"SQLite format 3\0" + b"\xff" * 4000)
        return
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        for statement in BAD[case][0]:
            if statement.startswith("loosen "):
                loosen(db, statement.split()[1])
            else:
                db.execute(statement)


@pytest.mark.parametrize("where", ["committed telemetry.db", "live per-process file", "--data"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_report_skips_bad_data_with_one_line(canon_project: Project, case: str, where: str) -> None:
    """Every hostile or corrupt file is skipped with one line and its slug; never a traceback,
    never a hang; the good data is reported."""
    folder = folder_of(canon_project)
    good = make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa")
    if where == "committed telemetry.db":
        bad = folder / "telemetry.db"
    else:  # a process that still runs: this one
        bad = folder / f"telemetry.db.{socket.gethostname()}.{os.getpid()}.bbbbbbbb"
    make_data(bad, hits=1000, host=socket.gethostname(), pid=os.getpid())
    spoil(bad, case)
    args = ["--data", str(bad), str(good)] if where == "--data" else []
    for fmt in ("text", "json", "markdown"):
        code, out, err = run_report(canon_project, "--format", fmt, *args)
        assert code == 0, err
        assert f"[{BAD[case][1]}]" in err, err
        assert err.count(str(bad)) == 1, err
        if fmt == "json":
            assert json.loads(out)["aliases"][0]["hits"] == 6
    assert bad.exists()  # left for a human to look at


def test_tables_created_by_other_statements_with_our_columns_are_read(tmp_path: Path) -> None:
    """A file whose tables were created by other statements (another layout, no types) than
    ours is judged by its columns, and read."""
    from compatshim._telemetry.datafiles import read_sites

    path = make_data(tmp_path / "telemetry.db.elsewhere.1.aaaaaaaa")
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        for table in ("run", "alias", "site", "context", "usage"):
            loosen(db, table)
    assert sum(row.hits for row in read_sites(str(path))[1]) == 6


def test_a_guard_bounds_the_work_of_reading_a_file(
    canon_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every query runs under a budget of SQLite steps proportional to the file's size."""
    from compatshim._telemetry import datafiles as _datafiles

    good = make_data(folder_of(canon_project) / "telemetry.db.elsewhere.1.aaaaaaaa")
    monkeypatch.setattr(_datafiles, "STEPS_PER_PAGE", 1)
    monkeypatch.setattr(_datafiles, "CHECK_EVERY", 1)
    code, _, err = run_report(canon_project, "--data", str(good))
    assert code == 2 and "more work to read than its size explains" in err, err


def test_schema_1_files_are_read_and_a_combined_file_is_upgraded(canon_project: Project) -> None:
    """Version 1 data files (before BLOB names) are read as they are; combining into a version
    1 telemetry.db makes it version 2."""
    folder = folder_of(canon_project)
    for path in (folder / "telemetry.db", folder / "telemetry.db.elsewhere.1.aaaaaaaa"):
        make_data(path)
        with contextlib.closing(sqlite3.connect(path)) as db, db:
            db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    code, out, err = run_report(canon_project, "--format", "json")
    assert code == 0 and json.loads(out)["aliases"][0]["hits"] == 12, err
    with contextlib.closing(sqlite3.connect(folder / "telemetry.db")) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(_store.SCHEMA_VERSION),)


# -- a fuzz test over corrupted data files -----------------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.sampled_from(["nan", "inf", "1e999", "-1", "", "\x1b]0;x\x07"]),
)
_TABLES = ["meta", "run", "alias", "site", "context", "usage"]


def _base_file() -> bytes:
    with tempfile.TemporaryDirectory() as where:
        path = Path(where) / "base.db"
        make_data(path)
        return path.read_bytes()


_BASE = _base_file()


@st.composite
def corrupted(draw: st.DrawFn) -> tuple[str, Any]:
    kind = draw(st.sampled_from(["bytes", "truncated", "flipped", "cells"]))
    if kind == "bytes":
        return kind, draw(st.binary(max_size=5000))
    if kind == "truncated":
        return kind, draw(st.integers(0, len(_BASE)))
    if kind == "flipped":
        positions = st.integers(0, len(_BASE) - 1)
        return kind, draw(st.lists(st.tuples(positions, st.integers(0, 255)), max_size=20))
    cells = st.tuples(st.sampled_from(_TABLES), st.integers(0, 9), st.integers(1, 3), _VALUES)
    return kind, draw(st.lists(cells, min_size=1, max_size=5))


def _write(path: Path, kind: str, change: Any) -> None:
    if kind == "bytes":
        path.write_bytes(change)
    elif kind == "truncated":
        path.write_bytes(_BASE[:change])
    elif kind == "flipped":
        data = bytearray(_BASE)
        for position, value in change:
            data[position] = value
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(_BASE)
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            for table in _TABLES:
                loosen(db, table)
            for table, column, row, value in change:
                columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
                name = columns[column % len(columns)]
                db.execute(f"UPDATE {table} SET {name} = ? WHERE rowid = ?", (value, row))


@posix_only
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spoiled=corrupted(), fmt=st.sampled_from(["text", "json", "markdown"]))
def test_report_never_crashes_or_hangs_on_a_corrupted_file(
    canon_project: Project, spoiled: tuple[str, Any], fmt: str
) -> None:
    """Random bytes, truncated files, flipped bytes, cells of any type: ``report --data`` exits
    0 with a valid report or 2 with one line, never a traceback or a hang."""
    with tempfile.TemporaryDirectory() as where:
        path = Path(where) / "data.db"
        _write(path, *spoiled)
        code, out, err = run_report(canon_project, "--format", fmt, "--data", str(path))
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("compatshim: error: ") and err.count("\n") == 1, err
    elif fmt == "json":
        json.loads(out)
    assert all(line.isprintable() for line in (out + err).split("\n")), (out, err)


@posix_only
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spoiled=corrupted(), combined=st.booleans())
# A byte of the combined file's index of alias names (its table still reads): merging filed the
# good file's hits under the damaged name, and the file could not be read afterwards.
@example(spoiled=("flipped", [(24568, 128)]), combined=True)
@example(spoiled=("flipped", [(24568, 0)]), combined=True)
def test_combining_never_loses_good_data_to_a_corrupted_file(
    canon_project: Project, spoiled: tuple[str, Any], combined: bool
) -> None:
    """A corrupted per-process file, or a corrupted telemetry.db, beside a good file: the good
    hits are reported, now and after combining, and no traceback or hang."""
    with tempfile.TemporaryDirectory() as where:
        project = Project(Path(where))
        project.config(canon_project.root.joinpath("pyproject.toml").read_text())
        folder = folder_of(project)
        make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa")
        name = "telemetry.db" if combined else "telemetry.db.elsewhere.2.bbbbbbbb"
        _write(folder / name, *spoiled)
        for _ in range(2):
            code, out, err = run_report(project, "--format", "json")
            assert code == 0, err
            (alias,) = [a for a in json.loads(out)["aliases"] if a["legacy"] == "old"]
            assert alias["hits"] >= 6, err  # a file spoiled in one cell may still count


# -- names that are not UTF-8 (D3) ----------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
def test_a_file_name_that_is_not_utf8_is_recorded_and_stops_nothing(canon_project: Project) -> None:
    """A site in bad\\xffdir/mod.py is stored losslessly; every other hit is still recorded."""
    bad = os.fsencode(canon_project.root) + b"/bad\xffdir"
    os.mkdir(bad)
    with open(bad + b"/mod.py", "w") as file:
        file.write("import old.pkg\nold.pkg.CONSTANT\n")
    result = canon_project.run(
        """
        import os, sys, warnings, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        sys.path.insert(0, os.fsdecode(b"bad\\xffdir"))
        import mod
        compatshim.flush()
        import old.pkg
        for _ in range(3):
            old.pkg.CONSTANT
        """
    )
    assert "telemetry-write" not in result.stderr, result.stderr
    report = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    assert report.returncode == 0, report.stderr
    (alias,) = json.loads(report.stdout)["aliases"]
    sites = {(s["file"], s["line"]): s["hits"] for s in alias["sites"]}
    assert sites == {
        ("bad\udcffdir/mod.py", 1): 1,
        ("bad\udcffdir/mod.py", 2): 1,
        ("main.py", 7): 1,
        ("main.py", 9): 3,
    }
    text = canon_project.command(["-m", "compatshim", "report"], env={"COLUMNS": "120"})
    assert text.returncode == 0 and "bad\\xffdir/mod.py:1" in text.stdout
    assert os.fsencode("bad\udcffdir/mod.py") == b"bad\xffdir/mod.py"  # the name, exactly


def test_store_text_round_trips_any_string() -> None:
    """Every Python string is stored as itself or as bytes that decode back to it."""
    for value in ["plain", "ünïcode", "bad\udcffdir", "\ud800 lone", ""]:
        stored = _store.text(value)
        back = stored.decode("utf-8", "surrogatepass") if isinstance(stored, bytes) else stored
        assert back == value


def test_random_names_round_trip_through_a_data_file(tmp_path: Path) -> None:
    """Names with lone surrogates (any of them) come back from the report as they went in."""
    from compatshim._telemetry import report as _report

    rng = random.Random(7)
    names = ["".join(chr(rng.choice([0xDC80 + rng.randrange(128), 0xD800, 0x41, 0xE9]))
                     for _ in range(8)) for _ in range(20)]  # fmt: skip
    for i, name in enumerate(names):
        make_data(tmp_path / f"d{i}.db", file=name)
    data = _report.load(None, [str(tmp_path / f"d{i}.db") for i in range(len(names))])
    assert {site.file for usage in data.aliases.values() for site in usage.sites.values()} == set(
        names
    )
