"""The baseline ratchet of ``scan --baseline``: today's findings recorded, only new ones fail.

A baseline entry is keyed by what a finding *is*, not where it sits: its file (relative to the
baseline's folder, ``/``-separated), code, legacy path and the text of its line with the
spacing normalised, with a ``count`` of the findings that share that key in the file. Lines
moving (an edit above, a reformat of the indentation) change no key; a new use on a line of its
own, or a second use on an identical line, is beyond the count and new. The file is JSON,
entries sorted, one key per line, so a review sees exactly which entries went.

Only files the scan read are judged: entries of files outside the scanned paths (a pre-commit
run on the changed files) are neither new nor stale.

Versions of the file format, logged here:
1: first version ({"version", "tool", "entries": [{"file", "code", "legacy", "source",
   "count"}]}).
"""

from __future__ import annotations

import json
import os

from .._base.errors import CompatshimError
from .._base.paths import shown
from .._base.safeio import UnsafePath
from .._base.safeio import read_regular
from .._base.safeio import write_replace
from .source import decode


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Sequence

    from .findings import Finding
    from .scan import ScanResult

__all__ = ["VERSION", "Baseline", "Key"]

#: The version of the baseline file this compatshim writes and reads (see the log above).
VERSION = 1
# A baseline larger than this is not one compatshim wrote (about a million entries).
_LIMIT = 256 << 20

#: (file, code, legacy path, normalised source line).
Key = tuple[str, str, str, str]


def _invalid(path: str, why: str) -> CompatshimError:
    return CompatshimError(f"{path}: not a usable baseline: {why}", slug="baseline-invalid")


