"""Report compatshim's own faults once, without ever disturbing the program it runs in.

Reports go to the ``compatshim`` logger (imported on the first report only). With no logging
configured, Python's last-resort handler prints them to stderr.
"""

from __future__ import annotations

from .locks import ForkSafeLock
from .resets import on_uninstall


__all__ = ["report_once", "reported"]

_lock = ForkSafeLock()
_seen: set[tuple[str, str]] = set()


def report_once(slug: str, message: str, *, key: str = "") -> bool:
    """Log ``message`` under ``slug`` the first time this ``(slug, key)`` pair is seen.

    :returns: whether it was logged now. Never raises.
    """
    with _lock:
        if (slug, key) in _seen:
            return False
        _seen.add((slug, key))
    try:
        import logging

        logging.getLogger("compatshim").warning("compatshim: %s [%s]", message, slug)
    except Exception:  # noqa: BLE001, S110  # pragma: no cover - logging is broken; nothing left
        pass
    return True


def reported() -> frozenset[tuple[str, str]]:
    """The ``(slug, key)`` pairs reported so far in this process."""
    with _lock:
        return frozenset(_seen)


@on_uninstall
def reset() -> None:
    """Forget what was reported (for :func:`compatshim.uninstall`)."""
    with _lock:
        _seen.clear()
