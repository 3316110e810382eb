"""The writer of a process's data file: what it stores, and that it keeps nothing per site."""

from __future__ import annotations

import gc
import os
import sqlite3
import tempfile
import tracemalloc
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim._base.errors import StoreError
from compatshim._telemetry.datafiles import read_sites
from compatshim._telemetry.store import SCHEMA
from compatshim._telemetry.store import Hit
from compatshim._telemetry.store import name
from compatshim._telemetry.writer import DataFile


if TYPE_CHECKING:
    from compatshim._telemetry.store import AliasKey


ALIAS: AliasKey = ("old", "canon", None, None, None)
OTHER: AliasKey = ("older", "canon2", "1.0", "2.0", "2030-01-01")


def new_file(path: Path | str) -> DataFile:
    run = {
        "uuid": uuid.uuid4().hex, "host": "h", "pid": 1, "started": 1.0, "argv": "[]",
        "python": "3", "compatshim": "0", "root": "/project",
    }  # fmt: skip
    return DataFile(str(path), run)


def hit(file: str, line: int = 1, module: str = "app", context: str = "", hits: int = 1,
        *, alias: AliasKey = ALIAS, first: float = 1.0, last: float = 2.0) -> Hit:  # fmt: skip
    return Hit(alias, alias[0], (file, line, module), context, hits, first, last)


