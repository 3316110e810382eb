"""``compatshim run -- CMD``: run a command with compatshim active in it and in every Python
process it starts.

The configuration is resolved once, here, and handed to the children in the environment with an
absolute path (a child that changes directory still finds it): ``COMPATSHIM_CONFIG``. The
``bootstrap`` folder goes first on ``PYTHONPATH``; its ``sitecustomize`` installs compatshim
when ``COMPATSHIM_RUN`` is set, and does nothing otherwise. Nothing is written into
site-packages, and processes that were not started by ``compatshim run`` are untouched.

On POSIX the command then replaces this process (``exec``): it is the process the caller
started, with its pid, file descriptors, signals and exit status. Every process of the command
imports this module (for :func:`process_startup`), so it imports nothing at module level that
only ``run`` needs.
"""

from __future__ import annotations

import errno
import os
import sys


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BOOTSTRAP", "environment", "process_startup", "run"]

#: The folder whose ``sitecustomize`` starts compatshim in child processes.
BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap")
_MARK = os.sep + os.path.join("compatshim", "_runtime", "bootstrap")


def environment(config_path: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment that activates compatshim in every Python process started with it."""
    env = dict(os.environ if base is None else base)
    # Another installation's bootstrap (``compatshim run`` inside ``compatshim run``) goes too:
    # the innermost run is the one in charge of its command. An empty entry stays: Python reads
    # it as the current folder (``export PYTHONPATH=src:$PYTHONPATH`` leaves a trailing one).
    given = env.get("PYTHONPATH", "")
    paths = [
        p
        for p in (given.split(os.pathsep) if given else [])
        if p != BOOTSTRAP and not p.rstrip(os.sep).endswith(_MARK)
    ]
    env["PYTHONPATH"] = os.pathsep.join([BOOTSTRAP, *paths])
    env["COMPATSHIM_RUN"] = "1"
    if config_path is not None:
        env["COMPATSHIM_CONFIG"] = config_path
    return env


def run(argv: Sequence[str], pyproject: str | None = None) -> int:
    """Run ``argv`` with compatshim active. On POSIX the command replaces this process (this
    returns only if it cannot be started, with a shell's status: 127 or 126); elsewhere it runs
    as a child, and its exit status is returned.

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
    if os.name == "posix":
        return _exec(list(argv), env)
    return _spawn(list(argv), env)


def _exec(argv: list[str], env: dict[str, str]) -> int:
    # The command takes this process's place, as ``exec`` in a shell: its pid, its inherited file
    # descriptors (``3>log``, systemd's sockets), the signals sent to it (Ctrl-C, a CI's or
    # docker's SIGTERM) and its exit status, a signal's included, are its own, with no parent
    # in between. This returns only if the command cannot be started.
    import signal

    # Python ignores SIGPIPE and SIGXFSZ for itself; an exec'd program must get the default
    # back, as subprocess's restore_signals gives it (else `yes | head` never sees its SIGPIPE).
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # closed or None: nothing to lose
            pass
    try:
        os.execvpe(argv[0], argv, env)
    except OSError as exc:
        if exc.errno == errno.ENOEXEC:  # an executable file without #!: run by sh, as a shell,
            _exec_with_sh(argv, env)  # env, nohup or timeout (POSIX's execvp) would run it
        return _not_started(argv[0], exc)
    raise AssertionError("unreachable")  # pragma: no cover - execvpe does not return


def _exec_with_sh(argv: list[str], env: dict[str, str]) -> None:
    import shutil

    path = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=env.get("PATH"))
    if path is not None:
        try:
            os.execve("/bin/sh", ["/bin/sh", path, *argv[1:]], env)
        except OSError:  # no /bin/sh: the exec format error is what to report
            pass


def _spawn(argv: list[str], env: dict[str, str]) -> int:
    # Windows has no exec that keeps the process: the command runs as a child, waited for.
    import subprocess

    try:
        completed = subprocess.run(argv, env=env, check=False)
    except OSError as exc:
        return _not_started(argv[0], exc)
    except KeyboardInterrupt:
        return 130
    return completed.returncode


def _not_started(command: str, exc: OSError) -> int:
    """Say why ``command`` could not start, as a shell does; return the shell's status."""
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        _error(f"command not found: {command}", slug="run-not-found")
        return 127
    # Found, but not runnable (a folder, no execute permission, not an executable format).
    _error(f"cannot run {command}: {exc.strerror}", slug="run-cannot-run")
    return 126


def _error(message: str, *, slug: str) -> None:
    from .._base.errors import pointer

    stream = sys.stderr  # None when the caller closed it (2>&-): the status alone tells then
    if stream is not None:
        try:
            stream.write(f"compatshim: error: {message} {pointer(slug)}\n")
            stream.flush()
        except (OSError, ValueError):
            pass


def process_startup() -> None:
    """Install compatshim in a process started by ``compatshim run`` (from ``sitecustomize``)."""
    from .install import install

    install()
