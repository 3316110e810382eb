"""Which files ``scan`` and ``migrate`` read, and what module each one is.

Files ``compatshim stubs`` generated are not the user's code: a whole generated ``.pyi`` is
skipped, and the block generated into a real module is read as blank lines. Their markers are
defined here, where the static tools read them; ``_stubs.files`` writes them.

In a git work tree the file list comes from ``git ls-files`` (tracked and untracked, minus what
``.gitignore`` ignores), so ignoring works exactly as git does it; elsewhere the tree is walked.
Either way the default excludes (virtual environments, VCS and build folders, caches) and the
user's ``--exclude`` globs apply below the given paths; a file named explicitly is always read.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess

from .._base.errors import CompatshimError


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Sequence

__all__ = [
    "BEGIN",
    "DEFAULT_EXCLUDES",
    "END",
    "HEADER",
    "blank_block",
    "discover",
    "find_block",
    "has_block",
    "is_generated",
    "iter_discover",
    "module_name",
]

#: Folder names never read below a given path (compared with the folder's own name).
DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "*.egg-info",
    "__pycache__",
    "__pypackages__",
    "build",
    "dist",
    "site-packages",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".compatshim",
)

SUFFIXES = (".py", ".pyi")
#: The documentation files read for references in prose (``scan --select CS107``,
#: ``migrate --docs``).
DOC_SUFFIXES = (".md", ".rst")


class _Excludes:
    """Glob patterns matched against a path's components and against the whole relative path."""

    __slots__ = ("_glob",)

    def __init__(self, patterns: Sequence[str]) -> None:
        joined = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)"
        self._glob = re.compile(joined)

    def name(self, name: str) -> bool:
        """Whether one file or folder name is excluded."""
        return self._glob.match(name) is not None

    def path(self, relative: str) -> bool:
        """Whether a relative path, or any folder or file name in it, is excluded."""
        match = self._glob.match
        return match(relative) is not None or any(match(p) is not None for p in relative.split("/"))


def _git_files(folder: str, suffixes: tuple[str, ...] = SUFFIXES) -> list[str] | None:
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=folder,
            capture_output=True,
            check=False,
        )
    except OSError:  # git is not installed
        return None
    if result.returncode != 0:  # not a work tree
        return None
    names = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    found = sorted({n for n in names if n.endswith(suffixes)})
    if not found and _ignored_by_git(folder):
        return None  # the folder was named although git ignores it: read it all
    return found


def _ignored_by_git(folder: str) -> bool:
    result = subprocess.run(
        ["git", "check-ignore", "-q", "."], cwd=folder, capture_output=True, check=False
    )
    return result.returncode == 0


def _listing(
    folder: str, prefix: str, problems: list[tuple[str, OSError]] | None
) -> Iterator[tuple[str, str]]:
    # One folder's entries, sorted: (name, with "/" after a folder's; name). Links to folders
    # are left out. A folder that cannot be read (no permission, a path longer than the system
    # allows) goes to ``problems``; one that is gone is no concern.
    directory = os.path.join(folder, prefix) if prefix else folder
    entries = []
    try:
        with os.scandir(directory) as scanned:
            for entry in scanned:
                try:
                    is_dir = entry.is_dir()
                    linked = is_dir and entry.is_symlink()
                except OSError:
                    is_dir = linked = False
                if not linked:
                    entries.append((entry.name + "/" if is_dir else entry.name, entry.name))
    except FileNotFoundError:
        return iter(())
    except OSError as exc:
        if problems is not None:
            problems.append((directory, exc))
        return iter(())
    return iter(sorted(entries))


def _walk(
    folder: str,
    excludes: _Excludes,
    problems: list[tuple[str, OSError]] | None = None,
    suffixes: tuple[str, ...] = SUFFIXES,
) -> Iterator[str]:
    # Depth first, every level sorted so that the paths come out in string order ("a.py" before
    # "a/b.py" before "a0.py"), as git lists them: output can then follow the listing. Links to
    # folders are not followed. A stack, not recursion: folders nest as deep as paths allow.
    pending = [_listing(folder, "", problems)]
    prefixes = [""]
    while pending:
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
            prefixes.pop()
            continue
        key, name = entry
        prefix = prefixes[-1]
        relative = prefix + name
        if key[-1] == "/":
            if (
                not excludes.name(name)
                and not (prefix and excludes.path(relative))
                and not os.path.exists(os.path.join(folder, relative, "pyvenv.cfg"))
            ):
                pending.append(_listing(folder, relative + "/", problems))
                prefixes.append(relative + "/")
        elif name.endswith(suffixes) and not excludes.name(name) and not excludes.path(relative):
            yield relative


def _in_venv(root: str, relative: str, cache: dict[str, bool]) -> bool:
    # Whether a folder between root and the file is a virtual environment (has pyvenv.cfg).
    folder = relative.rpartition("/")[0]
    while folder:
        known = cache.get(folder)
        if known is None:
            known = cache[folder] = os.path.exists(os.path.join(root, folder, "pyvenv.cfg"))
        if known:
            return True
        folder = folder.rpartition("/")[0]
    return False


