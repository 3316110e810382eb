"""``compatshim combine``: data gathered from other hosts merged idempotently, with file names
remapped by ``[tool.compatshim.paths]``; bad files skipped, the rest combined."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from helpers import Project
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from test_data_files import make_data
from test_data_files import no_hang

from compatshim._telemetry.remap import PathMap
from compatshim._telemetry.store import Hit
from compatshim._telemetry.writer import DataFile
from compatshim.cli import main


PATHS = """
[tool.compatshim.paths]
shop = ["shop/", "/srv/app/shop/", "/home/ci/*/shop/", 'C:\\build\\shop\\']
"""


def host_file(path: Path, file: str, hits: int, *, compatshim: str = "0") -> Path:
    """A data file of one ended run on another host: ``hits`` hits of ``old`` at ``file``:3."""
    run = {
        "uuid": uuid.uuid4().hex, "host": "ci", "pid": 7, "started": 1.0, "argv": "[]",
        "python": "3", "compatshim": compatshim, "root": "/elsewhere",
    }  # fmt: skip
    data = DataFile(str(path), run)
    data.write(
        [Hit(("old", "canon", None, None, None), "old", (file, 3, "shop.ws"), "", hits, 1.0, 2.0)]
    )
    data.end(3.0)
    data.close()
    return path


def cli(project: Project, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    config = str(project.root / "pyproject.toml")
    with no_hang(60), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args[:1], "--config", config, *args[1:]])
    return code, out.getvalue(), err.getvalue()


def sites(project: Project) -> dict[str, int]:
    code, out, err = cli(project, "report", "--format", "json")
    assert code == 0, err
    (alias,) = json.loads(out)["aliases"]
    return {f"{s['file']}:{s['line']}": s["hits"] for s in alias["sites"]}


@pytest.fixture
def gathered(canon_project: Project, tmp_path: Path) -> Path:
    """Artifacts from three hosts, naming shop/ws.py three ways, and one of another file."""
    folder = tmp_path / "artifacts"
    folder.mkdir()
    host_file(folder / "a.db", "/srv/app/shop/ws.py", 10)
    host_file(folder / "b.db", "/home/ci/build-17/shop/ws.py", 20)
    host_file(folder / "c.db", "C:\\build\\shop\\ws.py", 30, compatshim="0.9")  # another version
    host_file(folder / "d.db", "/opt/other/lib.py", 4)
    canon_project.config(canon_project.root.joinpath("pyproject.toml").read_text() + PATHS)
    return folder


def test_combining_the_same_files_twice_or_in_another_order_gives_the_same_totals(
    canon_project: Project, gathered: Path
) -> None:
    """Remapped names count as one site; combining again, file by file in reverse, or a copy
    of a file under another name, adds nothing; the files named are left in place."""
    code, out, err = cli(canon_project, "combine", str(gathered))
    assert code == 0 and not err, err
    assert "combined 4 data files" in out
    first = sites(canon_project)
    assert first == {"shop/ws.py:3": 60, "/opt/other/lib.py:3": 4}
    for name in ("d.db", "c.db", "b.db", "a.db"):
        assert cli(canon_project, "combine", str(gathered / name))[0] == 0
    shutil.copy(gathered / "a.db", gathered.parent / "a-again.db")
    assert cli(canon_project, "combine", str(gathered.parent / "a-again.db"))[0] == 0
    assert sites(canon_project) == first
    assert sorted(p.name for p in gathered.iterdir()) == ["a.db", "b.db", "c.db", "d.db"]


def test_a_corrupt_foreign_or_newer_file_is_skipped_and_the_rest_combined(
    canon_project: Project, gathered: Path
) -> None:
    (gathered / "corrupt.db").write_bytes(b"SQLite format 3\0" + b"\xff" * 200)
    (gathered / "notes.txt").write_text("not a data file")
    newer = host_file(gathered / "newer.db", "shop/ws.py", 1000)
    with contextlib.closing(sqlite3.connect(newer)) as db, db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    code, out, err = cli(canon_project, "combine", str(gathered))
    assert code == 0, err
    assert "combined 4 data files" in out
    lines = err.strip().splitlines()
    assert len(lines) == 3, err
    assert any("corrupt.db" in line and "[data-file-invalid]" in line for line in lines)
    assert any("notes.txt" in line and "[data-file-invalid]" in line for line in lines)
    assert any(
        "newer.db" in line and "[data-file-newer]" in line and "upgrade" in line for line in lines
    )
    assert "Traceback" not in err
    assert sites(canon_project) == {"shop/ws.py:3": 60, "/opt/other/lib.py:3": 4}
    code, _, err = cli(canon_project, "combine", str(gathered / "corrupt.db"))
    assert code == 2 and "corrupt.db" in err


def test_combine_without_paths_combines_the_projects_own_files(canon_project: Project) -> None:
    folder = canon_project.root / ".compatshim"
    folder.mkdir()
    make_data(folder / "telemetry.db.elsewhere.1.aaaaaaaa", hits=5)
    code, out, err = cli(canon_project, "combine")
    assert code == 0 and "combined 1 data file" in out, err
    assert not [p.name for p in folder.iterdir() if p.name.startswith("telemetry.db.")]
    assert sum(sites(canon_project).values()) == 6


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('shop = "shop/"', "list of at least two strings"),
        ('shop = ["shop/"]', "list of at least two strings"),
        ('shop = ["shop/", 3]', "not a printable"),
        ('shop = ["shop/", "a\\tb"]', "not a printable"),
    ],
)
def test_a_bad_paths_table_is_a_configuration_error(
    canon_project: Project, table: str, message: str
) -> None:
    text = canon_project.root.joinpath("pyproject.toml").read_text()
    canon_project.config(text + "\n[tool.compatshim.paths]\n" + table + "\n")
    code, _, err = cli(canon_project, "combine")
    assert code == 2 and message in err and "config-bad-value" in err and "pyproject.toml:" in err


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("/srv/app/shop/ws.py", "shop/ws.py"),
        ("/home/ci/build-3/shop/sub/x.py", "shop/sub/x.py"),
        ("C:\\build\\shop\\sub\\x.py", "shop/sub/x.py"),
        ("c:/BUILD/Shop/x.py", "shop/x.py"),  # a Windows pattern: any case, either separator
        ("/srv/app/shopping/x.py", "/srv/app/shopping/x.py"),  # a prefix ends at a separator
        ("/home/ci/a/b/shop/x.py", "/home/ci/a/b/shop/x.py"),  # * stays within one folder
        ("/SRV/app/shop/x.py", "/SRV/app/shop/x.py"),  # a POSIX pattern: case matters
        (b"/srv/app/shop/\xff.py", b"/srv/app/shop/\xff.py"),  # bytes: never remapped
    ],
)
def test_path_map_maps_prefixes_like_coverage_paths(
    name: str | bytes, expected: str | bytes
) -> None:
    remap = PathMap({"shop": ["shop/", "/srv/app/shop/", "/home/ci/*/shop/", "C:\\build\\shop\\"]})
    assert remap(name) == expected


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    order=st.permutations(range(4)),
    repeats=st.lists(st.integers(0, 3), max_size=4),
)
def test_any_order_and_any_repetition_give_identical_totals(
    tmp_path_factory: pytest.TempPathFactory, order: list[int], repeats: list[int]
) -> None:
    """Whatever the order, and however many times files are combined again, the totals are
    those of combining each once."""
    from compatshim._telemetry.combine import combine
    from compatshim._telemetry.datafiles import read_sites

    where = tmp_path_factory.mktemp("c")
    names = ["/srv/app/shop/ws.py", "/home/ci/x/shop/ws.py", "C:\\build\\shop\\ws.py", "lib.py"]
    files = [str(host_file(where / f"{i}.db", name, 10**i)) for i, name in enumerate(names)]
    remap = PathMap({"shop": ["shop/", "/srv/app/shop/", "/home/ci/*/shop/", "C:\\build\\shop\\"]})
    target = str(where / "telemetry.db")
    for index in [*order, *repeats]:
        combine(target, [files[index]], judge="none", remap=remap, keep=True)
    _, rows = read_sites(target)
    assert sorted((r.file, r.hits) for r in rows) == [("lib.py", 1000), ("shop/ws.py", 111)]


def test_a_configuration_with_a_paths_table_is_never_read_from_the_cache(
    canon_project: Project, gathered: Path
) -> None:
    """The cache cannot hold the paths table: a configuration with one is parsed every time,
    so that a second combine remaps exactly as the first."""
    for _ in range(2):
        assert cli(canon_project, "combine", str(gathered))[0] == 0
        assert not (canon_project.root / ".compatshim" / "config.cache").exists()
    assert sites(canon_project) == {"shop/ws.py:3": 60, "/opt/other/lib.py:3": 4}


def test_combine_names_a_missing_file_and_never_merges_the_combined_file_into_itself(
    canon_project: Project, gathered: Path
) -> None:
    assert cli(canon_project, "combine", str(gathered))[0] == 0
    code, out, err = cli(
        canon_project,
        "combine",
        str(gathered / "nowhere.db"),
        str(canon_project.root / ".compatshim"),
    )
    assert code == 2, (out, err)
    assert "nowhere.db: no such data file [data-file-invalid]" in err
    assert len(err.strip().splitlines()) == 1, err
    assert sites(canon_project) == {"shop/ws.py:3": 60, "/opt/other/lib.py:3": 4}


def test_files_are_merged_in_batches_one_transaction_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """250 files: three write transactions for the merging (batches of 100), not 250; fewer
    files a batch when they are larger than ``BATCH_BYTES`` together."""
    from compatshim._telemetry import combine
    from compatshim._telemetry import merging as module

    files = [str(host_file(tmp_path / f"{i}.db", f"f{i}.py", 1)) for i in range(250)]
    begun: list[str] = []
    from compatshim._telemetry.sqlitefiles import transaction as real

    def counted(
        db: sqlite3.Connection, begin: str = "BEGIN"
    ) -> contextlib.AbstractContextManager[None]:
        if begin == "BEGIN IMMEDIATE":  # a write (not a file read)
            begun.append(begin)
        return real(db, begin)

    monkeypatch.setattr(module, "transaction", counted)
    size = (tmp_path / "0.db").stat().st_size
    merged, skipped, _ = combine.combine(str(tmp_path / "telemetry.db"), files, judge="none")
    assert merged == files and not skipped
    assert len(begun) == 1 + 3  # the combined file's own check, then one per batch
    begun.clear()
    small = [str(host_file(tmp_path / f"small{i}.db", f"f{i}.py", 1)) for i in range(5)]
    monkeypatch.setattr(module, "BATCH_BYTES", 2 * size)
    merged, skipped, _ = combine.combine(str(tmp_path / "t.db"), small, judge="none")
    assert merged == small and not skipped
    assert len(begun) == 1 + 3  # at most two files' bytes a batch


def test_a_file_failing_as_it_is_merged_spoils_no_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merging one file of a batch fails (after its checks passed): the batch is rolled back
    and merged file by file, so only that file is skipped, and every other run counted once."""
    from compatshim._telemetry import combine
    from compatshim._telemetry import merging as module
    from compatshim._telemetry.datafiles import read_sites

    files = [str(host_file(tmp_path / f"{i}.db", f"f{i}.py", 10**i)) for i in range(12)]
    real = module._copy

    def failing(db: sqlite3.Connection, number: int, remapped: bool) -> None:
        (file,) = db.execute("SELECT file FROM batch_site WHERE f = ?", (number,)).fetchone()
        if file == "f3.py":
            raise sqlite3.OperationalError("disk I/O error")
        real(db, number, remapped)

    monkeypatch.setattr(module, "_copy", failing)
    target = str(tmp_path / "telemetry.db")
    merged, skipped, _ = combine.combine(target, files, judge="none", keep=True)
    assert merged == [f for f in files if not f.endswith("/3.db")]
    assert [(s, e.slug) for s, e in skipped] == [(files[3], "data-file-invalid")]
    assert "disk I/O error" in str(skipped[0][1])
    _, rows = read_sites(target)
    assert sorted((r.file, r.hits) for r in rows) == sorted(
        (f"f{i}.py", 10**i) for i in range(12) if i != 3
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(
        st.sampled_from(["good", "corrupt", "newer", "copy", "link", "bad time", "bad text"]),
        max_size=24,
    )
)
def test_bad_files_anywhere_in_a_batch_are_skipped_alone(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str]
) -> None:
    """Whatever bad files sit where in the batches, exactly they are skipped (each with its
    message), and every good run is merged exactly once."""
    import os

    from compatshim._telemetry.combine import combine
    from compatshim._telemetry.datafiles import read_sites

    where = tmp_path_factory.mktemp("b")
    files, expected, bad = [], 0, []
    first = host_file(where / "first.db", "f.py", 1)
    for i, kind in enumerate(kinds):
        path = where / f"{i:02}.db"
        if kind == "good":
            host_file(path, "f.py", 10)
            expected += 10
        elif kind == "copy":  # a run merged already: adds nothing, is no error
            shutil.copy(first, path)
        elif kind == "corrupt":
            path.write_bytes(b"SQLite format 3\0" + b"\xff" * 200)
            bad.append(str(path))
        elif kind == "newer":
            host_file(path, "f.py", 1000)
            with contextlib.closing(sqlite3.connect(path)) as db, db:
                db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
            bad.append(str(path))
        elif kind in ("bad time", "bad text"):  # checked with the rows of its batch
            host_file(path, "f.py", 1000)
            with contextlib.closing(sqlite3.connect(path)) as db, db:
                if kind == "bad time":
                    db.execute("UPDATE usage SET first_seen = -1e15")
                else:
                    db.execute("UPDATE run SET argv = CAST(x'ff' AS TEXT)")
            bad.append(str(path))
        else:
            os.symlink(first, path)
            bad.append(str(path))
        files.append(str(path))
    target = str(where / "telemetry.db")
    merged, skipped, _ = combine(target, [str(first), *files], judge="none", keep=True)
    assert [s for s, _ in skipped] == bad
    assert all(s in str(e) for s, e in skipped)
    assert all(
        ("rows of usage" in str(e)) == (kinds[files.index(s)] == "bad time")
        and ("UTF-8" in str(e)) == (kinds[files.index(s)] == "bad text")
        for s, e in skipped
    )
    assert merged == [str(first), *(f for f in files if f not in bad)]
    _, rows = read_sites(target)
    assert [(r.file, r.hits) for r in rows] == [("f.py", 1 + expected)]


