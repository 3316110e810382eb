"""The pytest plugin under adversarial use: sessions in one process, bad configuration, large
summaries, contexts of fixtures, forks and threads, pytest's own options. Run through pytester
in fresh interpreters."""

from __future__ import annotations

import contextlib
import sqlite3
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


def _query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def _contexts(pytester: pytest.Pytester) -> list[tuple[Any, ...]]:
    assert pytester.run(sys.executable, "-m", "compatshim", "report").ret == 0  # combine
    return _query(
        pytester.path / ".compatshim" / "telemetry.db",
        "SELECT s.line, c.name, u.hits FROM usage u JOIN site s ON s.id = u.site_id "
        "JOIN context c ON c.id = u.context_id ORDER BY c.name, s.line",
    )


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    for name, text in CANON.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    pytester.makefile(".toml", pyproject=PYPROJECT)
    pytester.syspathinsert()
    return pytester


TWO_SESSIONS = """
import sys
import pytest

first = pytest.main(["-p", "no:cacheprovider", "-q", "-W", "ignore", *sys.argv[1:], "test_legacy.py"])
print("FIRST", int(first))
second = pytest.main(["-p", "no:cacheprovider", "-q", "-W", "ignore", "test_legacy.py"])
print("SECOND", int(second))
"""

LEGACY = """
def test_uses_legacy():
    import old.pkg
    assert old.pkg.CONSTANT == 42
"""


def test_strict_in_one_session_does_not_leak_into_the_next(suite: pytest.Pytester) -> None:
    """pytest.main twice in one process (as IDEs do): --compatshim-strict in the first session
    does not make the second strict."""
    suite.makepyfile(test_legacy=LEGACY, run_twice=TWO_SESSIONS)
    result = suite.run(sys.executable, "run_twice.py", "--compatshim-strict")
    result.stdout.fnmatch_lines(["*1 failed*", "FIRST 1", "*1 passed*", "SECOND 0"])


def test_each_session_summarises_only_its_own_hits(suite: pytest.Pytester) -> None:
    """pytest.main twice in one process: the second summary counts the second session's hits,
    not the first's again."""
    suite.makepyfile(test_legacy=LEGACY, run_twice=TWO_SESSIONS)
    result = suite.run(sys.executable, "run_twice.py")
    result.stdout.fnmatch_lines(
        [
            "old -> canon: 2 hits at 2 sites",
            "FIRST 0",
            "old -> canon: 2 hits at 2 sites",
            "SECOND 0",
        ]
    )
    assert "4 hits" not in result.stdout.str()


def test_a_bad_configuration_is_one_line_with_its_slug(suite: pytest.Pytester) -> None:
    """An invalid [tool.compatshim] table: pytest stops with one usage error naming the file,
    the line and the slug's page, no traceback."""
    suite.makefile(".toml", pyproject='[tool.compatshim.aliases]\n"old" = 3\n')
    suite.makepyfile(test_legacy=LEGACY)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: compatshim: *pyproject.toml:2: alias 'old' must be *(see *messages.md#*)"]
    )
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_the_summary_stays_short_for_many_sites_and_v_lists_them_all(
    suite: pytest.Pytester,
) -> None:
    """1,000 tests each using a legacy path at its own line: the summary lists ten sites and
    counts the others in one line; -v lists every site."""
    body = "".join(f"def test_{n}():\n    import old.pkg\n\n" for n in range(1000))
    suite.makepyfile(test_many=body)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-W", "ignore")
    result.assert_outcomes(passed=1000)
    result.stdout.fnmatch_lines(
        ["old -> canon: 1000 hits at 1000 sites", "*1  test_many.py:2", "*990  at 990 more sites*"]
    )
    assert len(result.stdout.lines) < 40
    verbose = suite.runpytest_subprocess("-p", "no:cacheprovider", "-v", "-W", "ignore")
    verbose.stdout.fnmatch_lines(["*1  test_many.py:2999"])
    assert "more sites" not in verbose.stdout.str()


