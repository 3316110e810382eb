"""``compatshim migrate``: rewrite legacy paths to canonical ones across a source tree.

Each file is parsed once and every alias applied in that one pass (``rewrite``); the result is
parsed again before anything is written, and written atomically, keeping the file's encoding,
byte-order mark, newlines and permissions. With ``write=False`` nothing is written and the
result carries a unified diff instead.

Workers only read and compute; this process alone writes, each file through a temporary file of
its own renamed over it (``_source.replace``), and only a regular file with one link that is still
the file that was read. Killed at any moment, ``migrate --write`` leaves every file old or new,
and no worker behind (``pool``). A symbolic link or a file with other hard links is never
rewritten: its uses are listed, each with the reason.
"""

from __future__ import annotations

import difflib
import functools
import os
import time

from .._base.errors import RewriteError
from .._base.paths import shown
from .analyze import analyze
from .constructions import find_constructions
from .files import DOC_SUFFIXES
from .files import SUFFIXES
from .findings import find
from .pipeline import internal_error
from .pipeline import prepare
from .pipeline import sources
from .pipeline import static
from .pipeline import static_table
from .pipeline import unread_folder
from .pipeline import wanted
from .pool import ordered
from .rewrite import rewrite
from .source import FileChangedError
from .source import NotRegularFile
from .source import Source
from .source import decode
from .source import encode
from .source import failure
from .source import identity
from .source import read
from .source import reason
from .source import replace
from .suppress import reported
from .suppress import suppressions


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .findings import Finding
    from .table import StaticTable

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
        """Whether nothing is left to do: no change pending, no use left for a human, and no
        file that may hold one skipped."""
        return (self.write or not self.changed) and not self.left and not self.errors

    def diff(self) -> str:
        """The unified diff of every changed file, in file order."""
        return "".join(self.changed[path] for path in sorted(self.changed))


def _placed(findings: list[Finding], path: str, source: Source, note: str = "") -> None:
    for finding in findings:
        finding.file = path
        finding.line, finding.column = source.position(finding.column)
        if note:
            finding.note = note


def _follow(left: list[Finding], again: list[Finding]) -> None:
    # Give each use left the position of the same use in the rewritten text (the n-th use of a
    # legacy path by one code is the n-th there too: the rewrite only removes uses).
    positions: dict[tuple[str, str], list[Finding]] = {}
    for finding in again:
        positions.setdefault((finding.code, finding.legacy), []).append(finding)
    for finding in left:
        same = positions.get((finding.code, finding.legacy))
        if same:
            moved = same.pop(0)
            finding.line, finding.column = moved.line, moved.column


def _folder_link(path: str) -> str | None:
    # The first folder of ``path``, as it is written, that is a symbolic link (the current
    # folder is a real path: only what the path names can be a link).
    folder = os.path.dirname(path)
    parts = folder.split(os.sep)
    for end in range(1, len(parts) + 1):
        prefix = os.sep.join(parts[:end])
        if prefix and os.path.islink(prefix):
            return prefix
    return None


def _link_note(path: str, info: os.stat_result) -> str | None:
    # Why a file is never rewritten in place: replacing a link would cut it from what it shares,
    # and writing through one writes where the project does not own.
    if os.path.islink(path):
        text = "a symbolic link, never written through: migrate the file it points to"
        return reason(text, slug="migrate-link")
    folder = _folder_link(path)
    if folder is not None:
        text = (
            f"reached through the symbolic link {shown(folder)}, never written through: "
            "migrate the file it points to"
        )
        return reason(text, slug="migrate-link")
    if info.st_nlink > 1:
        text = (
            f"the file has {info.st_nlink} hard links, which a rewrite would split: "
            "rewrite it by hand or break the links first"
        )
        return reason(text, slug="migrate-link")
    return None


def _prose(text: str, table: StaticTable, *, python: bool) -> str:
    # migrate --docs: the legacy paths named in prose, rewritten; not on a line whose noqa
    # comment silences CS107.
    from .docrefs import references
    from .docrefs import rewrite_docs

    skip: frozenset[int] = frozenset()
    if python:
        source = Source(text)
        refs = references(text, table, python=True)
        lines = [source.position(ref.start)[0] for ref in refs]
        quiet = suppressions(text, lines)
        if quiet:
            skip = frozenset(
                ref.start for ref, line in zip(refs, lines) if quiet.silences(line, "CS107")
            )
    return rewrite_docs(text, table, python=python, skip=skip)


