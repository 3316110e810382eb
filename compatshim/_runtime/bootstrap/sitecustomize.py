"""Started by ``compatshim run`` in every Python process of the command it runs.

``compatshim run`` puts this folder first on ``PYTHONPATH`` and sets ``COMPATSHIM_RUN``; Python's
``site`` then imports this module as ``sitecustomize``. It installs compatshim (from the
configuration named by ``COMPATSHIM_CONFIG``) and then runs the ``sitecustomize`` it hides, if
there is one. Without ``COMPATSHIM_RUN`` it does nothing at all. PYTEST_DONT_REWRITE

Any interpreter the command starts imports this file, whatever its version and whether or not it
can import compatshim (a Python 2 tool, a virtual environment made during the run): so it is
written in the syntax every one of them reads, and nothing in it may raise. A process whose
stderr is closed (``2>&-``: ``sys.stderr`` is ``None``) is told nothing.
"""

# ruff: noqa: UP031, UP036 - the syntax of every Python that may start: % formatting

import os
import sys


def _say(message, slug="run-inactive"):
    # type: (str, str) -> None
    # The one line said where compatshim cannot start (docs/messages.md has the slug).
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write("compatshim: not active in this process: %s [%s]\n" % (message, slug))
        stream.flush()
    except Exception:  # noqa: BLE001, S110 - a closed or broken stderr: nothing left to tell
        pass


def _start():
    # type: () -> None
    if not os.environ.get("COMPATSHIM_RUN"):
        return
    if sys.version_info < (3, 9):
        _say("Python %d.%d is older than compatshim supports" % sys.version_info[:2])
        return
    try:
        from compatshim._runtime.run import process_startup

        process_startup()
    except Exception as exc:  # noqa: BLE001 - never keep the program from starting
        _say(str(exc) or type(exc).__name__)


def _find_hidden(here):
    # type: (str) -> None
    # The sitecustomize that this one shadows (the user's or the distribution's), found on the
    # rest of sys.path. The import system's own modules are always loaded: importing the
    # importlib package would cost every process more.
    # Another compatshim's bootstrap (a nested compatshim run of another installation) is
    # skipped as well: each would run the other's, forever.
    mark = os.sep + os.path.join("compatshim", "_runtime", "bootstrap")
    path = [
        p
        for p in sys.path
        if os.path.abspath(p or ".") != here and not p.rstrip(os.sep).endswith(mark)
    ]
    try:
        import _frozen_importlib
        import _frozen_importlib_external
    except ImportError:  # Python 2: the imp module
        import imp

        try:
            found = imp.find_module("sitecustomize", path)
        except ImportError:
            return
        try:
            imp.load_module("sitecustomize", found[0], found[1], found[2])  # type: ignore[arg-type]
        finally:
            if found[0] is not None:
                found[0].close()
        return
    spec = _frozen_importlib_external.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = _frozen_importlib.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_start()
_find_hidden(os.path.dirname(os.path.abspath(__file__)))
