"""The configuration cache, so that starting a process does not parse TOML.

Reading ``pyproject.toml`` costs more than everything else compatshim does at start-up: importing
``tomllib`` alone takes longer than installing the finder. So the validated settings and alias
fields are kept in ``.compatshim/config.cache``, keyed by a BLAKE2b hash of the file's path and
content and of the compatshim and Python versions. The cache is untrusted input: it is read only
if it is a regular file (not a link) of at most twice the file's size; it holds strings and
booleans in a flat text format that is split, never evaluated (no marshal or pickle, no nesting,
no numbers); and ``config`` validates what it holds with the same checks as the file's table.
So a forged or corrupt cache can do nothing the configuration could not, and costs no more than
a parse. Any difference or problem falls back to parsing the file. The cache is written only when telemetry
is on (with ``telemetry = false`` compatshim writes nothing at all).
"""

from __future__ import annotations

import os
import sys

from .._base.safeio import read_regular
from .._base.safeio import write_replace
from .state import FOLDER
from .state import ensure_folder


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from typing import Optional

    #: What a cache holds: the top-level settings, the ``[project] version``, and the aliases'
    #: fields as columns (a list of values per field, ``None`` where a field is not set).
    Payload = tuple[dict[str, Any], Optional[str], dict[str, list[Optional[str]]]]

__all__ = ["FOLDER", "ensure_folder", "load", "make_key", "store"]

#: Version of the cache file. Bump it whenever the format changes.
#: 1: marshal of (settings items, alias field tuples).
#: 2: alias field tuples end with ``protocol``.
#: 3: flat text: settings, version and alias columns, validated at each start like the file;
#:    a BLAKE2b digest of the file's content, both versions and the body, instead of a key of
#:    path, size and CRC-32.
#: 4: a setting may be a list of strings (``include``), typed ``l``.
CACHE_VERSION = 4
_FILE = "config.cache"
_MAGIC = f"compatshim config cache {CACHE_VERSION}"
# Record, field and item separators: control characters, which validated values never contain.
_RS, _US, _GS = "\x1e", "\x1f", "\x1d"


def make_key(path: str, raw: bytes) -> str:
    """What a cached table must match: the file's path and content, and both versions."""
    from .._base.compat import blake2b
    from .._base.version import __version__

    head = f"{CACHE_VERSION}\0{path}\0{__version__}\0{sys.version_info[:2]}\0"
    return blake2b(head.encode("utf-8", "surrogateescape") + raw)


def _cache_path(path: str, name: str = _FILE) -> str:
    return os.path.join(os.path.dirname(path), FOLDER, name)


def load(path: str, key: str, size: int, *, name: str = _FILE) -> Payload | None:
    """The payload cached for ``key``, or ``None``: missing, stale, too large or malformed are all
    the same. It is not validated yet: the caller validates it as it would the file.

    :param size: the configuration file's size; a cache more than twice as large is not read.
    :param name: the cache file in ``.compatshim`` (the included tables have their own).
    """
    cache = _cache_path(path, name)
    try:
        if os.path.islink(os.path.dirname(cache)):  # a state folder we did not create
            return None
        data = read_regular(cache, limit=2 * size + 4096, follow=False)
    except OSError:
        return None
    magic, _, rest = data.partition(b"\n")
    digest, _, body = rest.partition(b"\n")
    # The digest covers the key (this file's content, both versions) and the body: a stale cache
    # and a damaged one are both told apart from a good one. A forged one is not (its digest can
    # be computed by its forger): that is what validating every value is for.
    if magic != _MAGIC.encode() or digest != _digest(key, body).encode():
        return None
    try:
        return _decode(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, IndexError):
        return None


def store(path: str, key: str, payload: Payload, *, name: str = _FILE) -> None:
    """Cache ``payload`` for ``key``; failures (read-only folder, full disk, a link in the way, a
    value the format cannot hold) only mean no cache."""
    try:
        body = _encode(payload)
    except ValueError:  # not what a validated configuration holds
        return
    target = _cache_path(path, name)
    try:
        data = body.encode("utf-8")
        ensure_folder(os.path.dirname(target), os.path.dirname(path))
        write_replace(target, f"{_MAGIC}\n{_digest(key, data)}\n".encode() + data)
    except (OSError, UnicodeEncodeError):
        pass


def _digest(key: str, body: bytes) -> str:
    from .._base.compat import blake2b

    return blake2b(key.encode() + b"\n" + body)


# The body: records split by RS, fields by US. First the settings (name, typed value, ...), then
# the version (typed, or empty for none), then one record per column: its name, then its values
# ("" for None: no configured string is empty). Typed values: "s" + text, "t", "f", and "l" +
# the strings of a list, split by GS.


def _text(text: str) -> str:
    if _RS in text or _US in text or _GS in text:
        raise ValueError("a separator in a value")
    return text


def _typed(value: object) -> str:
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return "s" + _text(value)
    if isinstance(value, list) and all(isinstance(item, str) and item for item in value):
        return "l" + _GS.join(map(_text, value))
    raise ValueError(f"cannot cache a {type(value).__name__}")


def _encode(payload: Payload) -> str:
    settings, version, columns = payload
    records = [
        _US.join(field for key, value in settings.items() for field in (_text(key), _typed(value))),
        "" if version is None else _typed(version),
    ]
    for name, values in columns.items():
        if any(value == "" for value in values):
            raise ValueError("an empty value")
        records.append(_US.join([_text(name), *(_text(value or "") for value in values)]))
    return _RS.join(records)


def _untyped(field: str) -> str | bool | list[str]:
    if field[:1] == "s":
        return field[1:]
    if field[:1] == "l":
        return field[1:].split(_GS) if field[1:] else []
    if field in ("t", "f"):
        return field == "t"
    raise ValueError(f"unknown value {field[:20]!r}")


def _decode(body: str) -> Payload:
    settings_record, version_record, *column_records = body.split(_RS)
    fields = settings_record.split(_US) if settings_record else []
    if len(fields) % 2:
        raise ValueError("odd number of fields")
    settings = {fields[i]: _untyped(fields[i + 1]) for i in range(0, len(fields), 2)}
    version = _untyped(version_record) if version_record else None
    if not (version is None or isinstance(version, str)):
        raise ValueError("the version must be a string")
    columns: dict[str, list[str | None]] = {}
    for record in column_records:
        name, *values = record.split(_US)
        columns[name] = [value or None for value in values]
    return settings, version, columns
