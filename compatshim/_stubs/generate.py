"""``compatshim stubs``: keep the files type checkers read in step with the alias table.

Each file the table needs (see :mod:`.plan`) is compared with the disk: *missing*, *stale*
or *current*; a file generated earlier that the table no longer needs is *not needed*.
``--write`` brings them all in step; ``--check`` and ``compatshim check`` report them.
"""

from __future__ import annotations

import os

from .._base.errors import CompatshimError
from .._base.errors import pointer
from .._base.paths import shown
from .._model.config import read_config
from .._static import files as generated
from . import files as _stubfiles
from .plan import plan


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._model.config import Config
    from .plan import Planned

__all__ = ["StubChange", "StubsResult", "audit", "stubs"]


class StubChange:
    """One file out of step: ``status`` is ``missing``, ``stale`` or ``not needed``."""

    __module__ = "compatshim"
    __slots__ = ("aliases", "encoding", "new", "old", "path", "status")

    def __init__(
        self,
        path: str,
        status: str,
        old: str | None,
        new: str | None,
        aliases: set[str],
        encoding: tuple[str, bool] = ("utf-8", False),
    ) -> None:
        self.path, self.status, self.old, self.new = path, status, old, new
        self.aliases, self.encoding = aliases, encoding

    def diff(self) -> str:
        """The change as a unified diff."""
        import difflib

        name = shown(self.path)
        return "".join(
            difflib.unified_diff(
                (self.old or "").splitlines(keepends=True),
                (self.new or "").splitlines(keepends=True),
                f"a/{name}" if self.old is not None else "/dev/null",
                f"b/{name}" if self.new is not None else "/dev/null",
            )
        )

    def __repr__(self) -> str:
        return f"<StubChange {self.status} {self.path!r}>"


class StubsResult:
    """What :func:`stubs` found (and wrote): the files out of step, the files already current,
    notes about what could not be declared exactly, and what was refused."""

    __module__ = "compatshim"

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self.changes: list[StubChange] = []
        self.current: list[str] = []
        #: ``(slug, message)``: a name re-exported without its deprecation, and why.
        self.notes: list[tuple[str, str]] = []
        #: ``(slug, message, legacy keys)``: a file that cannot be generated, and why.
        self.refused: list[tuple[str, str, set[str]]] = []
        self.written = False

    @property
    def ok(self) -> bool:
        """Whether every file is current (or was just written) and nothing was refused."""
        return (self.written or not self.changes) and not self.refused

    def diff(self) -> str:
        """Every change as a unified diff, in file order."""
        return "".join(change.diff() for change in self.changes)

    def lines(self) -> list[str]:
        """One line per file out of step, for ``--check``."""
        return [f"{shown(c.path)}: {c.status}" for c in self.changes]

    def messages(self) -> list[str]:
        """One line per note and per refusal, each ending with its messages-page pointer."""
        notes = [f"{m} {pointer(s)}" for s, m in self.notes]
        return notes + [f"not written: {m} {pointer(s)}" for s, m, _ in self.refused]

    def summary(self) -> str:
        """One sentence: how many files are in step, and what was (or is to be) done."""
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.status] = counts.get(change.status, 0) + 1
        if self.written:
            written = sum(c.new is not None for c in self.changes)
            parts = [f"{written} written", f"{len(self.changes) - written} removed"]
        else:
            parts = [f"{n} {status}" for status, n in sorted(counts.items())]
        parts.append(f"{len(self.current)} current")
        if self.refused:
            parts.append(f"{len(self.refused)} not written")
        said = ", ".join(p for p in parts if not p.startswith("0 ")) or "nothing to generate"
        text = "compatshim stubs: " + said
        if self.changes and not self.written:
            text += "; run compatshim stubs --write"
        return text + ".\n"


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:
        return None


def _splice(path: str, text: str, block: str | None) -> str:
    try:
        return _stubfiles.splice_block(text, block)
    except CompatshimError as exc:  # a block cut short: name the module
        raise CompatshimError(f"{shown(path)}: {exc}", slug=exc.slug) from None