def discover(paths: Iterable[str], exclude: Sequence[str] = ()) -> list[str]:
    """The source files under ``paths``, in a stable order, without duplicates."""
    return list(iter_discover(paths, exclude))


def iter_discover(
    paths: Iterable[str],
    exclude: Sequence[str] = (),
    problems: list[tuple[str, OSError]] | None = None,
    suffixes: tuple[str, ...] = SUFFIXES,
) -> Iterator[str]:
    """:func:`discover`, one file at a time: work on the first files can start while a large
    tree is still being walked. Folders that cannot be read go to ``problems``, if given;
    ``suffixes``: the files listed (Python source by default)."""
    excludes = _Excludes((*DEFAULT_EXCLUDES, *exclude))
    seen: set[str] = set()
    for path in paths:
        if not os.path.isdir(path):
            if path not in seen:
                seen.add(path)
                yield path
            continue
        git_listed = _git_files(path, suffixes)
        listed: Iterable[str]
        if git_listed is None:
            listed = _walk(path, excludes, problems, suffixes)  # already filtered while walking
        else:
            venvs: dict[str, bool] = {}
            listed = (
                relative
                for relative in git_listed
                if not excludes.path(relative)
                and not _in_venv(path, relative, venvs)
                and os.path.isfile(os.path.join(path, relative))
            )
        for relative in listed:
            full = os.path.normpath(os.path.join(path, relative))
            if full not in seen:
                seen.add(full)
                yield full


def module_name(path: str, cache: dict[str, str | None]) -> tuple[str | None, bool]:
    """The dotted module name of a source file from its package folders, and if it is a package.

    A folder is a package when it has an ``__init__.py``; the name is ``None`` for a file that
    is not inside one and not importable by name (its relative imports cannot be resolved).
    """
    folder, filename = os.path.split(os.path.abspath(path))
    stem = filename.rsplit(".", 1)[0]
    package = _package(folder, cache)
    if stem == "__init__":
        return package, True
    if not stem.isidentifier():
        return None, False
    return (f"{package}.{stem}" if package else stem), False


def _package(folder: str, cache: dict[str, str | None]) -> str | None:
    # The package a folder is, from its parents up (a loop: packages nest as deep as paths do).
    chain: list[str] = []  # folders, innermost first, down from the first one known or not one
    current = folder
    known: str | None = None
    while True:
        if current in cache:
            known = cache[current]
            break
        base = os.path.basename(current)
        if not (base.isidentifier() and os.path.isfile(os.path.join(current, "__init__.py"))):
            cache[current] = None
            break
        chain.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for inner in reversed(chain):
        base = os.path.basename(inner)
        known = f"{known}.{base}" if known else base
        cache[inner] = known
    return cache[folder]


# -- files compatshim stubs generated ----------------------------------------------------------

#: The first line of every generated ``.pyi`` (what marks the file as ours).
HEADER = "# Generated by `compatshim stubs --write`"
#: The first and last lines of the block generated into a real module.
BEGIN = "# >>> compatshim stubs: generated by `compatshim stubs --write`; do not edit this block"
END = "# <<< compatshim stubs"
_HEADER_BYTES = HEADER.encode()
_BEGIN_BYTES = BEGIN[:22].encode()  # "# >>> compatshim stubs": enough to recognise it
_BLOCK = re.compile(
    "^" + re.escape(BEGIN[:22]) + r"[^\r\n]*(?:\r\n|\r|\n).*?^" + re.escape(END)
    + r"[^\r\n]*(?:\r\n|\r|\n|\Z)",
    re.MULTILINE | re.DOTALL,
)  # fmt: skip


def is_generated(raw: bytes) -> bool:
    """Whether a file's bytes are a whole stub generated by ``compatshim stubs``."""
    return raw.startswith(_HEADER_BYTES)


def has_block(raw: bytes) -> bool:
    """Whether a file's bytes contain a generated block (or the start of one)."""
    return _BEGIN_BYTES in raw


def find_block(text: str) -> tuple[int, int] | None:
    """The ``(start, end)`` offsets of the generated block in ``text``, or ``None``.

    :raises CompatshimError: if the block has a beginning but no end (it was edited by hand).
    """
    match = _BLOCK.search(text)
    if match is not None:
        return match.start(), match.end()
    if re.search("^" + re.escape(BEGIN[:22]), text, re.MULTILINE):
        raise CompatshimError(
            "its compatshim stubs block has no end line; restore or delete the block",
            slug="stubs-block",
        )
    return None


def blank_block(text: str) -> str:
    """``text`` with the generated block's lines emptied (line numbers kept), for ``scan``."""
    if BEGIN[:22] not in text:
        return text
    try:
        span = find_block(text)
    except CompatshimError:
        return text
    if span is None:
        return text
    start, end = span
    return text[:start] + "\n" * text.count("\n", start, end) + text[end:]