CONTEXTS = """
import pytest

@pytest.fixture(scope="session")
def sess():
    import old.pkg
    yield
    old.pkg.CONSTANT

@pytest.fixture(scope="module")
def mod():
    import old.pkg
    yield
    old.pkg.CONSTANT

class TestK:
    @pytest.fixture(scope="class")
    def klass(self):
        import old.pkg
        yield
        old.pkg.CONSTANT

    def test_k(self, sess, mod, klass):
        pass

@pytest.mark.parametrize("v", ["\\u00fc", "a" * 300, "x[y]"], ids=["\\u00fc", "a" * 300, "x[y]"])
def test_p(sess, mod, v):
    import old.pkg.sub

def helper():
    '''
    >>> import old.pkg.deep
    '''
"""


def test_fixtures_count_for_the_test_that_set_them_up_or_tore_them_down(
    suite: pytest.Pytester,
) -> None:
    """A fixture of any scope counts for the test whose setup or teardown ran it: the first test
    that needs it for its setup, the last one for its teardown; a doctest counts for its node
    id; the parameters' ids are kept whole (escaped, brackets, 300 characters)."""
    suite.makepyfile(test_ctx=CONTEXTS)
    result = suite.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "ignore", "--doctest-modules"
    )
    result.assert_outcomes(passed=5)
    long_id = "test_ctx.py::test_p[" + "a" * 300 + "]"
    assert _contexts(suite) == [
        (5, "test_ctx.py::TestK::test_k", 1),  # the first test's setup: every scope
        (11, "test_ctx.py::TestK::test_k", 1),
        (18, "test_ctx.py::TestK::test_k", 1),
        (20, "test_ctx.py::TestK::test_k", 1),  # the class fixture's teardown
        (1, "test_ctx.py::test_ctx.helper", 1),  # the doctest's example, its line 1
        (27, "test_ctx.py::test_p[\\xfc]", 1),
        (27, long_id, 1),
        (7, "test_ctx.py::test_p[x[y]]", 1),  # the session fixture's teardown: the last test
        (13, "test_ctx.py::test_p[x[y]]", 1),  # the module fixture's, in the module's last test
        (27, "test_ctx.py::test_p[x[y]]", 1),
    ]


PROCESSES = """
import os
import threading
import unittest

import pytest

started = threading.Event()
go = threading.Event()
done = threading.Event()

def test_starts_a_thread():
    def later():
        started.set()
        go.wait()
        import old.pkg.sub
        done.set()
    threading.Thread(target=later).start()
    started.wait()

def test_while_the_thread_runs():
    go.set()
    done.wait()

@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_forks():
    pid = os.fork()
    if pid == 0:
        import old.pkg.deep
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0

class TestCase(unittest.TestCase):
    def test_unittest(self):
        import old.pkg
        for n in range(2):
            with self.subTest(n=n):
                import old.pkg.deep.mod
"""


def test_threads_forks_and_unittest_cases_get_a_context(suite: pytest.Pytester) -> None:
    """A thread's uses count for the test running when they happen (it outlived the test that
    started it); a forked child's for the test that forked, in its own data file, combined by
    `compatshim report` (the summary is the pytest processes'); a unittest case and its
    subtests for the case's node id."""
    suite.makepyfile(test_proc=PROCESSES)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*1  test_proc.py:15"])  # the thread's use
    assert "test_proc.py:28" not in result.stdout.str()  # the child's: not in the summary
    assert _contexts(suite) == [
        (34, "test_proc.py::TestCase::test_unittest", 1),
        (37, "test_proc.py::TestCase::test_unittest", 2),
        (28, "test_proc.py::test_forks", 1),
        (15, "test_proc.py::test_while_the_thread_runs", 1),
    ]


MATRIX_TESTS = """
import pytest

def test_legacy():
    import old.pkg
    assert old.pkg.CONSTANT == 42

def test_fails():
    import old.pkg.sub
    assert False

@pytest.mark.xdist_group("g")
def test_canonical():
    import canon.pkg
    assert canon.pkg.CONSTANT == 42
"""

SUMMARY = "*compatshim: legacy import paths used*"


