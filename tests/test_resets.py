"""Forgetting the process state in one call: every registered reset, the last registered first."""

from __future__ import annotations

import pytest

from compatshim._base import resets


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    # A registry of its own: the real one holds compatshim's resets.
    monkeypatch.setattr(resets, "_resets", [])
    return []


def test_resets_run_last_registered_first(registry: list[str]) -> None:
    """A module is imported after those it uses: it lets go of its state before they do."""

    @resets.on_uninstall
    def lower() -> None:
        registry.append("lower")

    @resets.on_uninstall
    def higher() -> None:
        registry.append("higher")

    resets.forget_all()
    assert registry == ["higher", "lower"]


def test_a_module_imported_again_replaces_its_reset(registry: list[str]) -> None:
    """importlib.reload registers the same function again: it runs once, the new one."""
    for version in ("old", "new"):

        def reset(version: str = version) -> None:
            registry.append(version)

        resets.on_uninstall(reset)
    resets.forget_all()
    assert registry == ["new"]


def test_every_part_with_installation_state_is_registered() -> None:
    """The modules that keep state an installation leaves behind are all in the one list."""
    import compatshim._runtime.install  # noqa: F401 - registers everything install() loads

    registered = {(r.__module__, r.__qualname__) for r in resets._resets}
    assert registered >= {
        ("compatshim._runtime.install", "_forget_installation"),
        ("compatshim._runtime.hooks", "remove_hooks"),
        ("compatshim._runtime.uses", "forget_warnings"),
        ("compatshim._telemetry.recorder", "Recorder.stop"),
        ("compatshim._model.policy", "forget"),
        ("compatshim._base.diagnostics", "reset"),
        ("compatshim._base.cells", "forget_all"),
    }