def stored(path: str) -> dict[tuple[object, ...], tuple[int, float, float]]:
    """Every usage row of the file ``path``, by its names (read by a connection of its own)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT a.legacy, a.canonical, a.since, a.removed_in, a.remove_after, u.path, "
            "s.file, s.line, s.module, c.name, u.hits, u.first_seen, u.last_seen FROM usage u "
            "JOIN alias a ON a.id = u.alias_id JOIN site s ON s.id = u.site_id "
            "JOIN context c ON c.id = u.context_id"
        ).fetchall()
        assert db.execute("SELECT count(*) FROM usage").fetchone()[0] == len(rows)  # all joined
    finally:
        db.close()
    return {
        (tuple(r[:5]), r[5], name(r[6]), r[7], name(r[8]), name(r[9])): (r[10], r[11], r[12])
        for r in rows
    }


def key(row: Hit) -> tuple[object, ...]:
    return (row.alias, row.path, *row.site, row.context)


def test_the_writer_keeps_no_memory_per_site(tmp_path: Path) -> None:
    """Writing thousands of new sites leaves the writer no bigger: nothing is kept per site."""
    data = new_file(tmp_path / "data.db")
    data.write([hit(f"warm{i}.py", i) for i in range(50)])  # opened; statements prepared
    rows = [hit(f"pkg/mod{i // 50}.py", i % 50 + 1, context=f"t{i % 3}") for i in range(3000)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        data.write(rows)
        del rows
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 3000 * 10, f"{kept / 3000:.0f} bytes kept per site written"
    data.close()


def test_sites_are_found_in_the_file_not_remembered(tmp_path: Path) -> None:
    """The writer finds a site's row by its names, each time: if the rows' ids change under it,
    it still adds to the right site."""
    path = str(tmp_path / "data.db")
    data = new_file(path)
    data.write([hit("a.py", 1, hits=1), hit("b.py", 2, hits=1)])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("UPDATE site SET id = id + 100")
    other.execute("UPDATE usage SET site_id = site_id + 100")
    other.close()
    data.write([hit("a.py", 1, hits=5), hit("b.py", 2, hits=6)])
    assert {k[2]: v[0] for k, v in stored(path).items()} == {"a.py": 5, "b.py": 6}
    data.close()


def test_an_unknown_module_and_names_that_are_not_utf8_are_stored(tmp_path: Path) -> None:
    """A site with no importing module ('') and file names with lone surrogates (a name from a
    non-UTF-8 file system) are stored, and read back, as they came."""
    path = str(tmp_path / "data.db")
    data = new_file(path)
    rows = [
        hit("app.py", 3, ""),
        hit("bad\udcffdir/mod.py", 1, "m\udce9", context="test_\ud800"),
        hit("ünïcode.py", 2, ""),
        hit("bad\udcffdir/mod.py", 1, ""),  # the same file and line, another module
    ]
    data.write(rows)
    data.close()
    assert stored(path) == {key(r): (r.hits, 1.0, 2.0) for r in rows}
    assert {(r.file, r.line, r.module) for r in read_sites(path)[1]} == {
        ("app.py", 3, ""), ("bad\udcffdir/mod.py", 1, "m\udce9"), ("ünïcode.py", 2, ""),
        ("bad\udcffdir/mod.py", 1, ""),
    }  # fmt: skip


def test_counts_are_absolute_per_site_and_context(tmp_path: Path) -> None:
    """A row written again replaces its count and last-seen time (its first-seen time stays);
    one site in two contexts is one site with two rows."""
    path = str(tmp_path / "data.db")
    data = new_file(path)
    data.write([hit("a.py", context="t1", hits=2), hit("a.py", context="t2", hits=1)])
    data.write([hit("a.py", context="t1", hits=7, first=5.0, last=9.0)])
    data.close()
    assert stored(path) == {
        key(hit("a.py", context="t1")): (7, 1.0, 9.0),
        key(hit("a.py", context="t2")): (1, 1.0, 2.0),
    }
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM site").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM context").fetchone() == (2,)
    db.close()


def test_a_row_with_a_missing_name_is_refused_not_lost(tmp_path: Path) -> None:
    """A row without a line (a bug upstream) fails the whole write loudly: it is never dropped
    silently, and nothing of that write is stored."""
    path = str(tmp_path / "data.db")
    data = new_file(path)
    data.write([hit("a.py", 1, hits=1)])
    bad = Hit(ALIAS, "old", ("b.py", None, "m"), "", 1, 1.0, 2.0)  # type: ignore[arg-type]
    with pytest.raises((sqlite3.Error, TypeError)):
        data.write([hit("a.py", 1, hits=4), bad])
    data.write([hit("c.py", 1, hits=2)])  # the writer goes on
    data.close()
    assert {k[2]: v[0] for k, v in stored(path).items()} == {"a.py": 1, "c.py": 2}


def test_the_file_holds_only_the_schema_and_a_reopened_file_goes_on(tmp_path: Path) -> None:
    """The writer's working table is its connection's own: the file holds the schema's tables
    only, and a write after close() (another connection) stores into the same file."""
    path = str(tmp_path / "data.db")
    data = new_file(path)
    data.write([hit("a.py", 1, hits=1), hit("b.py", 1, hits=1)])
    data.close()
    data.write([hit("a.py", 1, hits=3), hit("c.py", 1, hits=1)])
    data.end(3.0)
    data.close()
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    assert tables == {"meta", "run", "alias", "site", "context", "usage"}
    assert all(f"CREATE TABLE {table} (" in SCHEMA for table in tables)
    assert {k[2]: v[0] for k, v in stored(path).items()} == {"a.py": 3, "b.py": 1, "c.py": 1}


def test_the_writer_keeps_its_working_rows_in_memory(tmp_path: Path) -> None:
    """The writer's temporary table and statement journals never go to a file of SQLite's
    (in /var/tmp: outside the project), on its first connection or a reopened one; and neither
    waits for an fsync per flush."""
    data = new_file(tmp_path / "data.db")
    for _ in range(2):
        data.write([hit("a.py")])
        assert data._db is not None
        assert data._db.execute("PRAGMA temp_store").fetchone() == (2,)  # MEMORY
        assert data._db.execute("PRAGMA synchronous").fetchone() == (0,)  # OFF, reopened too
        data.close()


def test_a_replaced_file_is_not_written(tmp_path: Path) -> None:
    """After close(), a file deleted (a report combined it) or replaced is not written again."""
    path = str(tmp_path / "data.db")
    data = new_file(path)
    data.write([hit("a.py")])
    data.close()
    replacement = new_file(path + ".new")
    replacement.write([hit("z.py")])
    replacement.close()
    os.replace(path + ".new", path)
    with pytest.raises(StoreError, match="deleted or replaced"):
        data.write([hit("a.py", hits=2)])
    assert {k[2]: v[0] for k, v in stored(path).items()} == {"z.py": 1}


names = st.text(st.characters(exclude_categories=["Cc"]), max_size=6)
rows_strategy = st.lists(
    st.builds(
        hit,
        st.sampled_from(["a.py", "b\udcff.py", "ü.py", "x"]),
        st.integers(1, 3),
        st.sampled_from(["", "app", "m\udce9"]),
        names,
        st.integers(0, 2**40),
        alias=st.sampled_from([ALIAS, OTHER]),
        first=st.floats(0, 10),
        last=st.floats(0, 10),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(writes=st.lists(rows_strategy, min_size=1, max_size=4), reopen=st.booleans())
def test_any_writes_store_the_last_count_of_every_row(
    writes: list[list[Hit]], reopen: bool
) -> None:
    """Whatever rows are written, in any number of writes (closed and reopened between them or
    not), the file holds each row's last count and last-seen time, and its first-seen time."""
    expected: dict[tuple[object, ...], tuple[int, float, float]] = {}
    for rows in writes:
        for row in rows:
            first = expected.get(key(row), (0, row.first_seen, 0.0))[1]
            expected[key(row)] = (row.hits, first, row.last_seen)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "data.db")
        data = new_file(path)
        for rows in writes:
            data.write(rows)
            if reopen:
                data.close()
        data.close()
        assert (stored(path) if os.path.exists(path) else {}) == expected
