"""Each use of a legacy path, attributed to the user's line: counted, and warned about once,
raised, or kept quiet, as the policy says.

A *site* is the file and line of user code that used a legacy path. The first use of a legacy
path at a site warns (or raises, as the policy says); later uses at that site are silent. One
statement that touches several parts of one legacy path (``from old.pkg.sub import Name`` loads
``old``, ``old.pkg`` and ``old.pkg.sub``, then reads ``Name``) warns once, naming the path the
statement asked for.

Every use goes through :func:`use`, the one function that counts. An attribute read caches the
counter of its instruction in a per-site cache (``cells``: ``cells[id(code)][site_key]``, see
``_base.cells``): the next read by that instruction is two dictionary lookups and an increment.
"""

from __future__ import annotations

import warnings
from _thread import _local

from .._base import cells as _cells
from .._base import diagnostics as _diagnostics
from .._base import paths
from .._base import resets
from .._base.compat import LASTI_IN_CACHE
from .._base.compat import other_offset
from .._base.errors import LegacyPathError
from .._base.locks import ForkSafeLock
from .._model import policy as _policy
from .._model.alias import FIELDS
from .._telemetry.recorder import DISCARD
from .._telemetry.recorder import recorder
from . import frames as _frames
from . import scope as _scope


TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from types import FrameType
    from types import ModuleType
    from typing import Any

    from .._model.alias import Alias

    #: What a warned line keeps: (alias, legacy path, warning text, category, canonical path)
    #: (see _said).
    Claim = tuple[Alias, str, str, type[Warning], str]

__all__ = [
    "cached",
    "forget_warnings",
    "import_quietly",
    "is_quiet",
    "reset_warnings",
    "site_key",
    "use",
    "use_name",
]

_kind_of = _frames.kind_of
_entry = _cells.entry
_remember = _cells.remember
_USER = _frames.USER
_REMOVE_AFTER = FIELDS.index("remove_after")
_REMOVED_IN = FIELDS.index("removed_in")
_POLICY = FIELDS.index("policy")

_lock = ForkSafeLock(reentrant=True)
# filename -> line -> the claim already warned about at that line (a tuple whose first items
# are the alias and the legacy path: see _said), or a list of them when several were. (Per file,
# then per line: no key tuple per warned line.)
_warned: dict[str, dict[int, Claim | list[Claim]]] = {}


def _covered(done: list[Claim], alias: Alias, path: str) -> bool:
    for claim in done:
        other_alias, other = claim[0], claim[1]
        # The same path, or a parent of what was already reported here: the import system loads
        # parents on the way and reads them back when it serves ``import a.b.c``.
        if paths.within(other, path):
            return True
        # A deeper path through the same alias (``from old.pkg import sub`` after ``old.pkg``).
        if other_alias is alias and paths.within(path, other):
            return True
    return False


def site_key(frame: FrameType, what: str | None = None) -> object:
    """The key of a per-site cache within the entries of ``frame``'s code object: the offset of
    the instruction running in ``frame``, and ``what`` it reads there: a moved name's legacy path,
    or a child module's name (``None``: an attribute of the legacy module itself, which the
    instruction names).

    The hot paths (``LegacyModule.__getattribute__``, ``ModuleHook.__call__``) build the same keys
    inline: there a call would cost as much as the rest of the lookup.
    """
    if what is None:
        return frame.f_lasti
    return (frame.f_lasti, what)


def cached(
    cells: dict[int, dict[object, object]], frame: FrameType, what: str | None = None
) -> Any:
    """The counter cached for the instruction running in ``frame`` (reading ``what``), or
    ``None`` if that site was not seen yet."""
    inner = cells.get(id(frame.f_code))
    counter = None if inner is None else inner.get(site_key(frame, what))
    return None if counter is _cells.RETARGET else counter


