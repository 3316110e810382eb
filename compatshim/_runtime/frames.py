"""Find the user's line behind a use of a legacy path.

Between compatshim and the user's code sit frames that only carry out the access on the user's
behalf (the import system, ``importlib.import_module``, ``mock.patch``, ``pkgutil.resolve_name``,
pickle, contextlib, code compiled from a string by ``exec`` or ``eval``): they are skipped. A use
that ``@mock.patch`` makes before the function it decorates runs belongs to that function, at its
first decorator line (:class:`DecoratedSite`), and so does a string annotation that
``typing.get_type_hints`` evaluates. Frames of introspection tools (``inspect``, ``pydoc``, completers) and of
``importlib.util.find_spec`` mark a *probe*, which is neither warned about nor counted.
"""

from __future__ import annotations

import _frozen_importlib as _bootstrap  # importlib._bootstrap, without importing importlib
import os
import sys


TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from types import FrameType

__all__ = [
    "HANDLE_FROMLIST",
    "USER",
    "Attribution",
    "DecoratedSite",
    "acts_for_user",
    "frame_at",
    "is_import_system",
    "is_user",
    "kind_of",
    "walk",
]

_USER, _SKIP, _PROBE, _BOOTSTRAP, _UTIL, _RUNPY, _MOCK, _TYPING, _EVAL, _RESOLVE = range(10)

# compatshim's own folder (this module is in its _runtime subpackage).
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_STDLIB_DIR = os.path.dirname(os.path.abspath(os.__file__)) + os.sep

# Frozen modules have no path (3.11 froze importlib.util and runpy as well).
_FROZEN = {
    "<frozen importlib._bootstrap>": _BOOTSTRAP,
    "<frozen importlib._bootstrap_external>": _SKIP,
    "<frozen importlib.util>": _UTIL,
    "<frozen runpy>": _RUNPY,
    "<frozen zipimport>": _SKIP,
    # exec and eval of a string: its line 1 is no line the user can find; the caller's is.
    # (``python -c`` has no caller: its ``<string>`` frame stays the site.)
    "<string>": _EVAL,
}
# Standard-library files, relative to its folder.
_STDLIB = {
    "importlib/__init__.py": _SKIP,
    "importlib/_bootstrap.py": _BOOTSTRAP,
    "importlib/_bootstrap_external.py": _SKIP,
    "importlib/util.py": _UTIL,
    "pkgutil.py": _RESOLVE,
    "unittest/mock.py": _MOCK,
    "pickle.py": _SKIP,
    "copyreg.py": _SKIP,
    "contextlib.py": _SKIP,  # ExitStack.enter_context(mock.patch(...)), mock's decorators
    "copy.py": _SKIP,  # copy and dataclasses.replace construct on the caller's behalf
    "dataclasses.py": _SKIP,
    "runpy.py": _RUNPY,
    "typing.py": _TYPING,  # get_type_hints evaluates string annotations on the caller's behalf
    "annotationlib.py": _SKIP,  # 3.14: where typing's evaluation of a string annotation runs
    "logging/config.py": _RESOLVE,
    "importlib/metadata.py": _SKIP,  # 3.9; a package from 3.10
    "zipimport.py": _SKIP,
    "inspect.py": _PROBE,
    "pydoc.py": _PROBE,
    "rlcompleter.py": _PROBE,
    "doctest.py": _PROBE,
}
_STDLIB_PREFIXES = (("importlib/resources/", _SKIP), ("importlib/metadata/", _SKIP))
_CHECK_FILES = (os.path.join("_check", "audit.py"), os.path.join("_check", "check.py"))
# Third-party helpers, matched by the end of their path.
_SUFFIXES = (
    ("/_pytest/monkeypatch.py", _RESOLVE),
    ("/pytest_mock/plugin.py", _SKIP),  # mocker.patch(...) enters unittest.mock's patches
    ("/importlib_metadata/__init__.py", _SKIP),  # the backport's EntryPoint.load()
    ("/IPython/core/completer.py", _PROBE),
    ("/jedi/inference/compiled/access.py", _PROBE),
)

# The functions that resolve a dotted string, one part after the other, for the tools above
# (pkgutil.resolve_name, logging.config's resolve, monkeypatch's resolve, mock's _importer up to
# 3.10): the string is their last positional parameter.
_RESOLVERS = frozenset({"resolve_name", "resolve", "_importer"})

