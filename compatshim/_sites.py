"""Each use of a legacy path, attributed to the user's line: warn once, raise, or stay quiet.

A *site* is the file and line of user code that used a legacy path. The first use of a legacy
path at a site warns (or raises, as the policy says); later uses at that site are silent. One
statement that touches several parts of one legacy path (``from old.pkg.sub import Name`` loads
``old``, ``old.pkg`` and ``old.pkg.sub``, then reads ``Name``) warns once, naming the path the
statement asked for.
"""

from __future__ import annotations

import sys
import warnings
from _weakref import ref as _weak_ref  # the C module: weakref itself is a costlier import

from . import _diagnostics
from . import _frames
from . import _policy
from ._errors import LegacyPathError
from ._locks import ForkSafeLock


TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from types import FrameType
    from weakref import ReferenceType

    from ._alias import Alias

__all__ = ["remember", "reset_warnings", "resolve_object", "use", "use_name"]

_lock = ForkSafeLock(reentrant=True)
# (filename, line) -> the (alias, legacy path) pairs already warned about at that line.
_warned: dict[tuple[str, int], list[tuple[Alias, str]]] = {}
# Every per-object cache of sites seen ("cells"), so that reset_warnings() can empty them.
_cell_maps: list[dict[object, object]] = []
# id(code) -> (weak reference to the code object, the cells keyed by that id). Cells are keyed
# by id(code): when a code object dies (eval'd code, a reloaded module) its cells are dropped,
# so memory does not grow with throwaway code and a reused id never finds a stale cell.
_codes: dict[int, tuple[ReferenceType[CodeType], list[tuple[dict[object, object], object]]]] = {}


def _related(path: str, other: str) -> bool:
    # True when ``path`` equals ``other`` or is a dotted ancestor of it ("old" of "old.pkg:Name").
    return other.startswith(path) and (len(other) == len(path) or other[len(path)] in ".:")


def _covered(done: list[tuple[Alias, str]], alias: Alias, path: str) -> bool:
    for other_alias, other in done:
        # The same path, or a parent of what was already reported here: the import system loads
        # parents on the way and reads them back when it serves ``import a.b.c``.
        if _related(path, other):
            return True
        # A deeper path through the same alias (``from old.pkg import sub`` after ``old.pkg``).
        if other_alias is alias and _related(other, path):
            return True
    return False


def use(
    alias: Alias,
    legacy: str,
    canonical: str,
    frame: FrameType | None,
    *,
    importing: str | None = None,
    strict: bool = False,
) -> FrameType | None:
    """Handle one use of ``legacy`` (covered by ``alias``) seen from ``frame`` outward.

    :param importing: the module being loaded, when the use is an import; a module loaded only
        as the parent of the module the statement asked for is not reported.
    :param strict: apply ``error`` policies and removals even to probes (module loading does).
    :returns: the frame the use was attributed to, or ``None`` for introspection.
    :raises LegacyPathError: if the alias is removed or its policy is ``error``.
    """
    try:
        site, probe, requested = _frames.walk(frame)
    except Exception as exc:  # noqa: BLE001 - bookkeeping must never break the program
        _diagnostics.report_once("internal-error", f"cannot attribute a use: {exc!r}")
        return None
    if probe and not strict:
        return None
    action = _policy.action(alias)
    if action == "error":
        raise _policy.error(alias, legacy, canonical)
    if probe or site is None:
        return None
    if (
        importing is not None
        and requested is not None
        and requested != importing
        and requested.startswith(importing + ".")
    ):
        return site
    if action == "warn":
        _warn(alias, legacy, canonical, site)
    return site