def use(
    alias: Alias,
    legacy: str,
    canonical: str,
    frame: FrameType | None,
    cells: dict[int, dict[object, object]] | None = None,
    what: str | None = None,
    *,
    importing: str | None = None,
    strict: bool = False,
    quiet: bool = False,
    child: bool = False,
) -> FrameType | None:
    """Handle one use of ``legacy`` (covered by ``alias``) seen from ``frame`` outward: apply
    the policy, count the hit, and warn once per site.

    ``cells`` and ``what`` come first, positional: the reads' first uses pass them so, and
    a call with keywords costs more.

    :param importing: the module being loaded, when the use is an import; a module loaded only
        as the parent of the module the statement asked for is not reported.
    :param strict: apply ``error`` policies and removals even to probes (module loading does).
    :param quiet: neither count nor warn, only raise as the policy says (the import of a child
        module for a read that is itself the use: see :func:`import_quietly`).
    :param child: the use is the read of a child module (``old.pkg`` read from ``old``): when a
        tool reads it resolving a deeper dotted string, it does not warn (the deeper use does).
    :param cells: the caller's per-site cache: when the use is attributed to ``frame`` itself,
        the counter of its instruction is cached there, as
        ``cells[id(frame.f_code)][site_key(frame, what)]``, once the use went through (a warning
        turned into an error caches nothing, and raises again).
    :returns: the frame the use was attributed to, or ``None`` if it is not a use (introspection,
        or a parent loaded on the way to the module the statement asked for).
    :raises LegacyPathError: if the alias is removed or its policy is ``error``.
    """
    if frame is not None and _kind_of(frame.f_code.co_filename) == _USER:
        # The common case, the user's own frame: nothing to walk.
        site: FrameType | None = frame
        probe, requested, call = False, None, None
    else:
        try:
            found = _frames.walk(frame)
        except Exception as exc:  # noqa: BLE001 - bookkeeping must never break the program
            _diagnostics.report_once("internal-error", f"cannot attribute a use: {exc!r}")
            return None
        site, probe, requested, call = found.site, found.probe, found.requested, found.call
    if probe and not strict:
        return None
    # A module loaded only as the parent of the one the statement asked for is not the use. A
    # tool resolving a dotted string (``mock.patch("old.pkg.sub.X")``) imports or reads each
    # parent in turn: the first counts (one hit, as for any line), but only its last module
    # warns, so that the warning names what the string asked for, not its first parent.
    # (``requested`` is None for a use at the user's own frame: nothing was walked.)
    parent_only = requested is not None and _parent(requested, importing, legacy, child, found)
    fields = alias.fields()
    if fields[_REMOVE_AFTER] is None and fields[_REMOVED_IN] is None:
        action = _policy.get_override() or fields[_POLICY]  # no schedule: _policy.action()
    else:
        action = _policy.action(alias)
    # strict_scope = "project": a dependency's use is counted, and keeps the alias's own
    # policy, which an override (COMPATSHIM_POLICY, --compatshim-strict) tightens for the
    # project's code only; it warns where that policy is "error" too. (A probe's frame is the
    # introspection tool's, not the code it works for: it stays strict.)
    if (
        action == "error"
        and not probe
        and site is not None
        and not _scope.raises_here(site.f_code.co_filename)
    ):
        own = fields[_POLICY]
        action = "warn" if own == "error" else own
    if action == "error":
        where = f"{site.f_code.co_filename}:{site.f_lineno}" if site is not None else ""
        if parent_only and requested is not None:
            # Name what the statement asked for, not the parent it fails on first.
            legacy, canonical = requested, canonical + requested[len(legacy) :]
        raise _policy.error(alias, legacy, canonical, where)
    if probe or site is None:
        return None
    if parent_only and not found.resolving:  # (a tool's parents count, but do not warn)
        return None
    if quiet:
        return site
    # (Each read of f_lineno or f_lasti makes an int: read once, the records, marks and cache
    # keys of a site share them. Each read of f_code runs an audit hook: read once.)
    line = site.f_lineno or 0
    lasti = site.f_lasti
    code = site.f_code
    ref = _entry(code)
    # One hit per use: the counter of the instruction (a shared one that nobody reads when the
    # use does not count, or telemetry is off).
    if call is None:
        counter = recorder.cell(alias, legacy, site, code, line, lasti, ref, importing is not None)
        next(counter)
    else:  # made through a tool, which may reach the alias again in the same call
        position = _call_position(alias, code, lasti, frame, call)
        if position is None:
            counter = DISCARD  # this execution of the line counted its hit already
        else:
            counter = recorder.cell(
                alias, legacy, site, code, line, lasti, ref, importing is not None
            )
            next(counter)
            if counter is not DISCARD:
                _counted(alias, position)
    if action == "warn" and not parent_only:
        _warn(alias, legacy, canonical, site, code.co_filename, line)
    # Only a use attributed to this very frame may be cached for its instruction: one that
    # belongs to a frame further out (importlib, mock.patch) is looked at afresh each time.
    if cells is not None and site is frame:
        _remember(cells, ref, lasti if what is None else (lasti, what), counter)
        if LASTI_IN_CACHE:  # 3.12: the same instruction, once specialised, reports another offset
            other = other_offset(code, lasti)
            if other is not None:
                _remember(cells, ref, other if what is None else (other, what), counter)
    return site


