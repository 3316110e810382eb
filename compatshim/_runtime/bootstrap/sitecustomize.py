"""Started by ``compatshim run`` in every Python process of the command it runs.

``compatshim run`` puts this folder first on ``PYTHONPATH`` and sets ``COMPATSHIM_RUN``; Python's
``site`` then imports this module as ``sitecustomize``. It installs compatshim (from the
configuration named by ``COMPATSHIM_CONFIG``) and then runs the ``sitecustomize`` it hides, if
there is one. Without ``COMPATSHIM_RUN`` it does nothing at all. PYTEST_DONT_REWRITE
"""

import os
import sys


def _start() -> None:
    if not os.environ.get("COMPATSHIM_RUN"):
        return
    try:
        from compatshim._runtime.run import process_startup

        process_startup()
    except Exception as exc:  # noqa: BLE001 - never keep the program from starting
        sys.stderr.write(f"compatshim: not active in this process: {exc}\n")


def _chain() -> None:
    # Run the sitecustomize that this one shadows (the user's or the distribution's). The import
    # system's own modules (importlib.machinery's PathFinder, importlib.util's module_from_spec)
    # are always loaded: importing the importlib package would cost every process more.
    import _frozen_importlib
    import _frozen_importlib_external

    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = _frozen_importlib_external.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = _frozen_importlib.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_start()
_chain()