def _prose_only(
    path: str, raw: bytes, info: os.stat_result, *, write: bool, python: bool
) -> Outcome | None:
    # A documentation file, or Python source whose code names no path (migrate --docs).
    from .docrefs import doc_findings

    table = static()
    if not any(root.encode() in raw for root in table.roots):
        return None
    text, encoding, bom = decode(raw)
    new = _prose(text, table, python=python)
    if new == text:
        return None
    linked = _link_note(path, info)
    try:
        data = _encoded(new, text, encoding, bom)
    except _Unencodable as exc:
        linked = reason(f"the file is left unchanged: {exc}", slug="migrate-encoding")
    if linked is not None:
        every = doc_findings(text, table, python=python)
        _placed(every, path, Source(text), linked)
        return Outcome(path, left=every)
    outcome = Outcome(path, diff=_unified(path, text, new))
    if write:
        outcome.data = data
        outcome.identity = identity(info)
    return outcome


def _unified(path: str, text: str, new: str) -> str:
    name = shown(path)
    return "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
        )
    )


def _migrate_one(path: str, *, write: bool, docs: bool = False) -> Outcome | None:
    # Runs in a worker: reads and computes, never writes (the parent writes, see migrate()).
    raw = None
    try:
        raw, info = read(path)
        if docs and path.endswith(DOC_SUFFIXES):
            return _prose_only(path, raw, info, write=write, python=False)
        candidate = wanted(path, raw)
        if candidate is None:
            return _prose_only(path, raw, info, write=write, python=True) if docs else None
        module, is_package = candidate.module, candidate.is_package
        text, encoding, bom = decode(raw)
        table = static()
        new, left = rewrite(text, table, module, is_package)
        if docs:
            new = _prose(new, table, python=True)
        data = _encoded(new, text, encoding, bom)
    except RewriteError as exc:
        # Nothing is written, and every use in the file is left for a person, with the reason:
        # scan will report exactly these, and the exit status says work remains.
        try:
            left, _ = find(analyze(text, module, is_package, table), table)
        except Exception as inner:  # noqa: BLE001 - it parsed a moment ago; report the file at least
            return Outcome(path, error=internal_error(inner))
        note = f"the file is left unchanged: {exc}"
        if isinstance(exc, _Unencodable):
            note = reason(note, slug="migrate-encoding")
        _placed(left, path, Source(text), note)
        return Outcome(path, left=reported(left, text))
    except (OSError, ValueError, SyntaxError) as exc:  # unreadable, undecodable, not Python
        return Outcome(path, error=failure(exc, raw))
    except Exception as exc:  # noqa: BLE001 - one file must never stop the others: left as is
        return Outcome(path, error=internal_error(exc))
    source = Source(text)
    _placed(left, path, source)
    # Direct constructions are never rewritten (the factory's signature is not the class's).
    built = find_constructions(text, source, module, is_package, table)
    _placed(built, path, source)
    if built:
        left.extend(built)
        left.sort(key=lambda f: (f.line, f.column, f.code))
    if new == text:
        return Outcome(path, left=left)
    linked = _link_note(path, info)
    if linked is not None:
        every, _ = find(analyze(text, module, is_package, table), table)
        _placed(every, path, source, linked)
        outcome = Outcome(path, left=reported(every, text))
        if os.path.realpath(path) != os.path.abspath(path):  # its target may be migrated
            outcome.target = os.path.realpath(path)
        return outcome
    # Anything the rewrite neither changed nor explained is reported too, never silently kept.
    again, _ = find(analyze(new, module, is_package, table), table)
    _placed(again, path, Source(new))
    if write:  # what is left is listed where it now is, in the file as written
        _follow(left, again)
    if again:  # a use a comment suppresses stays, as it should
        again = reported(again, new)
    if len(again) > len(left):
        explained = {(f.code, f.legacy) for f in left}
        unexplained = [f for f in again if (f.code, f.legacy) not in explained]
        for finding in unexplained:
            finding.note = "not rewritten automatically"
        left.extend(unexplained)
    outcome = Outcome(path, diff=_unified(path, text, new), left=left)
    if write:
        outcome.data = data
        outcome.identity = identity(info)
    return outcome