# The latest call of a tool through which this thread's uses were made (see
# _call_position): the site's instruction, and where the call was, by alias.
_calls = _local()


def _call_position(
    alias: Alias, code: CodeType, lasti: int, frame: FrameType | None, call: FrameType
) -> Any:
    # Where the call is that made this use of ``alias`` for the site's instruction (``code`` at
    # ``lasti``), through the tool's frame ``call`` (the use itself was seen in ``frame``,
    # ``call`` or a frame it called), for _counted() to note once a hit is counted; ``None`` if
    # a hit of ``alias`` was counted already in this execution of the instruction. A tool can reach an alias several times
    # in one call (mock.patch resolves its target, then again for the original;
    # typing.get_type_hints reads ``old.pkg``, then ``old.pkg.sub``): one execution of a line
    # is one hit of each alias, its first path's. Where the call is, is its frames from
    # ``call`` inward, each with its offset: a later use in the same call has the same frames
    # up to one that has gone on since (a greater offset). Frames are not kept, so a new call
    # whose frames reuse finished ones' ids is told apart by their offsets, which start over.
    # (Only a tool whose later call first reaches the alias further on than the finished call
    # last did would be taken for it: that execution would not count.)
    where = []
    while frame is not None:
        where.append((id(frame), frame.f_lasti))
        if frame is call:
            break
        frame = frame.f_back
    where.reverse()
    key = (id(code), lasti, where[0][0])
    state = getattr(_calls, "state", None)
    if state is None or state[0] != key:
        state = _calls.state = (key, {})
    seen: dict[int, list[tuple[int, int]]] = state[1]
    before = seen.get(id(alias))
    if before is not None:
        for (was, was_at), (now, now_at) in zip(before, where):
            if was != now:
                break  # another frame: another call
            if was_at != now_at:
                if now_at > was_at:  # the same frame, gone on: the same call
                    seen[id(alias)] = where
                    return None
                break
    return seen, where


def _counted(alias: Alias, position: Any) -> None:
    # Note that a hit of ``alias`` was counted at ``position`` (see _call_position).
    seen, where = position
    seen[id(alias)] = where


def _parent(
    requested: str, importing: str | None, legacy: str, child: bool, found: _frames.Attribution
) -> bool:
    # Whether the use reaches only a parent of the module a statement asked for (an import), or
    # of the dotted string a tool resolves (an import, or the read of a child module).
    reached = importing if importing is not None else legacy if child and found.resolving else None
    return reached is not None and requested != reached and requested.startswith(reached + ".")


# The legacy module this thread imports on behalf of an attribute read (see import_quietly).
_quiet = _local()


def import_quietly(name: str) -> ModuleType:
    """Import legacy module ``name`` for an attribute read that reports the use itself.

    ``pkg.old`` or ``from pkg import old`` reads the child ``old`` of a package; when the child is
    not imported yet, compatshim imports it. The read is the use, counted at its own instruction
    every time it runs; the import must not count a second use at a neighbouring instruction of
    the same line (only the first instruction of a line counts, so the read would never count).
    """
    from .._base.compat import import_module

    previous = getattr(_quiet, "name", None)
    _quiet.name = name
    try:
        return import_module(name)
    finally:
        _quiet.name = previous