def _compare(config: Config, planned: list[Planned], result: StubsResult) -> None:
    from .._static.source import decode

    writer = _stubfiles.Writer(config.root)
    for item in planned:
        try:
            writer.check(item.path)
            raw = _read(item.path)
            if item.block:
                if raw is None:  # found on disk a moment ago
                    raise FileNotFoundError(f"{shown(item.path)} is gone")
                text, encoding, bom = decode(raw)
                new = _splice(item.path, text, item.text)
                if new == text:
                    result.current.append(item.path)
                    continue
                status = "stale" if generated.has_block(raw) else "missing"
                change = StubChange(item.path, status, text, new, item.aliases, (encoding, bom))
            elif raw is None:
                change = StubChange(item.path, "missing", None, item.text, item.aliases)
            elif not generated.is_generated(raw):
                raise CompatshimError(
                    f"{shown(item.path)} exists and was not generated by compatshim; "
                    "it is left alone (delete it, or move it, to generate the stub)",
                    slug="stubs-handwritten",
                )
            elif raw.decode("utf-8", "replace").replace("\r\n", "\n") == item.text:
                result.current.append(item.path)
                continue
            else:
                change = StubChange(item.path, "stale", raw.decode("utf-8", "replace"),
                                    item.text, item.aliases)  # fmt: skip
        except CompatshimError as exc:
            result.refused.append((exc.slug, str(exc), item.aliases))
            continue
        except (OSError, UnicodeDecodeError, SyntaxError) as exc:
            result.refused.append(
                ("stubs-write", f"cannot read {shown(item.path)}: {exc}", item.aliases)
            )
            continue
        result.changes.append(change)


def _orphans(config: Config, planned: list[Planned], result: StubsResult) -> None:
    from .._static.files import iter_discover
    from .._static.source import decode

    wanted = {os.path.normcase(os.path.abspath(item.path)) for item in planned}
    for path in iter_discover([config.root]):
        if os.path.normcase(os.path.abspath(path)) in wanted or os.path.islink(path):
            continue
        try:
            raw = _read(path)
            if raw is None:
                continue
            if path.endswith(".pyi") and generated.is_generated(raw):
                old = raw.decode("utf-8", "replace")
                result.changes.append(StubChange(path, "not needed", old, None, set()))
            elif path.endswith(".py") and generated.has_block(raw):
                text, encoding, bom = decode(raw)
                new = _splice(path, text, None)
                change = StubChange(path, "not needed", text, new, set(), (encoding, bom))
                result.changes.append(change)
        except CompatshimError as exc:
            result.refused.append((exc.slug, str(exc), set()))
        except (OSError, UnicodeDecodeError, SyntaxError) as exc:
            result.refused.append(("stubs-write", f"cannot read {shown(path)}: {exc}", set()))


def _apply(config: Config, result: StubsResult) -> None:
    from .._static.source import encode

    writer = _stubfiles.Writer(config.root)
    for change in result.changes:
        if change.new is None:
            writer.remove(change.path)
        else:
            writer.write(change.path, encode(change.new, *change.encoding))
    result.written = True


def _load(config: str | os.PathLike[str] | Config | None) -> Config:
    from .._model.config import Config

    loaded = config if isinstance(config, Config) else read_config(config, store=False)
    if loaded.path is None:
        raise CompatshimError(
            "no [tool.compatshim] table found in a pyproject.toml here or above; "
            "pass --config PATH",
            slug="stubs-no-config",
        )
    return loaded


def stubs(
    config: str | os.PathLike[str] | Config | None = None,
    *,
    write: bool = False,
    include: Sequence[str] = (),
) -> StubsResult:
    """Compare the stubs the alias table needs with the disk; with ``write``, bring them in step.

    Reads the canonical modules' source and never imports them. Writes only files it generated
    (a ``.pyi`` whose first line is its header, or its block in a real module, or the table a
    library ships, ``ship``). Aliases of included distributions (the configuration's
    ``include``, and ``include``) resolve chains; their own legacy paths get no stubs here.

    :raises ConfigError: if the configuration is invalid.
    :raises CompatshimError: if there is no configuration, or a write fails.
    """
    loaded = _load(config)
    table = None
    if loaded.include or include:
        from .._model.shipped import full_table

        table = full_table(loaded, include)
    planned, notes, refused = plan(loaded, table)
    result = StubsResult(loaded.path)
    result.notes, result.refused = notes, refused
    _compare(loaded, planned, result)
    _orphans(loaded, planned, result)
    result.changes.sort(key=lambda change: change.path)
    if write:
        _apply(loaded, result)
    return result


def audit(config: Config) -> dict[str, list[str]]:
    """For ``compatshim check``: the stub problems of each alias (by legacy key), once the
    project has generated stubs at all (a project that never ran ``stubs --write`` has none)."""
    if config.path is None:
        return {}
    planned, _, refused = plan(config)
    result = StubsResult(config.path)
    _compare(config, planned, result)
    if not result.current and all(c.status == "missing" for c in result.changes):
        return {}
    problems: dict[str, list[str]] = {}
    for change in result.changes:
        for key in sorted(change.aliases):
            problems.setdefault(key, []).append(
                f"{shown(change.path)} is {change.status}; run compatshim stubs --write"
            )
    for _, message, keys in [*refused, *result.refused]:
        for key in sorted(keys):
            problems.setdefault(key, []).append(message)
    return problems