class Baseline:
    """The entries of one baseline file, and what a scan made of them."""

    def __init__(
        self, path: str, entries: dict[Key, int] | None = None, *, record: bool = False
    ) -> None:
        self.path = path
        #: Recording (``--write-baseline``): every finding is accounted for.
        self.record = record
        self.folder = os.path.dirname(os.path.abspath(path))
        self.entries: dict[Key, int] = entries or {}
        #: How often each key occurred in the files this scan read.
        self.seen: dict[Key, int] = {}
        #: Findings the baseline accounts for.
        self.baselined = 0
        self._roots: list[str] = []

    # -- reading and writing ------------------------------------------------------------------

    @classmethod
    def load(cls, path: str) -> Baseline:
        """Read the baseline file ``path`` (untrusted input: every value is checked).

        :raises CompatshimError: ``baseline-missing`` or ``baseline-invalid``.
        """
        try:
            raw = read_regular(path, limit=_LIMIT)
        except FileNotFoundError:
            raise CompatshimError(
                f"{path}: no such baseline; create it with --write-baseline",
                slug="baseline-missing",
            ) from None
        except UnsafePath as exc:
            raise _invalid(path, str(exc).replace(f"{path} ", "", 1)) from None
        except OSError as exc:
            raise _invalid(path, exc.strerror or str(exc)) from None
        try:
            document = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise _invalid(path, "not UTF-8") from None
        except (ValueError, RecursionError) as exc:
            raise _invalid(path, f"not JSON ({str(exc).partition(':')[0]})") from None
        return cls(path, _entries(path, document))

    def dump(self, entries: dict[Key, int]) -> str:
        """The text of a baseline file holding ``entries``: sorted, one entry per line."""
        lines = [
            json.dumps(
                {"file": k[0], "code": k[1], "legacy": k[2], "source": k[3], "count": n},
                ensure_ascii=False,
            )
            for k, n in sorted(entries.items())
        ]
        body = ",\n    ".join(lines)
        body = f"\n    {body}\n  " if lines else ""
        return f'{{\n  "version": {VERSION},\n  "tool": "compatshim",\n  "entries": [{body}]\n}}\n'

    def save(self, entries: dict[Key, int]) -> None:
        """Replace the baseline file with ``entries``, atomically; never through a link.

        :raises CompatshimError: ``baseline-write``.
        """
        if os.path.islink(self.path):
            raise CompatshimError(
                f"{self.path}: a symbolic link; compatshim writes the baseline only as a "
                "regular file of its own",
                slug="baseline-write",
            )
        try:
            write_replace(self.path, self.dump(entries).encode("utf-8"))
        except OSError as exc:
            raise CompatshimError(
                f"cannot write {self.path}: {exc.strerror or exc}", slug="baseline-write"
            ) from None

    # -- judging a scan -----------------------------------------------------------------------

    def _relative(self, file: str) -> str:
        return os.path.relpath(os.path.abspath(file), self.folder).replace(os.sep, "/")

    def filter(
        self, result: ScanResult, findings: Iterable[Finding], paths: Sequence[str]
    ) -> Iterator[Finding]:
        """The findings the baseline does not account for, in order; once they are all read,
        ``result`` counts only those (and ``result.baselined`` the others)."""
        self._roots = [os.path.abspath(p) for p in paths]
        new = 0
        new_files: set[str] = set()
        last, lines, shown = None, [""], ""
        for finding in findings:
            if finding.suppressed:  # listed with --show-suppressed: neither new nor recorded
                yield finding
                continue
            if finding.file != last:
                last, lines = finding.file, _lines(finding.file)
                shown = self._relative(finding.file)
            text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
            key = (shown, finding.code, finding.legacy, " ".join(text.split()))
            count = self.seen.get(key, 0) + 1
            self.seen[key] = count
            if self.record or count <= self.entries.get(key, 0):
                self.baselined += 1
                continue
            new += 1
            new_files.add(shown)
            yield finding
        result.found, result.found_files = new, len(new_files)
        result.baselined = self.baselined

    def _judged(self, file: str) -> bool:
        # Whether the scan read the file of an entry: it lies under one of the scanned paths.
        path = os.path.normpath(os.path.join(self.folder, file))
        return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep)
                   for root in self._roots)  # fmt: skip

    def stale(self) -> dict[Key, int]:
        """Entries the scan found fewer of than recorded: key -> how many no longer occur."""
        gone: dict[Key, int] = {}
        for key, count in self.entries.items():
            left = count - self.seen.get(key, 0)
            if left > 0 and self._judged(key[0]):
                gone[key] = left
        return gone

    def shrunk(self) -> dict[Key, int]:
        """The entries without the stale ones: what ``--update-baseline`` writes (it never adds)."""
        kept: dict[Key, int] = {}
        for key, count in self.entries.items():
            now = min(count, self.seen.get(key, 0)) if self._judged(key[0]) else count
            if now:
                kept[key] = now
        return kept

    def conclude(self, *, write: bool, update: bool) -> list[str]:
        """Once the scan is read: the file written (``write``) or rid of its stale entries
        (``update``), and the lines that tell the user so, or name the stale entries.

        :raises CompatshimError: ``baseline-write``.
        """
        name = shown(self.path)
        if write:
            entries = self.recorded()
            self.save(entries)
            return [f"{sum(entries.values())} findings recorded in {name}"]
        stale = self.stale()
        lines = [
            f"{file}: {code} {legacy} no longer occurs{f' ({n} of them)' if n > 1 else ''}: "
            f"{source}"
            for (file, code, legacy, source), n in sorted(stale.items())
        ]
        if stale and update:
            self.save(self.shrunk())
            lines.append(f"{sum(stale.values())} findings removed from {name}")
        elif stale:
            lines.append(f"run with --update-baseline to remove them from {name}")
        return lines

    def recorded(self) -> dict[Key, int]:
        """Every finding this scan saw, as entries: what ``--write-baseline`` writes."""
        return dict(self.seen)


def _lines(file: str) -> list[str]:
    # The lines of a file with findings (read again: the workers keep no text).
    try:
        return decode(read_regular(file))[0].splitlines()
    except (OSError, ValueError):
        return []


def _entries(path: str, document: object) -> dict[Key, int]:
    if not isinstance(document, dict):
        raise _invalid(path, "not a JSON object")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _invalid(path, "no version")
    if version > VERSION:
        raise _invalid(path, f"version {version} is newer than this compatshim reads ({VERSION})")
    items = document.get("entries")
    if not isinstance(items, list):
        raise _invalid(path, "no list of entries")
    entries: dict[Key, int] = {}
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise _invalid(path, f"entry {number} is not an object")
        fields = [item.get(name) for name in ("file", "code", "legacy", "source")]
        count = item.get("count")
        if not all(isinstance(f, str) for f in fields):
            raise _invalid(path, f"entry {number} lacks a file, code, legacy or source string")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise _invalid(path, f"entry {number} has no positive count")
        key: Key = (fields[0], fields[1], fields[2], fields[3])  # type: ignore[assignment]
        entries[key] = entries.get(key, 0) + count
    return entries
