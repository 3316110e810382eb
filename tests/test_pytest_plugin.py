"""The pytest plugin, run through pytester in fresh interpreters."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import CANON


PYPROJECT = """
[tool.compatshim.aliases]
"old" = "canon"
"""

TESTS = """
import old.pkg

def test_loop():
    for _ in range(3):
        assert old.pkg.CONSTANT == 42

def test_from():
    from old.pkg.sub import f
    assert f() == "f"

def test_canonical():
    import canon.pkg
    assert canon.pkg.CONSTANT == 42
"""


def _query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    files = {name: textwrap.dedent(text).lstrip() for name, text in CANON.items()}
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    pytester.makefile(".toml", pyproject=PYPROJECT)
    pytester.makepyfile(test_legacy=TESTS)
    pytester.syspathinsert()
    return pytester


def test_summary_lists_legacy_paths_and_sites(suite: pytest.Pytester) -> None:
    """Active from the pyproject table alone; the summary names every legacy path and site."""
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, warnings=3)
    result.stdout.fnmatch_lines(
        [
            "*compatshim: legacy import paths used*",
            "old -> canon: 5 hits at 3 sites",
            "*3  test_legacy.py:5",
            "*1  test_legacy.py:1",
            "*1  test_legacy.py:8",
        ]
    )


def test_hits_carry_the_test_node_id(suite: pytest.Pytester) -> None:
    """Each hit inside a test is attributed to that test's node id."""
    suite.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3, warnings=3)
    assert suite.run(sys.executable, "-m", "compatshim", "report").ret == 0  # combine the data
    rows = _query(
        suite.path / ".compatshim" / "telemetry.db",
        "SELECT s.line, c.name, u.hits FROM usage u JOIN site s ON s.id = u.site_id "
        "JOIN context c ON c.id = u.context_id ORDER BY s.line",
    )
    assert rows == [
        (1, "", 1),  # collection: no test yet
        (5, "test_legacy.py::test_loop", 3),
        (8, "test_legacy.py::test_from", 1),
    ]


def test_conftest_level_legacy_imports_are_seen(suite: pytest.Pytester) -> None:
    """The shim is installed before the initial conftest files are imported."""
    suite.makeconftest("import old.pkg.deep.mod\n")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*1  conftest.py:1"])


def test_each_test_sees_its_own_warnings(suite: pytest.Pytester) -> None:
    """pytest.warns in two tests that share one legacy use: both see the warning."""
    suite.makepyfile(
        test_shared="""
        import pytest
        import compatshim

        def shared():
            import old.pkg
            return old.pkg.CONSTANT

        def test_one():
            with pytest.warns(compatshim.CompatshimDeprecationWarning, match="old.pkg"):
                shared()

        def test_two():
            with pytest.warns(compatshim.CompatshimDeprecationWarning, match="old.pkg"):
                shared()
        """
    )
    suite.runpytest_subprocess("-p", "no:cacheprovider", "test_shared.py").assert_outcomes(passed=2)


def test_a_new_test_keeps_the_site_caches_and_counts_only_what_it_touches(
    suite: pytest.Pytester,
) -> None:
    """A test's start retargets the cached counters instead of clearing the caches: the entry of
    a site and what compatshim knows of its code object stay from test to test (the same
    objects), each test still sees its warning and counts its own hits, and a test records only
    the sites it touched (records grow with the sites each test touches, not sites x tests)."""
    suite.makepyfile(
        test_shared="""
        import sys
        import pytest
        import compatshim
        from compatshim._base import cells
        import old.pkg

        def one():
            return old.pkg.CONSTANT

        def two():
            return old.pkg.CONSTANT

        seen = {}

        def entries():
            state = sys.modules["old.pkg"]._compatshim_state  # (old.pkg would be a use)
            return {f.__name__: state.cells.get(id(f.__code__)) for f in (one, two)}

        def test_a():
            with pytest.warns(compatshim.CompatshimDeprecationWarning):
                one()
            one()
            seen["a"] = (entries()["one"], cells._codes.get(id(one.__code__)))
            assert seen["a"][0] is not None and seen["a"][1] is not None

        def test_b():
            with pytest.warns(compatshim.CompatshimDeprecationWarning):
                two()
            # test_a's site: its cache entry and its code object's entry are the same objects
            assert (entries()["one"], cells._codes.get(id(one.__code__))) == seen["a"]
            assert entries()["one"] is seen["a"][0]

        def test_c():
            with pytest.warns(compatshim.CompatshimDeprecationWarning):
                one()
            for _ in range(4):
                one()
            assert entries()["one"] is seen["a"][0]

        def test_d():
            pass
        """
    )
    suite.runpytest_subprocess("-p", "no:cacheprovider", "test_shared.py").assert_outcomes(passed=4)
    assert suite.run(sys.executable, "-m", "compatshim", "report").ret == 0  # combine the data
    rows = _query(
        suite.path / ".compatshim" / "telemetry.db",
        "SELECT s.line, c.name, u.hits FROM usage u JOIN site s ON s.id = u.site_id "
        "JOIN context c ON c.id = u.context_id ORDER BY c.name, s.line",
    )
    assert rows == [
        (5, "", 1),  # the import, at collection
        (8, "test_shared.py::test_a", 2),
        (11, "test_shared.py::test_b", 1),
        (8, "test_shared.py::test_c", 5),
    ]


def test_strict_fails_the_test_that_uses_a_legacy_path(suite: pytest.Pytester) -> None:
    """--compatshim-strict: the test fails with the legacy path, canonical path and line."""
    suite.makepyfile(
        test_legacy="""
        def test_uses_legacy():
            import old.pkg
            assert old.pkg.CONSTANT

        def test_canonical_only():
            import canon.pkg
            assert canon.pkg.CONSTANT
        """
    )
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "--compatshim-strict")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*LegacyPathError: old.pkg is no longer allowed*import canon.pkg instead*test_legacy.py:2)*"
        ]
    )


def test_disabled_with_p_no_compatshim(suite: pytest.Pytester) -> None:
    """-p no:compatshim: nothing installed, so the legacy imports fail as without compatshim."""
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:compatshim")
    result.stdout.fnmatch_lines(["*ModuleNotFoundError: No module named 'old'*"])
    assert "compatshim: legacy import paths used" not in result.stdout.str()


def test_xdist_workers_write_and_the_controller_combines(suite: pytest.Pytester) -> None:
    """Under xdist each worker records its own hits; the summary and the data have them all."""
    pytest.importorskip("xdist")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=3)  # each worker collects, and warns at collection, itself
    result.stdout.fnmatch_lines(["old -> canon: * hits at 3 sites", "*3  test_legacy.py:5"])
    folder = suite.path / ".compatshim"
    assert sorted(p.name for p in folder.glob("telemetry.db*")) == ["telemetry.db"]
    assert _query(folder / "telemetry.db", "SELECT count(*) FROM run") == [(2,)]  # 2 workers
    line_5 = "SELECT sum(hits) FROM usage u JOIN site s ON s.id = u.site_id WHERE s.line = 5"
    assert _query(folder / "telemetry.db", line_5) == [(3,)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_pyproject_toml_never_hangs_the_plugin(tmp_path: Path) -> None:
    """The plugin reads the rootdir's pyproject.toml only if it is a regular file: a FIFO there
    (pytest itself was pointed at another ini file) is no configuration, and the run goes on."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pyproject.toml")
    args = ["-m", "pytest", "-p", "no:cacheprovider", "-c", "pytest.ini", "--rootdir", "."]
    result = subprocess.run(
        [sys.executable, *args, "test_ok.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