#: The code object of the import system's ``from package import name`` helper: its ``hasattr``
#: probe of the package is not a use (the statement's own attribute lookup that follows is).
HANDLE_FROMLIST = _bootstrap._handle_fromlist.__code__  # type: ignore[attr-defined]
_CodeType: type[CodeType] = type(HANDLE_FROMLIST)  # without importing types

_kinds: dict[str, int] = {}
#: The kind of each code file seen so far (``None``: not classified yet; :func:`walk` does it).
#: A use whose own frame is :data:`USER` code needs no walk: ``kind_of(filename) == USER``.
kind_of = _kinds.get
#: The kind of user code.
USER = _USER


def _classify(filename: str) -> int:
    kind = _FROZEN.get(filename)
    if kind is not None:
        return kind
    path = filename.replace(os.sep, "/") if os.sep != "/" else filename
    if filename.startswith(_PACKAGE_DIR):
        # ``compatshim check`` only looks at each alias: its reads are never uses.
        return _PROBE if filename[len(_PACKAGE_DIR) :] in _CHECK_FILES else _SKIP
    if filename.startswith(_STDLIB_DIR):
        rel = path[len(_STDLIB_DIR) :]
        kind = _STDLIB.get(rel)
        if kind is not None:
            return kind
        for prefix, kind in _STDLIB_PREFIXES:
            if rel.startswith(prefix):
                return kind
    for suffix, kind in _SUFFIXES:
        if path.endswith(suffix):
            return kind
    return _USER


def _kind(filename: str) -> int:
    kind = _kinds.get(filename)
    if kind is None:
        kind = _kinds[filename] = _classify(filename)
    return kind


def is_user(frame: FrameType) -> bool:
    """Whether ``frame`` runs user code (not compatshim, the import system or a tool)."""
    return _kind(frame.f_code.co_filename) == _USER


def is_import_system(frame: FrameType) -> bool:
    """Whether ``frame`` belongs to importlib's bootstrap, other than ``_find_and_load``.

    The bootstrap also reads ``spec._initializing`` while it loads a module for the first time;
    only ``_find_and_load`` (or C code called from the user's frame) reads it to serve a module
    that is already in ``sys.modules``.
    """
    code = frame.f_code
    return _kind(code.co_filename) == _BOOTSTRAP and code.co_name != "_find_and_load"


class Attribution:
    """The frame a use belongs to, as :func:`walk` found it."""

    __slots__ = ("call", "probe", "requested", "resolving", "site")

    def __init__(
        self,
        site: FrameType | None,
        probe: bool,
        requested: str | None,
        resolving: bool = False,
        call: FrameType | None = None,
    ) -> None:
        #: The first user (or probe) frame; the outermost frame if only machinery frames exist
        #: (``python -m legacy.tool``); ``None`` with no frame at all.
        self.site = site
        #: Whether the site is introspection (``inspect``, ``find_spec``...) rather than a use.
        self.probe = probe
        #: The module the outermost ``import`` between them asked for (``None``: no import), or
        #: the dotted string a tool resolves for the user (then ``resolving``).
        self.requested = requested
        #: Whether ``requested`` is a dotted string a tool resolves part after part.
        self.resolving = resolving
        #: The tool's frame that the site's instruction called, through which the use was made
        #: (``mock.patch``'s ``__enter__``, ``importlib.import_module``); for a site standing
        #: for a decorated or annotated function, the tool's frame that found it. ``None``: the
        #: site made the use itself. One execution of the site's instruction is one call of it.
        self.call = call


