"""``compatshim run -- CMD``: run a command with compatshim active in it and in every Python
process it starts.

The configuration is resolved once, here, and handed to the children in the environment with an
absolute path (a child that changes directory still finds it): ``COMPATSHIM_CONFIG``. The
``bootstrap`` folder goes first on ``PYTHONPATH``; its ``sitecustomize`` installs compatshim
when ``COMPATSHIM_RUN`` is set, and does nothing otherwise. Nothing is written into
site-packages, and processes that were not started by ``compatshim run`` are untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BOOTSTRAP", "environment", "process_startup", "run"]

#: The folder whose ``sitecustomize`` starts compatshim in child processes.
BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap")


def environment(config_path: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment that activates compatshim in every Python process started with it."""
    env = dict(os.environ if base is None else base)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != BOOTSTRAP]
    env["PYTHONPATH"] = os.pathsep.join([BOOTSTRAP, *paths])
    env["COMPATSHIM_RUN"] = "1"
    if config_path is not None:
        env["COMPATSHIM_CONFIG"] = config_path
    return env


def run(argv: Sequence[str], pyproject: str | None = None) -> int:
    """Run ``argv`` with compatshim active; return its exit status.

    :raises ConfigError: before anything runs, if the configuration or a ``COMPATSHIM_*``
        variable is invalid.
    """
    from .._model.config import load_config
    from .._model.environ import check

    check()  # a bad COMPATSHIM_* variable: fail here, once, rather than in every child
    config = load_config(pyproject)
    if config.include:  # an included table that cannot be read: fail here too, not per child
        from .._model.shipped import full_table

        full_table(config)
    env = environment(config.path)
    try:
        completed = subprocess.run(list(argv), env=env, check=False)
    except (FileNotFoundError, NotADirectoryError):
        sys.stderr.write(f"compatshim: error: command not found: {argv[0]}\n")
        return 127
    except OSError as exc:  # found, but not runnable (a folder, no execute permission...)
        sys.stderr.write(f"compatshim: error: cannot run {argv[0]}: {exc.strerror}\n")
        return 126
    except KeyboardInterrupt:
        return 130
    # A command killed by a signal exits as a shell reports it: 128 + the signal's number.
    return completed.returncode if completed.returncode >= 0 else 128 - completed.returncode


def process_startup() -> None:
    """Install compatshim in a process started by ``compatshim run`` (from ``sitecustomize``)."""
    from .install import install

    install()
