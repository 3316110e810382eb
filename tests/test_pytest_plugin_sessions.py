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
