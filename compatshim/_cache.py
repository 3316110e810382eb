"""A cache of validated configurations, so that starting a process does not parse TOML.

Reading ``pyproject.toml`` costs more than everything else compatshim does at start-up: importing
``tomllib`` alone takes longer than installing the finder. The validated settings are kept in
``.compatshim/config.cache`` beside the file, keyed by the file's path, size and CRC-32 and by the
compatshim and Python versions. Any difference, and any problem reading or writing the cache,
falls back to parsing the file. The cache is written only when telemetry is on (with
``telemetry = false`` compatshim writes nothing at all).
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["FOLDER", "load", "make_key", "store"]

#: Version of the cache file. Bump it whenever the payload changes shape.
#: 1: first version: (settings items, alias field tuples).
#: 2: alias field tuples end with ``protocol``.
CACHE_VERSION = 2
#: The folder (beside pyproject.toml) that holds compatshim's local state.
FOLDER = ".compatshim"
_FILE = "config.cache"


def make_key(path: str, raw: bytes) -> tuple[object, ...]:
    """What a cached configuration must match: the file, its content, and both versions."""
    from . import __version__

    return (CACHE_VERSION, path, len(raw), zlib.crc32(raw), __version__, sys.version_info[:2])


def _cache_path(path: str) -> str:
    return os.path.join(os.path.dirname(path), FOLDER, _FILE)


def load(path: str, key: tuple[object, ...]) -> Any:
    """The payload cached for ``key``, or ``None`` (missing, stale, corrupt: all the same)."""
    try:
        with open(_cache_path(path), "rb") as file:
            stored_key, payload = marshal.loads(file.read())
    except Exception:  # noqa: BLE001 - an unreadable cache is only a slower start
        return None
    return payload if stored_key == key else None


def ensure_folder(folder: str) -> None:
    """Create compatshim's state folder with a ``.gitignore`` that ignores everything in it."""
    os.makedirs(folder, exist_ok=True)
    ignore = os.path.join(folder, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w", encoding="utf-8") as file:
            file.write("# Created by compatshim: local state, never committed.\n*\n")


def store(path: str, key: tuple[object, ...], payload: Any) -> None:
    """Cache ``payload`` for ``key``; failures (read-only folder, full disk) are ignored."""
    target = _cache_path(path)
    temporary = f"{target}.{os.getpid()}.tmp"
    try:
        ensure_folder(os.path.dirname(target))
        with open(temporary, "wb") as file:
            content: Any = (key, payload)
            file.write(marshal.dumps(content))
        os.replace(temporary, target)  # atomic: concurrent readers see old or new, never half
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