def walk(frame: FrameType | None) -> Attribution:
    """Walk outward from ``frame`` to the frame the use belongs to."""
    requested = None
    resolving = False
    last = frame
    inner = None  # the frame walked before ``frame``: the one it called
    while frame is not None:
        code = frame.f_code
        kind = _kind(code.co_filename)
        if kind == _USER:
            return Attribution(frame, False, requested, resolving, inner)
        if kind == _PROBE:
            return Attribution(frame, True, requested, resolving)
        if kind == _BOOTSTRAP and code.co_name == "_find_and_load":
            name = frame.f_locals.get("name")
            if isinstance(name, str):
                requested, resolving = name, False
        elif kind == _RUNPY and code.co_name == "_get_module_details":
            # runpy imports the package of the module it runs first: that is not the use.
            name = frame.f_locals.get("mod_name")
            if isinstance(name, str):
                requested, resolving = name, False
        elif kind in (_RESOLVE, _MOCK) and code.co_name in _RESOLVERS:
            # A dotted string resolved part after part (``"old.pkg.sub.X"``: ``old``, then
            # ``old.pkg``...): what the user asked for is the whole string.
            name = frame.f_locals.get(code.co_varnames[code.co_argcount - 1])
            if isinstance(name, str):
                requested, resolving = name.partition(":")[0], True
        elif kind == _UTIL and code.co_name == "find_spec":
            return Attribution(frame, True, requested, resolving)
        elif kind == _MOCK and code.co_name == "patched":
            # ``@mock.patch("old.mod.f")`` resolves its target each time the decorated function
            # is called, before it runs (through contextlib, whose frames are no user's line):
            # the use is the decorated function's.
            decorated = _defined(frame, "func")
            if decorated is not None:
                # (Not a frame, but it has every frame attribute the use reads: see the class.)
                return Attribution(decorated, False, requested, resolving, frame)  # type: ignore[arg-type]
        elif kind == _TYPING and code.co_name == "get_type_hints":
            # A string annotation is the annotated function's use, wherever it is evaluated
            # (as an annotation evaluated when first read is, from Python 3.14). A class's
            # annotations have no code of their own: then the caller's line is the use.
            annotated = _defined(frame, "obj")
            if annotated is not None:
                return Attribution(annotated, False, requested, resolving, frame)  # type: ignore[arg-type]
        last = inner = frame
        frame = frame.f_back
    return Attribution(last, False, requested, resolving)


class DecoratedSite:
    """The site of a use made by a decorator on behalf of the function it decorates, before that
    function runs: its code, at its first decorator line (the line of ``co_firstlineno``). It has
    what the attribution of a use reads from a frame, and an instruction offset no instruction
    has, so that it never shares a per-instruction mark with the function's own uses."""

    __slots__ = ("f_code", "f_globals", "f_lasti", "f_lineno")

    def __init__(self, code: CodeType, globals_: dict[str, object]) -> None:
        self.f_code = code
        self.f_globals = globals_
        self.f_lineno = code.co_firstlineno
        self.f_lasti = -1


def _defined(frame: FrameType, local: str) -> DecoratedSite | None:
    # The site of the user's function that ``frame`` works on (its local ``local``: the function
    # unittest.mock's ``patched`` wrapper calls, the object typing.get_type_hints reads),
    # unwrapped through decorators' ``__wrapped__``; None if it is no function of the user's.
    try:
        func = frame.f_locals.get(local)
        for _ in range(100):
            wrapped = getattr(func, "__wrapped__", None)
            if wrapped is None:
                break
            func = wrapped
        code = getattr(func, "__code__", None)
        globals_ = getattr(func, "__globals__", None)
    except Exception:  # noqa: BLE001 - an odd object in user code must not break the walk
        return None
    if not isinstance(code, _CodeType) or not isinstance(globals_, dict):
        return None
    if _kind(code.co_filename) != _USER:
        return None
    return DecoratedSite(code, globals_)


def acts_for_user(frame: FrameType, target: object) -> bool:
    """Whether a write to (or delete from) legacy module ``target`` that runs in ``frame``, which
    is no user code, is a use of the user's all the same (found by :func:`walk` from ``frame``).

    It is when the code was compiled from a string (``exec("old.mod.X = 1")``), and when
    unittest.mock enters a patch of a module the user handed it (``patch.object(old_mod, "X")``,
    ``patch.multiple(old_mod, ...)``), which reads nothing through the module before writing.
    It is not for a target that mock resolved from a string itself (that resolution was the
    use), nor for the restore when a patch ends (it belongs to no line of the user's).
    """
    code = frame.f_code
    kind = _kind(code.co_filename)
    if kind == _EVAL:
        return True
    if kind != _MOCK or code.co_name != "__enter__":
        return False
    try:
        # patch.object's getter is ``lambda: target``; a string target's resolves the string.
        cells = getattr(getattr(frame.f_locals.get("self"), "getter", None), "__closure__", None)
        return any(cell.cell_contents is target for cell in cells or ())
    except Exception:  # noqa: BLE001 - an empty cell, an odd getter: no use to report
        return False


def frame_at(depth: int) -> FrameType | None:
    """The frame ``depth`` levels above the caller, or ``None`` if the stack is not that deep.

    An attribute can be read from C code that has no Python frame above it (a callback on a
    thread started by an extension): there is nothing to attribute the use to then.
    """
    try:
        return sys._getframe(depth + 1)
    except ValueError:
        return None