@pytest.mark.parametrize(
    ("args", "ret", "summary"),
    [
        pytest.param([], 1, True, id="plain"),
        pytest.param(["-q"], 1, True, id="-q"),
        pytest.param(["-qq"], 1, True, id="-qq"),
        pytest.param(["--tb=no"], 1, True, id="--tb=no"),
        pytest.param(["-rA"], 1, True, id="-rA"),
        pytest.param(["-x"], 1, True, id="-x"),
        pytest.param(["--maxfail=1"], 1, True, id="--maxfail"),
        pytest.param(["--collect-only"], 0, False, id="--collect-only"),  # no use at collection
        pytest.param(["--import-mode=importlib"], 1, True, id="importlib"),
        pytest.param(["--import-mode=append"], 1, True, id="append"),
        pytest.param(["--import-mode=prepend"], 1, True, id="prepend"),
        pytest.param(["-p", "cacheprovider", "--lf"], 1, True, id="--lf"),
        pytest.param(["-p", "cacheprovider", "--ff"], 1, True, id="--ff"),
        pytest.param(["-n", "2"], 1, True, id="xdist"),
        pytest.param(["-n", "2", "--dist", "loadfile"], 1, True, id="loadfile"),
        pytest.param(["-n", "2", "--dist", "loadgroup"], 1, True, id="loadgroup"),
        pytest.param(["-n", "2", "--maxfail=1"], 2, True, id="xdist-maxfail"),
        pytest.param(
            ["-n", "2", "--compatshim-strict"], 1, False, id="xdist-strict"
        ),  # refused  # xdist: interrupted
    ],
)
def test_pytest_options_never_break_the_run(
    suite: pytest.Pytester, args: list[str], ret: int, summary: bool
) -> None:
    """Whatever pytest's options, the run ends as it would without compatshim (the one failing
    test fails, nothing else), and the summary lists the legacy paths used."""
    if "-n" in args:
        pytest.importorskip("xdist")
    suite.makepyfile(test_matrix=MATRIX_TESTS)
    if "cacheprovider" in args:
        suite.runpytest_subprocess("-W", "ignore")  # a first run, for --lf and --ff
        args = args[2:]
    else:
        args = ["-p", "no:cacheprovider", *args]
    result = suite.runpytest_subprocess(*args, "-W", "ignore")
    assert result.ret == ret, result.stdout.str()
    if summary:
        result.stdout.fnmatch_lines([SUMMARY, "old -> canon: *"])
    else:
        assert "compatshim: legacy import paths used" not in result.stdout.str()
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize(
    ("body", "ret", "outcomes"),
    [
        pytest.param(
            "def test_stop():\n    raise KeyboardInterrupt\n", 2, {"passed": 1}, id="ctrl-c"
        ),
        pytest.param(
            "import pytest\n\ndef test_stop():\n    pytest.exit('bye')\n",
            2,
            {"passed": 1},
            id="pytest.exit",
        ),
    ],
)
def test_an_interrupted_run_still_summarises_and_writes(
    suite: pytest.Pytester, body: str, ret: int, outcomes: dict[str, int]
) -> None:
    """Ctrl-C or pytest.exit() in a test: the run ends as pytest ends it, the summary lists what
    was used before, and the data file has it."""
    suite.makepyfile(test_a="def test_legacy():\n    import old.pkg\n", test_b=body)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore")
    assert result.ret == ret
    result.assert_outcomes(**outcomes)
    result.stdout.fnmatch_lines([SUMMARY, "*1  test_a.py:2"])
    assert _contexts(suite) == [(2, "test_a.py::test_legacy", 1)]


def test_a_collection_error_in_one_file_still_summarises(suite: pytest.Pytester) -> None:
    """A module that cannot be imported: pytest reports it; the legacy uses of the others at
    collection are listed, with no context (no test was running)."""
    suite.makepyfile(
        test_a="import old.pkg\n\ndef test_a():\n    pass\n", test_b="import nowhere\n"
    )
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ModuleNotFoundError: No module named 'nowhere'*"])
    result.stdout.fnmatch_lines([SUMMARY, "*1  test_a.py:1"])
    assert _contexts(suite) == [(1, "", 1)]


