"""Per-file work over a source tree, in this process or in worker processes, results in order.

``scan`` and ``migrate`` hand each file to a function that only reads and computes; whatever is
written is written by the calling process, from the results. Large trees are read by one worker
process per core. Results come back in the order the files were listed, so output can be
streamed without holding it all; at most a few chunks per worker are in flight.

Workers die with the process that started them: they ignore Ctrl-C (the parent handles it and
cancels what is queued), and a thread in each one exits it as soon as its parent is gone (killed
by SIGKILL, say), instead of waiting forever for work that will never come.
"""

from __future__ import annotations

import gc
import itertools
import os
import sys
from collections import deque


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Sequence
    from concurrent.futures import Future
    from typing import Any

__all__ = ["POOL_THRESHOLD", "ordered"]

#: Below this many files a pool costs more than it saves.
POOL_THRESHOLD = 400
_CHUNK = 64
#: Chunks in flight per worker: enough to keep every worker busy while the oldest is awaited.
_AHEAD = 8
#: How often a worker checks that its parent is still there (seconds).
_PARENT_POLL = 0.2


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(_PARENT_POLL)
    os._exit(1)  # the parent is gone: nobody will read what this process computes


def _start_worker(initializer: Callable[..., None], arguments: tuple[Any, ...]) -> None:
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    initializer(*arguments)


def _run_chunk(work: Callable[[str], Any], paths: Sequence[str]) -> tuple[int, list[Any]]:
    # Syntax trees hold no reference cycles, yet building them triggers the cycle collector
    # over and over (a fifth of the parse time): it is paused while a chunk is read.
    enabled = gc.isenabled()
    gc.disable()
    try:
        # Files not worth parsing give None: nothing to send back to the main process.
        return len(paths), [r for r in map(work, paths) if r is not None]
    finally:
        if enabled:
            gc.enable()


def ordered(
    work: Callable[[str], Any],
    files: Iterable[str],
    initializer: Callable[..., None],
    arguments: tuple[Any, ...],
    *,
    jobs: int | None = None,
    progress: bool = False,
    label: str = "scan",
) -> Iterator[Any]:
    """``work(path)`` for every file, in the order of ``files``, ``None`` results left out.

    ``initializer(*arguments)`` prepares each process that runs ``work``. ``files`` may be a
    lazy iterator: chunks go to the workers as it yields them. Closing the iterator early (or
    an exception in the caller) cancels the work still queued.
    """
    jobs = jobs or os.cpu_count() or 1
    pending = iter(files)
    head = list(itertools.islice(pending, POOL_THRESHOLD))
    if jobs == 1 or len(head) < POOL_THRESHOLD:
        initializer(*arguments)
        everything = head + list(pending)
        show = progress and len(everything) >= POOL_THRESHOLD
        for start in range(0, len(everything), _CHUNK):
            yield from _run_chunk(work, everything[start : start + _CHUNK])[1]
            if show:
                _show(label, min(start + _CHUNK, len(everything)), len(everything))
        if show:
            _show(label, 0, 0)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from .._base.errors import CompatshimError

    remaining = itertools.chain(head, pending)
    done = listed = 0
    queue: deque[Future[tuple[int, list[Any]]]] = deque()
    pool = ProcessPoolExecutor(
        max_workers=jobs, initializer=_start_worker, initargs=(initializer, arguments)
    )
    finished = broken = False
    try:
        while True:
            try:  # a dead worker breaks the pool: submitting and awaiting both say so
                while len(queue) < jobs * _AHEAD:
                    chunk = list(itertools.islice(remaining, _CHUNK))
                    if not chunk:
                        break
                    listed += len(chunk)
                    queue.append(pool.submit(_run_chunk, work, chunk))
                if not queue:
                    break
                count, results = queue.popleft().result()
            except BrokenProcessPool:
                # A worker was killed (SIGKILL, the out-of-memory killer): what it held is lost.
                # What was already written stays written, each file whole (migrate writes here).
                broken = True
                raise CompatshimError(
                    f"{label} stopped: a worker process ended abruptly (killed, or out of "
                    "memory); files already done are complete, run it again for the rest",
                    slug="pool-broken",
                ) from None
            done += count
            if progress:
                _show(label, done, listed)
            yield from results
        finished = True
    finally:
        # Interrupted: what is queued is dropped, what runs only computes and is not awaited.
        # Broken: its manager thread, which has ended the other workers, is joined (quickly):
        # left running, it races concurrent.futures' exit hook, which then may print a
        # traceback (a closed wake-up pipe written to, on 3.11).
        pool.shutdown(wait=finished or broken, cancel_futures=True)
    if progress:
        _show(label, 0, 0)


def _show(label: str, done: int, total: int) -> None:
    # The progress line on stderr, rewritten in place; erased with a total of 0.
    line = f"compatshim {label}: {done}/{total} files" if total else "\033[K"
    sys.stderr.write(f"\r{line}")
    sys.stderr.flush()