def is_quiet(name: str) -> bool:
    """Whether this thread imports ``name`` for a read that reports the use itself."""
    return getattr(_quiet, "name", None) == name


# legacy path -> (alias, legacy path, warning text, category, canonical path): each path says
# the same at every site. The alias and canonical path are kept to tell a path covered by
# another alias since (reinstalled, reconfigured), and the tuple is the claim a warned line
# keeps (see _covered). (Keyed by the path alone: no key tuple to build and hash per warning.)
_said: dict[str, tuple[Alias, str, str, type[Warning], str]] = {}


def _warn(
    alias: Alias, legacy: str, canonical: str, site: FrameType, filename: str, lineno: int
) -> None:
    said = _said.get(legacy)
    if said is None or said[0] is not alias or said[4] != canonical:
        said = _said[legacy] = (
            alias,
            legacy,
            _policy.warning_message(alias, legacy, canonical),
            _policy.warning_category(alias),
            canonical,
        )
    claim = said
    with _lock:
        lines = _warned.get(filename)
        if lines is None:
            lines = _warned[filename] = {}
        done = lines.get(lineno)
        if done is None:
            # Most lines use one path: their claim is stored as it is, not in a list.
            lines[lineno] = claim
        else:
            if type(done) is tuple:
                done = lines[lineno] = [done]
            if _covered(done, alias, legacy):  # type: ignore[arg-type]
                return
            done.append(claim)  # type: ignore[union-attr]
    try:
        module_globals = site.f_globals
        module = module_globals.get("__name__")
        registry = module_globals.get("__warningregistry__")
        if registry is None:  # (not setdefault: that would make a dict at every call)
            registry = module_globals["__warningregistry__"] = {}
        # The user's module, registry and line, never importlib's: warn_explicit gets them from
        # the frame we attributed the use to, so filters by module and "-W error" apply there.
        warnings.warn_explicit(
            said[2],
            said[3],
            filename,
            lineno,
            module if isinstance(module, str) else "<string>",
            registry,  # module= and registry= positional: parsed faster
        )
    except BaseException:
        # A filter turned the warning into an error: the next use at this line must raise again.
        with _lock:
            done = lines.get(lineno)
            if done is claim:
                del lines[lineno]
            elif type(done) is list and claim in done:
                done.remove(claim)
        raise


def reset_warnings() -> None:
    """Forget which sites were warned about, so that each warns again (e.g. once per test):
    the next use at each site takes the first-use route again (``_base.cells.retarget``)."""
    with _lock:
        _warned.clear()
    _cells.retarget()


@resets.on_uninstall
def forget_warnings() -> None:
    """Forget every site warned about, and what each alias said (uninstall)."""
    with _lock:
        _warned.clear()
        _said.clear()


def use_name(
    alias: Alias, frame: FrameType | None, cells: dict[int, dict[object, object]]
) -> object:
    """Resolve a moved name for the code at ``frame``, reporting the use once per site.

    :raises AttributeError: if the canonical object does not exist (the message names it).
    """
    if frame is None:
        return _get(alias)
    counter = cached(cells, frame, alias.legacy)
    if counter is not None:
        value = _get(alias)  # a read that fails is not a use
        next(counter)
        return value
    if frame.f_code is _frames.HANDLE_FROMLIST:
        # ``from mod import Name`` probes with hasattr first; only its own lookup is a use.
        return _get(alias)
    value = _get(alias)  # a name whose canonical object is missing is not used, just missing
    site = use(alias, alias.legacy, alias.canonical, frame, cells, alias.legacy)
    if site is None and _policy.removal(alias) is not None:
        # Introspection of a removed name: it is simply not there any more.
        raise AttributeError(f"{paths.dotted(alias.legacy)} was removed")
    return value


def _get(alias: Alias) -> object:
    try:
        return paths.resolve(alias.canonical)
    except AttributeError:
        raise AttributeError(
            f"{paths.dotted(alias.legacy)} is an alias of "
            f"{paths.dotted(alias.canonical)}, which does not exist"
        ) from None


def is_compatshim_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one compatshim raised on purpose (a policy decision or a warning)."""
    return isinstance(exc, (LegacyPathError, Warning))
