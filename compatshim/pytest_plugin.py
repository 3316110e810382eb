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
from compatshim._base import safeio as _safeio
from compatshim._runtime import install as _install
from compatshim._runtime import uses as _sites
from compatshim._telemetry import recorder as _telemetry
from compatshim._telemetry import report as _report


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


def _configured(rootpath: Any) -> str | None:
    # The rootdir's pyproject.toml, if it has a [tool.compatshim] table.
    path = os.path.join(str(rootpath), "pyproject.toml")
    try:
        # A regular file only: a FIFO or device named pyproject.toml must not hang pytest.
        if b"compatshim" not in _safeio.read_regular(path):
            return None
    except OSError:
        return None
    try:
        compatshim.load_config(path)
    except compatshim.ConfigError as exc:
        if exc.slug == "config-no-table":
            return None  # a pyproject.toml that merely mentions compatshim
        raise
    return path


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    try:
        path = _configured(early_config.rootpath)
    except compatshim.ConfigError as exc:
        raise pytest.UsageError(f"compatshim: {exc}") from None
    if path is None:
        return
    try:
        compatshim.install(path)
    except compatshim.ConfigError as exc:
        raise pytest.UsageError(f"compatshim: {exc}") from None
    # Options are parsed completely only later; this early, they are in known_args_namespace.
    if getattr(early_config.known_args_namespace, "compatshim_strict", False):
        _install.set_policy_override("error")
    early_config.pluginmanager.register(_Session(early_config), "compatshim-session")


class _Session:
    """The per-session part: contexts, warnings per test, summary, xdist hand-over."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # Each xdist worker's summary rows (sent back as lists through execnet).
        self.workers: list[list[tuple[str, str, str, int]]] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        # Each test sees the warnings of the legacy paths it uses, and its hits are its own.
        _sites.reset_warnings()
        _telemetry.set_context(item.nodeid)
        try:
            yield
        finally:
            _telemetry.set_context("")

    @pytest.hookimpl(tryfirst=True)  # before xdist's worker sends its output to the controller
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        _telemetry.flush()
        if self._worker:
            self.config.workeroutput["compatshim"] = _summary_rows()  # type: ignore[attr-defined]

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
        rows: dict[tuple[str, str, str], int] = {}
        for source in [_summary_rows(), *self.workers]:
            for legacy, canonical, site, hits in source:
                key = (str(legacy), str(canonical), str(site))
                rows[key] = rows.get(key, 0) + int(hits)
        _combine_workers()
        if not rows:
            return
        terminalreporter.section("compatshim: legacy import paths used")
        by_alias: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for (legacy, canonical, site), hits in rows.items():
            by_alias.setdefault((legacy, canonical), []).append((site, hits))
        for (legacy, canonical), sites in sorted(by_alias.items()):
            total = sum(hits for _, hits in sites)
            terminalreporter.write_line(
                f"{legacy.replace(':', '.')} -> {canonical.replace(':', '.')}: "
                f"{total} hits at {len(sites)} sites"
            )
            for site, hits in sorted(sites, key=lambda s: (-s[1], s[0])):
                terminalreporter.write_line(f"    {hits:>6}  {site}")


def _summary_rows() -> list[tuple[str, str, str, int]]:
    # This process's hits, per alias and site (all contexts together), in a JSON-able form.
    return _telemetry.recorder.summary()


def _combine_workers() -> None:
    # The controller merges every process's data file (its own and the workers') once at the end.
    recorder = _telemetry.recorder
    if recorder.data_file:
        try:
            _report.combine_all(recorder.data_file, but=recorder.own_file)
        except Exception:  # noqa: BLE001, S110 - a report combines later; never fail the session
            pass
