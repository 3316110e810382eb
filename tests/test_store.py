"""The telemetry store, in process: file names, typed rows, combining each run once."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from compatshim._telemetry import combine
from compatshim._telemetry import store
from compatshim._telemetry.datafiles import read_sites
from compatshim._telemetry.store import Hit
from compatshim._telemetry.writer import DataFile


ALIAS = ("old", "canon", "1.0", None, None)


def write(path: Path, hits: dict[tuple[str, int], int], *, host: str = "elsewhere",
          pid: int = 1, ended: bool = True) -> str:  # fmt: skip
    """A data file of one run with ``hits`` per (file, line) of ``old``."""
    run = {
        "uuid": uuid.uuid4().hex, "host": host, "pid": pid, "started": 1.0, "argv": "[]",
        "python": "3", "compatshim": "0", "root": "/project",
    }  # fmt: skip
    data = DataFile(str(path), run)
    data.write(
        Hit(ALIAS, "old", (file, line, "app"), "", n, 1.0, 2.0) for (file, line), n in hits.items()
    )
    if ended:
        data.end(3.0)
    data.close()
    return str(path)


@given(host=st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?", fullmatch=True))
def test_a_process_file_names_its_writer(host: str) -> None:
    """The per-process name is ``<data_file>.<host>.<pid>.<random>``, and reads back."""
    data_file = "/p/.compatshim/telemetry.db"
    name = f"{data_file}.{host}.{os.getpid()}.0123abcd"
    assert store.writer_of(name, data_file) == (host, os.getpid())
    assert store.writer_of(f"{data_file}.tmp", data_file) is None
    assert store.writer_of(f"{data_file}.h.\u00b2.x", data_file) is None  # a digit, but not ASCII


def test_process_files_finds_the_files_of_processes_and_nothing_else(tmp_path: Path) -> None:
    """The glob finds per-process files beside the data file, not journals or temporary files."""
    data_file = str(tmp_path / "telemetry.db")
    mine = store.process_file(data_file)
    assert store.writer_of(mine, data_file) == (socket.gethostname(), os.getpid())
    for name in (
        mine,
        f"{mine}-journal",
        f"{data_file}.x.1.y.tmp",
        data_file,
        f"{data_file}.a.2.b",
    ):
        Path(name).write_bytes(b"")
    assert store.process_files(data_file) == sorted([mine, f"{data_file}.a.2.b"])


def test_rows_are_read_back_per_alias_and_site(tmp_path: Path) -> None:
    """What the writer stored comes back as typed rows, added up per site over contexts."""
    path = write(tmp_path / "a.db", {("app.py", 1): 3, ("app.py", 2): 4})
    runs, rows = read_sites(path)
    assert len(runs) == 1
    assert sorted((r.file, r.line, r.hits) for r in rows) == [("app.py", 1, 3), ("app.py", 2, 4)]
    row = rows[0]
    assert (row.legacy, row.canonical, row.since, row.removed_in, row.module) == (
        "old", "canon", "1.0", None, "app",
    )  # fmt: skip
    assert read_sites(path, skip=runs) == ([], [])  # a run already read is not read again


def test_combining_twice_counts_each_run_once(tmp_path: Path) -> None:
    """Merged sources are deleted; a run already in the combined file is never merged again."""
    target = str(tmp_path / "telemetry.db")
    first = write(tmp_path / "telemetry.db.elsewhere.1.aaaa", {("a.py", 1): 2})
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(first).read_bytes())
    merged, skipped, _ = combine.combine(target, [first])
    assert merged == [first] and skipped == [] and not os.path.exists(first)
    merged, skipped, _ = combine.combine(target, [str(copy)])  # the same run again
    assert merged == [str(copy)] and skipped == []
    runs, rows = read_sites(target)
    assert len(runs) == 1 and [r.hits for r in rows] == [2]


def test_only_files_no_process_will_write_again_are_combined(tmp_path: Path) -> None:
    """A file of this (running) process is read as it is; an ended run elsewhere is combined."""
    data_file = str(tmp_path / "telemetry.db")
    done = write(Path(f"{data_file}.elsewhere.7.aaaa"), {("a.py", 1): 1})
    live = write(
        Path(f"{data_file}.{socket.gethostname()}.{os.getpid()}.bbbb"),
        {("b.py", 1): 1},
        host=socket.gethostname(),
        pid=os.getpid(),
        ended=False,
    )
    paths, skipped = combine.combine_finished(data_file)
    assert paths == [data_file, live] and skipped == []
    assert not os.path.exists(done) and os.path.exists(live)
    assert combine.combine_finished(str(tmp_path / "none.db")) == ([], [])
    assert not os.path.exists(tmp_path / "none.db")  # nothing to combine: nothing created
