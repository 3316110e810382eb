"""compatshim's pytest plugin, active when the rootdir's ``pyproject.toml`` has ``[tool.compatshim]``.

It installs compatshim before the initial conftest files are imported (so their legacy imports
are seen), attributes every hit inside a test to the test's node id, lets each test see the
warnings of the legacy paths it uses (as ``pytest.warns`` expects), lists the legacy paths used
in the terminal summary, and with ``--compatshim-strict`` turns every use into an error.
Under pytest-xdist each worker writes its own data; the controller combines them.
``-p no:compatshim`` disables it. PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from typing import Any

import pytest

import compatshim
from compatshim._base.errors import pointer
from compatshim._model import policy as _policy
from compatshim._model.config import configured
from compatshim._runtime import install as _runtime


if TYPE_CHECKING:
    from collections.abc import Generator


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("compatshim", "legacy import paths (compatshim)")
    group.addoption(
        "--compatshim-strict",
        action="store_true",
        default=False,
        help="fail every test that uses a legacy import path (policy 'error' for every alias)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # The rootdir's pyproject.toml, if it has a [tool.compatshim] table.
    path = os.path.join(str(early_config.rootpath), "pyproject.toml")
    try:
        if not configured(path):
            return
        compatshim.install(path)
    except compatshim.ConfigError as exc:
        raise pytest.UsageError(f"compatshim: {exc} {pointer(exc.slug)}") from None
    session = _Session(early_config)
    # Options are parsed completely only later; this early, they are in known_args_namespace.
    if getattr(early_config.known_args_namespace, "compatshim_strict", False):
        _runtime.set_policy_override("error")
    early_config.pluginmanager.register(session, "compatshim-session")


#: This process's hits when its last pytest session ended (see ``_Session.before``).
_summarised: list[tuple[str, str, str, int]] = []


class _Session:
    """The per-session part: contexts, warnings per test, summary, xdist hand-over."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # Each xdist worker's summary rows (sent back as lists through execnet).
        self.workers: list[list[tuple[str, str, str, int]]] = []
        # What an earlier session in this process (pytest.main() again) had summarised: the
        # summary is this session's alone (with the uses made before it, by plugins).
        self.before = _summarised
        # The policy override before --compatshim-strict, put back when the session ends.
        self.override = _policy.get_override()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        # Each test sees the warnings of the legacy paths it uses, and its hits are its own.
        _runtime.set_context(item.nodeid)
        try:
            yield
        finally:
            _runtime.set_context("")

    @pytest.hookimpl(tryfirst=True)  # before xdist's worker sends its output to the controller
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        compatshim.flush()
        if self._worker:
            from compatshim._telemetry.report import process_hits

            self.config.workeroutput["compatshim"] = process_hits()  # type: ignore[attr-defined]

    def pytest_unconfigure(self) -> None:
        # A later session in this process (pytest.main() again) starts from the user's policy,
        # and summarises what it counts after this one.
        global _summarised
        from compatshim._telemetry.report import process_hits

        _runtime.set_policy_override(self.override)
        _summarised = process_hits()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        rows = getattr(node, "workeroutput", {}).get("compatshim")
        if rows:
            self.workers.append(rows)

    @property
    def _worker(self) -> bool:
        # xdist gives a worker's config its workerinput only after the initial conftests.
        return hasattr(self.config, "workerinput")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self._worker:
            return
        # The controller's own hits and its workers', and every data file combined once.
        from compatshim._telemetry.report import combine_session
        from compatshim._telemetry.report import process_hits
        from compatshim._telemetry.report import session_summary

        verbose = int(self.config.getoption("verbose", 0) or 0)
        rows = [process_hits(), *self.workers]
        lines = session_summary(rows, before=self.before, all_sites=verbose > 0)
        combine_session()
        if lines:
            terminalreporter.section("compatshim: legacy import paths used")
            for line in lines:
                terminalreporter.write_line(line)