def test_a_crashed_xdist_worker_leaves_the_others_counted(suite: pytest.Pytester) -> None:
    """A worker that dies with os._exit loses what it had not written (a crash writes nothing);
    the run goes on with a new worker, and the others' uses are in the summary and the data."""
    pytest.importorskip("xdist")
    suite.makepyfile(
        test_a="import os\n\ndef test_crash():\n    os._exit(3)\n",
        test_b="def test_legacy():\n    import old.pkg\n",
    )
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore", "-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*crashed while running*", SUMMARY, "*1  test_b.py:2"])
    assert (2, "test_b.py::test_legacy", 1) in _contexts(suite)


def test_a_plugin_named_with_p_is_served_under_compatshim_run(suite: pytest.Pytester) -> None:
    """A plugin that `-p` names is imported before any plugin's hook runs, so before compatshim
    can install itself from pytest; under `compatshim run` (installed as the interpreter starts)
    its legacy import works, and the session's summary lists it."""
    suite.makepyfile(myplug="import old.pkg\n", test_z="def test_z():\n    pass\n")
    args = ["-m", "pytest", "-p", "no:cacheprovider", "-p", "myplug", "-W", "ignore"]
    result = suite.run(sys.executable, "-m", "compatshim", "run", "--", sys.executable, *args)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines([SUMMARY, "old -> canon: 1 hits at 1 sites", "*1  myplug.py:1"])


WARNINGS = """
import logging
import warnings

import pytest

def test_deprecation_warning_catches_it():
    with pytest.warns(DeprecationWarning, match="old.pkg is deprecated; import canon.pkg"):
        import old.pkg

def test_recwarn(recwarn):
    import old.pkg.sub
    assert [str(w.message) for w in recwarn.list] == [
        "old.pkg.sub is deprecated; import canon.pkg.sub instead"
    ]

def test_caplog(caplog):
    caplog.set_level(logging.DEBUG)
    import old.pkg.deep
    assert caplog.records == []  # compatshim warns; it does not log
"""


def test_warnings_are_deprecation_warnings_for_warns_recwarn_not_logs(
    suite: pytest.Pytester,
) -> None:
    """compatshim's warning is a DeprecationWarning (pytest.warns(DeprecationWarning) catches
    it), recwarn records it, and nothing goes to logging."""
    suite.makepyfile(test_w=WARNINGS)
    suite.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)


