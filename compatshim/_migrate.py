"""``compatshim migrate``: rewrite legacy paths to canonical ones across a source tree.

Each file is parsed once and every alias applied in that one pass (``_rewrite``); the result is
parsed again before anything is written, and written atomically, keeping the file's encoding,
byte-order mark, newlines and permissions. With ``write=False`` nothing is written and the
result carries a unified diff instead.
"""

from __future__ import annotations

import difflib
import functools
import os
import stat
import time

from ._analyze import analyze
from ._findings import find
from ._rewrite import RewriteError
from ._rewrite import rewrite
from ._scan import _STATE
from ._scan import INTERNAL_ERROR
from ._scan import parallel
from ._scan import read_bytes
from ._scan import sources
from ._scan import static_table
from ._scan import wanted
from ._scan_render import shown
from ._source import Source
from ._source import decode
from ._source import encode


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._findings import Finding

__all__ = ["MigrateResult", "migrate"]


class MigrateResult:
    """What :func:`migrate` changed (or would change) and what it left for a human."""

    __module__ = "compatshim"

    def __init__(self, write: bool) -> None:
        self.write = write
        #: Files rewritten (or, without ``write``, that would be), with their unified diffs.
        self.changed: dict[str, str] = {}
        #: Legacy uses left as they are, each with ``note`` saying why.
        self.left: list[Finding] = []
        #: (file, why it was skipped).
        self.errors: list[tuple[str, str]] = []
        self.files = 0
        self.seconds = 0.0

    @property
    def ok(self) -> bool:
        """Whether nothing is left to do: no change pending and no use left for a human."""
        return (self.write or not self.changed) and not self.left

    def diff(self) -> str:
        """The unified diff of every changed file, in file order."""
        return "".join(self.changed[path] for path in sorted(self.changed))


def _write(path: str, data: bytes) -> None:
    # Atomic: a crash leaves the old file or the new one, never half of each.
    temporary = f"{path}.compatshim-tmp"
    mode = stat.S_IMODE(os.stat(path).st_mode)
    try:
        with open(temporary, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _migrate_one(path: str, *, write: bool) -> tuple[str, str, list[Finding], str | None] | None:
    try:
        raw = read_bytes(path)
        go, module, is_package = wanted(path, raw)
        if not go:
            return None
        text, encoding, bom = decode(raw)
        new, left = rewrite(text, _STATE["static"], module, is_package)
    except SyntaxError as exc:
        return path, "", [], f"not valid Python: {exc.msg} (line {exc.lineno})"
    except RewriteError as exc:
        # Nothing is written, and every use in the file is left for a person, with the reason:
        # scan will report exactly these, and the exit status says work remains.
        try:
            left, _ = find(analyze(text, module, is_package, _STATE["static"]), _STATE["static"])
        except Exception:  # noqa: BLE001 - it parsed a moment ago; report the file at least
            return path, "", [], f"left unchanged: {exc}"
        source = Source(text)
        for finding in left:
            finding.file = path
            finding.line, finding.column = source.position(finding.column)
            finding.note = f"the file is left unchanged: {exc}"
        return path, "", left, None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return path, "", [], f"cannot read: {exc}"
    except Exception as exc:  # noqa: BLE001 - one file must never stop the others: left as is
        return path, "", [], f"{INTERNAL_ERROR}: {exc!r}"
    source = Source(text)
    for finding in left:
        finding.file = path
        finding.line, finding.column = source.position(finding.column)
    if new == text:
        return path, "", left, None
    # Anything the rewrite neither changed nor explained is reported too, never silently kept.
    static = _STATE["static"]
    again, _ = find(analyze(new, module, is_package, static), static)
    if len(again) > len(left):
        placed = Source(new)
        explained = {(f.code, f.legacy) for f in left}
        for finding in again:
            if (finding.code, finding.legacy) not in explained:
                finding.file = path
                finding.line, finding.column = placed.position(finding.column)
                finding.note = "not rewritten automatically"
                left.append(finding)
    name = shown(path)
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
        )
    )
    if write:
        try:
            _write(path, encode(new, encoding, bom))
        except OSError as exc:
            return path, "", left, f"cannot write: {exc}"
    return path, diff, left, None


def migrate(
    paths: Sequence[str] = (".",),
    config: str | os.PathLike[str] | None = None,
    *,
    write: bool = False,
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    progress: bool = False,
) -> MigrateResult:
    """Rewrite every use of a configured legacy path under ``paths`` to its canonical path.

    Without ``write`` nothing is written: the result holds the diff of what would change.

    :raises ConfigError: if the configuration is invalid.
    :raises CompatshimError: if there is no configuration or a path does not exist.
    """
    started = time.perf_counter()
    static = static_table(config)
    files, counted = sources(paths, exclude)
    result = MigrateResult(write)
    work = functools.partial(_migrate_one, write=write)
    for path, diff, left, error in parallel(
        work, files, static, jobs=jobs, progress=progress, label="migrate"
    ):
        if error is not None:
            result.errors.append((path, error))
        if diff:
            result.changed[path] = diff
        result.left.extend(left)
    result.files = next(counted)
    result.left.sort(key=lambda f: (f.file, f.line, f.column))
    result.errors.sort()
    result.seconds = time.perf_counter() - started
    return result