def _warn(alias: Alias, legacy: str, canonical: str, site: FrameType) -> None:
    filename, lineno = site.f_code.co_filename, site.f_lineno or 0
    with _lock:
        done = _warned.setdefault((filename, lineno), [])
        if _covered(done, alias, legacy):
            return
        claim = (alias, legacy)
        done.append(claim)
    try:
        message = _policy.warning_message(alias, legacy, canonical)
        category = _policy.warning_category(alias)
        module_globals = site.f_globals
        module = module_globals.get("__name__")
        # The user's module, registry and line, never importlib's: warn_explicit gets them from
        # the frame we attributed the use to, so filters by module and "-W error" apply there.
        warnings.warn_explicit(
            message,
            category,
            filename,
            lineno,
            module=module if isinstance(module, str) else "<string>",
            registry=module_globals.setdefault("__warningregistry__", {}),
        )
    except BaseException:
        # A filter turned the warning into an error: the next use at this line must raise again.
        with _lock:
            done.remove(claim)
        raise


def remember(cells: dict[object, object], frame: FrameType, key: object) -> None:
    """Record that the site ``frame`` is at has been handled for the object owning ``cells``."""
    code = frame.f_code
    with _lock:
        entry = _codes.get(id(code))
        if entry is None:
            code_id = id(code)
            entry = _codes[code_id] = (_weak_ref(code, lambda ref: _forget(code_id, ref)), [])
        entry[1].append((cells, key))
        cells[key] = True


def _forget(code_id: int, ref: ReferenceType[CodeType]) -> None:
    # Runs while a code object is being freed, before its id can be reused; possibly inside any
    # bytecode, even one of ours: the lock is re-entrant and nothing here iterates what the
    # interrupted code may be changing.
    with _lock:
        entry = _codes.get(code_id)
        if entry is not None and entry[0] is ref:
            del _codes[code_id]
            for cells, key in entry[1]:
                cells.pop(key, None)


def register_cells(cells: dict[object, object]) -> dict[object, object]:
    """Let :func:`reset_warnings` empty ``cells`` (a per-object cache of handled sites)."""
    with _lock:
        _cell_maps.append(cells)
    return cells


def reset_warnings() -> None:
    """Forget which sites were warned about, so that each warns again (e.g. once per test)."""
    with _lock:
        _warned.clear()
        for cells in _cell_maps:
            cells.clear()


def forget_all() -> None:
    """Drop every cache (for :func:`compatshim.uninstall`)."""
    with _lock:
        reset_warnings()
        _cell_maps.clear()
        _codes.clear()


def resolve_object(path: str) -> object:
    """Import the module of ``"pkg.mod:attr.path"`` and return the object it names."""
    module_name, _, attrs = path.partition(":")
    obj: object = sys.modules.get(module_name)
    if obj is None:
        import importlib

        obj = importlib.import_module(module_name)
    for attr in attrs.split("."):
        obj = getattr(obj, attr)
    return obj


def use_name(alias: Alias, frame: FrameType | None, cells: dict[object, object]) -> object:
    """Resolve a moved name for the code at ``frame``, reporting the use once per site.

    :raises AttributeError: if the canonical object does not exist (the message names it).
    """
    if frame is None:
        return _get(alias)
    key = (id(frame.f_code), frame.f_lasti, alias.legacy)
    if key in cells:
        return _get(alias)
    if frame.f_code is _frames.HANDLE_FROMLIST:
        # ``from mod import Name`` probes with hasattr first; only its own lookup is a use.
        return _get(alias)
    value = _get(alias)  # a name whose canonical object is missing is not used, just missing
    site = use(alias, alias.legacy, alias.canonical, frame)
    if site is frame:
        remember(cells, frame, key)
    elif site is None and _policy.removal(alias) is not None:
        # Introspection of a removed name: it is simply not there any more.
        raise AttributeError(f"{_policy.display(alias.legacy)} was removed")
    return value


def _get(alias: Alias) -> object:
    try:
        return resolve_object(alias.canonical)
    except AttributeError:
        raise AttributeError(
            f"{_policy.display(alias.legacy)} is an alias of "
            f"{_policy.display(alias.canonical)}, which does not exist"
        ) from None


def is_compatshim_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one compatshim raised on purpose (a policy decision or a warning)."""
    return isinstance(exc, (LegacyPathError, Warning))