@pytest.mark.parametrize(
    ("args", "env", "ini", "error"),
    [
        pytest.param(["-W", "error"], {}, "", "CompatshimDeprecationWarning", id="-W error"),
        pytest.param([], {}, "error", "CompatshimDeprecationWarning", id="filterwarnings"),
        pytest.param(["--compatshim-strict"], {}, "error", "LegacyPathError", id="strict+filter"),
        pytest.param(
            ["--compatshim-strict", "-W", "error"],
            {"COMPATSHIM_POLICY": "error"},
            "error",
            "LegacyPathError",
            id="strict+policy+filter",
        ),
        pytest.param([], {"COMPATSHIM_POLICY": "error"}, "", "LegacyPathError", id="policy"),
    ],
)
def test_strict_policy_and_warning_filters_fail_the_test_not_the_run(
    suite: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    ini: str,
    error: str,
) -> None:
    """Warnings as errors, the error policy and --compatshim-strict, alone or together: the
    test that uses a legacy path fails with one error naming it; the canonical one passes; the
    run ends normally."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if ini:
        suite.makefile(
            ".toml", pyproject=PYPROJECT + '[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n'
        )
    suite.makepyfile(
        test_s="""
        def test_legacy():
            from old.pkg import CONSTANT

        def test_canonical():
            from canon.pkg import CONSTANT
        """
    )
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([f"E  *{error}: old.pkg is *", "FAILED test_s.py::test_legacy*"])
    if error == "LegacyPathError":  # refused: not a hit (the summary lists the uses that ran)
        assert "compatshim: legacy import paths used" not in result.stdout.str()
    else:  # used, then the warning became an error
        result.stdout.fnmatch_lines([SUMMARY, "*1  test_s.py:2"])


def test_silent_when_the_project_is_not_configured(pytester: pytest.Pytester) -> None:
    """No [tool.compatshim] table: the plugin does nothing (no summary, no data folder, no
    line in pytest's output but the plugins' list)."""
    pytester.makefile(".toml", pyproject="[tool.other]\nx = 1\n")
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--compatshim-strict")
    result.assert_outcomes(passed=1)
    assert "compatshim:" not in result.stdout.str() + result.stderr.str()
    assert not (pytester.path / ".compatshim").exists()


def test_junit_xml_is_untouched(suite: pytest.Pytester) -> None:
    """--junitxml: the report is pytest's, valid, with no compatshim properties (the summary is
    for the terminal; the data file is for `compatshim report`)."""
    import xml.etree.ElementTree as ET

    suite.makepyfile(test_j="def test_j():\n    import old.pkg\n")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "--junitxml=out.xml")
    result.assert_outcomes(passed=1, warnings=1)
    root = ET.parse(suite.path / "out.xml").getroot()
    assert "compatshim" not in ET.tostring(root, encoding="unicode").replace("compatshim-", "")


SHARED = "".join(f"def use_{n}():\n    import old.pkg\n\n" for n in range(20))


def test_records_grow_with_the_sites_each_test_touches(suite: pytest.Pytester) -> None:
    """3,000 tests each using one of 20 sites (all 20 used once at collection): 3,020 records,
    never 3,000 x 20, and the data file stays within 200 bytes a record."""
    suite.makepyfile(shared=SHARED)
    suite.makepyfile(
        test_many="""
        import pytest
        import shared

        for n in range(20):
            getattr(shared, f"use_{n}")()

        @pytest.mark.parametrize("n", range(3000))
        def test_n(n):
            getattr(shared, f"use_{n % 20}")()
        """
    )
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-W", "ignore")
    result.assert_outcomes(passed=3000)
    result.stdout.fnmatch_lines(["old -> canon: 3020 hits at 20 sites"])
    rows = _contexts(suite)
    assert len(rows) == 3020
    assert (suite.path / ".compatshim" / "telemetry.db").stat().st_size < 3020 * 200 + 100_000


INPROCESS = """
import pytest

pytest_plugins = ["pytester"]

def test_inner(pytester):
    pytester.makefile(".toml", pyproject='[tool.compatshim.aliases]\\n"old" = "canon"\\n')
    pytester.makepyfile(test_in="def test_in():\\n    import old.pkg\\n")
    pytester.syspathinsert({root!r})
    strict = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--compatshim-strict")
    strict.assert_outcomes(failed=1)
    again = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-W", "ignore")
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines(["old -> canon: 1 hits at 1 sites"])
"""


def test_pytester_runpytest_inprocess_twice(suite: pytest.Pytester) -> None:
    """A suite that tests a compatshim project with pytester in-process (two sessions in its
    process, the first strict): each inner session is its own (strict or not, its own summary)."""
    outer = suite.mkdir("outer")
    (outer / "test_outer.py").write_text(INPROCESS.format(root=str(suite.path)))
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-p", "pytester", str(outer))
    result.assert_outcomes(passed=1)


def test_an_async_test_counts_for_its_node_id(suite: pytest.Pytester) -> None:
    """pytest-asyncio: the uses in an async test (and in the tasks it awaits) count for it."""
    pytest.importorskip("pytest_asyncio")
    suite.makepyfile(
        test_async="""
        import asyncio
        import pytest

        async def task():
            import old.pkg.sub

        @pytest.mark.asyncio
        async def test_async():
            await asyncio.gather(task())
        """
    )
    suite.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore").assert_outcomes(passed=1)
    assert _contexts(suite) == [(5, "test_async.py::test_async", 1)]


def test_the_summary_on_an_ascii_terminal(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal that cannot show a file's name (PYTHONIOENCODING=ascii): the summary still
    comes, the name escaped, and the run passes."""
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")
    (suite.path / "test_\u00e9t\u00e9.py").write_text("def test_x():\n    import old.pkg\n")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore")
    assert result.ret == 0
    result.stdout.fnmatch_lines([SUMMARY, "*1  test_?*t?*.py:2"])