class _Unencodable(RewriteError):
    """The rewritten text holds characters the file's declared encoding cannot."""


def _encoded(new: str, text: str, encoding: str, bom: bool) -> bytes:
    # The bytes to write, checked whether --write is given or not: --diff shows what it writes.
    if new == text:
        return b""
    try:
        return encode(new, encoding, bom)
    except UnicodeEncodeError as exc:
        character = new[exc.start]
        raise _Unencodable(
            f"its encoding, {encoding}, cannot hold {character!r} (U+{ord(character):04X}) "
            "that the rewrite needs: change the encoding declaration to utf-8"
        ) from None


class Outcome:
    """What one file's migration computed, sent back to the process that writes."""

    __slots__ = ("data", "diff", "error", "identity", "left", "path", "target")

    def __init__(
        self, path: str, *, diff: str = "", left: list[Finding] | None = None, error: str = ""
    ) -> None:
        self.path, self.diff, self.left, self.error = path, diff, left or [], error
        self.data: bytes | None = None  # the new bytes, to write
        self.identity: tuple[int, int, int, int] | None = None  # of the file that was read
        self.target: str | None = None  # for a symbolic link: the real path it points to


def _write(outcome: Outcome) -> str:
    # In the parent only: a killed migrate leaves each file old or new, and no worker behind.
    assert outcome.data is not None
    assert outcome.identity is not None
    try:
        replace(outcome.path, outcome.data, outcome.identity)
    except NotRegularFile as exc:
        return reason(f"{exc}: left unchanged", slug="migrate-link")
    except FileChangedError as exc:
        return reason(f"{exc}: left unchanged", slug="migrate-changed")
    except OSError as exc:
        return reason(f"cannot write it: {exc.strerror or exc}", slug="migrate-write")
    return ""


def migrate(
    paths: Sequence[str] = (".",),
    config: str | os.PathLike[str] | None = None,
    *,
    write: bool = False,
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    progress: bool = False,
    include: Sequence[str] = (),
    docs: bool = False,
) -> MigrateResult:
    """Rewrite every use of a configured legacy path under ``paths`` to its canonical path.

    Without ``write`` nothing is written: the result holds the diff of what would change.
    ``include`` names distributions whose shipped alias tables are read too (``--from``).
    With ``docs``, the legacy paths named in comments, docstrings and ``.md``/``.rst`` files
    (``scan``'s CS107) are rewritten too.

    :raises ConfigError: if the configuration is invalid.
    :raises CompatshimError: if there is no configuration or a path does not exist.
    """
    started = time.perf_counter()
    table = static_table(config, include)
    problems: list[tuple[str, OSError]] = []
    suffixes = (*SUFFIXES, *DOC_SUFFIXES) if docs else SUFFIXES
    files, counted = sources(paths, exclude, problems, suffixes)
    result = MigrateResult(write)
    work = functools.partial(_migrate_one, write=write, docs=docs)
    migrated: set[str] = set()
    links: list[Outcome] = []
    for outcome in ordered(
        work, files, prepare, (table,), jobs=jobs, progress=progress, label="migrate"
    ):
        if outcome.data is not None:
            error = _write(outcome)
            if error:
                outcome.error, outcome.diff = error, ""
        if outcome.error:
            result.errors.append((outcome.path, outcome.error))
        if outcome.diff:
            result.changed[outcome.path] = outcome.diff
        migrated.add(os.path.abspath(outcome.path))
        if outcome.target is not None:
            links.append(outcome)
        else:
            result.left.extend(outcome.left)
    # A link to a file migrated in this run is migrated with it: its uses are not left over.
    result.left.extend(f for o in links if o.target not in migrated for f in o.left)
    result.files = next(counted)
    result.errors.extend((folder, unread_folder(exc)) for folder, exc in problems)
    result.seconds = time.perf_counter() - started
    return result
