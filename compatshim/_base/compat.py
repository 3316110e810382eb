"""Everything that depends on the Python version, in one place.

Each shim names the version that makes it unnecessary: when that version becomes the oldest one
supported, the branch (and usually the function) can be deleted.
"""

from __future__ import annotations

# importlib._bootstrap and importlib._bootstrap_external: the import system's own modules, always
# loaded. Importing them through the importlib package would load it and warnings, which together
# cost more than most of compatshim's modules.
import _frozen_importlib as _bootstrap
import _frozen_importlib_external as _bootstrap_external
import _thread
import os
import sys


if sys.version_info >= (3, 11):
    _NamespaceLoader = _bootstrap_external.NamespaceLoader
else:  # pragma: no cover - delete with 3.10
    _NamespaceLoader = _bootstrap_external._NamespaceLoader

TYPE_CHECKING = False
if TYPE_CHECKING:
    import inspect
    from collections.abc import Callable
    from collections.abc import Mapping
    from importlib.machinery import ModuleSpec
    from types import CodeType
    from types import ModuleType as ModuleType  # noqa: PLC0414 - re-exported (see below)
    from typing import Any
else:
    # types.ModuleType, without importing types (about 1.2 M instructions at install()): not a
    # version shim, but the same kind of knowledge, the interpreter's own objects by another route.
    ModuleType = type(sys)


# Python 3.13 made the import system propagate an exception raised while it checks whether a
# module served from sys.modules is still initializing (``spec._initializing``); 3.9 to 3.12
# swallow it. compatshim observes imports served from sys.modules through that check, so on older
# versions a warning turned into an error there cannot stop the import (see docs/semantics.md).
SERVED_IMPORT_ERRORS_PROPAGATE = sys.version_info >= (3, 13)


#: Whether ``frame.f_lasti`` can point into an instruction's inline cache (see
#: :func:`instruction_offset`): 3.12 only.
LASTI_IN_CACHE = sys.version_info[:2] == (3, 12)
if LASTI_IN_CACHE:  # pragma: no cover - delete with 3.12
    # Imported with compatshim, never at a first use: a thread importing it at the moment
    # another forks leaves the child's import lock for it held (the child hangs).
    from opcode import _inline_cache_entries as _CACHE_ENTRIES  # type: ignore[attr-defined]


def import_module(name: str) -> ModuleType:
    """``importlib.import_module(name)`` for an absolute ``name``, which is this very call,
    without importing :mod:`importlib` (see the imports above)."""
    module: ModuleType = _bootstrap._gcd_import(name)  # type: ignore[attr-defined]
    return module


def instruction_offset(code: CodeType, lasti: int) -> int:
    """The offset of the instruction that ``frame.f_lasti`` (``lasti``) is in.

    Python 3.12 reports, while a specialised ``LOAD_ATTR`` runs an overridden
    ``__getattribute__`` (``LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN``, new in 3.12), the offset of
    that instruction's last inline cache entry, where the first (unspecialised) execution
    reported the instruction itself: both must name one site. 3.11 has no such specialisation
    and 3.13 reports the instruction, so callers skip this where :data:`LASTI_IN_CACHE` is
    false (``co_code`` is a new copy of the bytecode at each read). Delete with 3.12.
    """
    if LASTI_IN_CACHE:
        co_code = code.co_code
        while lasti > 0 and co_code[lasti] == 0:  # opcode 0 is CACHE
            lasti -= 2
    return lasti


def other_offset(code: CodeType, lasti: int) -> int | None:
    """Python 3.12: the other offset that the instruction running at ``lasti`` reports.

    An instruction reports its own offset until it is specialised, and the offset of its last
    inline cache entry after (see :func:`instruction_offset`): a per-site cache keyed by the
    offset holds both, so that neither execution takes the first-use route again. ``None``
    where there is no other (an instruction without inline caches, or another version).
    Delete with 3.12.
    """
    if not LASTI_IN_CACHE:
        return None
    co_code = code.co_code
    if co_code[lasti] == 0:  # reported from a cache entry: the other is the instruction
        return instruction_offset(code, lasti)
    entries: int = _CACHE_ENTRIES[co_code[lasti]]
    return lasti + 2 * entries if entries else None