def test_a_pytest_run_with_many_sites_each_in_its_own_test_is_combined(
    canon_project: Project, tmp_path: Path
) -> None:
    """A file's usage rows are merged each by its own ids: the work grows with its rows, not
    with the product of its sites, contexts and rows. (python-dateutil's suite, 391 sites each
    in the test that ran it, took 1.35 billion SQLite steps to merge, past the budget that
    refuses a hostile file: its every hit was skipped as corrupt.)"""
    run = {
        "uuid": uuid.uuid4().hex, "host": "ci", "pid": 7, "started": 1.0, "argv": "[]",
        "python": "3", "compatshim": "0", "root": "/elsewhere",
    }  # fmt: skip
    data = DataFile(str(tmp_path / "pytest.db"), run)
    alias = ("old", "canon", None, None, None)
    site = [(f"tests/test_{n // 40}.py", n, "tests") for n in range(400)]
    data.write([Hit(alias, "old", site[n], f"test_{n}", 1, 1.0, 2.0) for n in range(400)])
    data.write([Hit(alias, "old", site[n], "", 2, 1.0, 2.0) for n in range(400)])
    data.end(3.0)
    data.close()
    code, out, err = cli(canon_project, "combine", str(tmp_path / "pytest.db"))
    assert code == 0 and not err, err
    assert "combined 1 data file" in out
    found = sites(canon_project)
    assert len(found) == 400 and set(found.values()) == {3}