class DaemonThread:
    """A daemon thread started without :mod:`threading` (whose import costs about 2 ms: more
    than installing compatshim). ``join`` waits until the thread's function returned.

    A thread still starting while the interpreter shuts down can crash it (seen on 3.9):
    whoever ends the process first waits for :meth:`wait_started`. Unlike
    ``threading.Thread.start``, the constructor does not wait: on a busy machine the new
    thread may not be scheduled for milliseconds.
    """

    __slots__ = ("_done", "_handle", "_started", "ident")

    def __init__(self, function: Callable[[], object]) -> None:
        started = self._started = _thread.allocate_lock()
        started.acquire()

        def run() -> None:
            started.release()
            function()

        start_joinable = getattr(_thread, "start_joinable_thread", None)
        if start_joinable is not None:
            # 3.13+: joined with pthread_join, so the thread is gone when a fork counts threads.
            self._handle = start_joinable(run, daemon=True)
            self._done = None
            self.ident: int = self._handle.ident
        else:  # delete with 3.12
            self._handle = None
            done = self._done = _thread.allocate_lock()
            done.acquire()

            def run_then_release() -> None:
                try:
                    run()
                finally:
                    done.release()

            self.ident = _thread.start_new_thread(run_then_release, ())

    def wait_started(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until the thread runs its function."""
        if self._started.acquire(timeout=timeout):
            self._started.release()

    def join(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until the thread ended."""
        if self._handle is not None:
            self._handle.join(timeout)
        elif self._done is not None and self._done.acquire(timeout=timeout):
            self._done.release()

    def is_alive(self) -> bool:
        """Whether the thread's function still runs."""
        if self._handle is not None:
            return not self._handle.is_done()
        return self._done is not None and self._done.locked()


def toml_loads(text: str) -> dict[str, Any]:
    """Parse TOML text (tomllib from 3.11, the tomli backport before)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - delete with 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def toml_error() -> type[Exception]:
    """The exception class the TOML parser raises for invalid documents."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - delete with 3.10
        import tomli as tomllib
    return tomllib.TOMLDecodeError


def metadata() -> Any:
    """``importlib.metadata``; the backport before 3.10 lacks ``packages_distributions``."""
    if sys.version_info >= (3, 10):
        import importlib.metadata as importlib_metadata
    else:  # pragma: no cover - delete with 3.9
        import importlib_metadata
    return importlib_metadata


def packages_distributions() -> dict[str, list[str]]:
    """Top-level import names mapped to the distributions that install them.

    Python 3.10's ``packages_distributions`` reads only ``top_level.txt``, which wheels built by
    most modern back-ends (flit, hatchling, poetry) do not ship; 3.11 also infers the names from
    each distribution's file list, and so does the backport used on 3.9. Delete with 3.10.
    """
    found: dict[str, list[str]] = dict(metadata().packages_distributions())
    if sys.version_info[:2] == (3, 10):  # pragma: no cover - delete with 3.10
        for dist in metadata().distributions():
            if dist.read_text("top_level.txt") is not None:
                continue  # already counted by the standard library
            for name in _top_level_names(dist.files or ()):
                found.setdefault(name, []).append(dist.metadata["Name"])
    return found


def _top_level_names(files: Any) -> set[str]:  # pragma: no cover - delete with 3.10
    names = set()
    for file in files:
        parts = file.parts
        if len(parts) > 1 and not parts[0].endswith((".dist-info", ".egg-info", ".data")):
            if parts[0] != "..":
                names.add(parts[0])
        elif len(parts) == 1 and parts[0].endswith(".py"):
            names.add(parts[0][:-3])
    return {name for name in names if name.isidentifier()}


def blake2b(data: bytes) -> str:
    """The hex BLAKE2b-256 digest of ``data``.

    Taken from ``_blake2`` where it exists: ``hashlib`` loads OpenSSL first, which alone takes
    about 2 ms, more than half of what the whole cached start-up may cost.
    """
    try:
        from _blake2 import blake2b as algorithm
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b as algorithm
    return algorithm(data, digest_size=32).hexdigest()


def stdlib_module_names() -> frozenset[str]:
    """Top-level names of the standard library's modules (``sys.stdlib_module_names`` from 3.10)."""
    if sys.version_info >= (3, 10):
        return frozenset(sys.stdlib_module_names)
    return _scan_stdlib_names()  # pragma: no cover - delete with 3.9


def _scan_stdlib_names() -> frozenset[str]:
    # 3.9 has no list, so read it off the standard library folder, like the 3.10 list was built.
    names = set(sys.builtin_module_names)
    stdlib = os.path.dirname(os.__file__)
    for folder in (stdlib, os.path.join(stdlib, "lib-dynload")):
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry in ("site-packages", "dist-packages", "__pycache__"):
                continue
            if entry.endswith(".py"):
                names.add(entry[:-3])
            elif entry.endswith(".so"):
                names.add(entry.split(".", 1)[0])
            elif os.path.isfile(os.path.join(folder, entry, "__init__.py")):
                names.add(entry)
    return frozenset(names)


def signature(function: Callable[..., Any]) -> inspect.Signature:
    """``inspect.signature(function)``, its annotations not evaluated where they are lazy.

    Python 3.14 evaluates annotations when they are first read (PEP 649), and
    ``inspect.signature`` reads them as values by default: an annotation naming what is imported
    only under ``TYPE_CHECKING`` raises ``NameError`` there. ``Format.FORWARDREF`` makes such a
    name an ``annotationlib.ForwardRef`` instead. Before 3.14 annotations were evaluated when the
    function was defined, or are strings (``from __future__ import annotations``) that
    ``inspect.signature`` leaves as they are.
    """
    import inspect

    if sys.version_info >= (3, 14):  # pragma: no cover - 3.14 is not on every machine
        from annotationlib import Format

        return inspect.signature(function, annotation_format=Format.FORWARDREF)
    return inspect.signature(function)


def own_annotations(obj: object) -> Mapping[str, Any]:
    """``obj.__annotations__`` (``{}`` without any), not evaluated where they are lazy.

    On Python 3.14 reading a class's ``__annotations__`` evaluates them (PEP 649; see
    :func:`signature`): ``annotationlib`` reads them with ``Format.FORWARDREF`` instead.
    """
    if sys.version_info >= (3, 14):  # pragma: no cover - 3.14 is not on every machine
        from annotationlib import Format
        from annotationlib import get_annotations

        return get_annotations(obj, format=Format.FORWARDREF)
    annotations: Mapping[str, Any] = getattr(obj, "__annotations__", {})
    return annotations


def namespace_loader(spec: ModuleSpec) -> Any:
    """The loader the import system would make for the namespace package ``spec`` describes.

    The path finder returns namespace packages with ``spec.loader = None`` and the import system
    makes the loader while loading; compatshim chains loaders, so it needs one first. The class
    became public as ``importlib.machinery.NamespaceLoader`` in 3.11.
    """
    return _NamespaceLoader(
        spec.name,
        spec.submodule_search_locations,  # type: ignore[arg-type]
        _bootstrap_external.PathFinder._get_spec,  # type: ignore[attr-defined]
    )


def hostname() -> str:
    """This machine's host name, as data file names and runs record it ('/', '\\' and NUL,
    which no file name may hold, as '_'; '' if there is none).

    ``os.uname()`` where there is one: Python 3.13.0 cannot import ``socket`` while the current
    folder is deleted (a ``SystemError``), and a program may delete its folder before its
    first telemetry write. Elsewhere (Windows) ``socket.gethostname()``.
    """
    try:
        if hasattr(os, "uname"):
            name = os.uname().nodename
        else:  # pragma: no cover - Windows
            import socket

            name = socket.gethostname()
    except Exception:  # noqa: BLE001 - no host name is no reason to lose the counts
        name = ""
    return name.replace("/", "_").replace("\\", "_").replace("\0", "_")
