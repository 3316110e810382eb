"""The trend section of ``compatshim report --since/--last``: the history as text, Markdown,
JSON (the HTML report draws it as charts instead, in ``html.py``).

Names come from a history file anyone could have written: text and Markdown escape them as
the rest of the report does (``render.plain``), JSON keeps them exact.
"""

from __future__ import annotations

from .._base import paths
from .._base.terminal import plain
from .history import aliases_json
from .history import when
from .render import _markdown


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .history import Snapshot

__all__ = ["render_trend", "trend_json"]


def _row(s: Snapshot) -> list[str]:
    return [
        when(s.taken)[:16].replace("T", " "),
        f"{s.hits:,}",
        f"{s.sites:,}",
        f"{s.files:,}",
        f"{len(s.aliases):,}",
    ]


def _change(first: int, last: int) -> str:
    return f"{first:,} -> {last:,} ({last - first:+,})"


def _aliases(snapshots: list[Snapshot]) -> list[tuple[str, str, str]]:
    # Per alias seen in any snapshot: its hits and sites from the first snapshot to the last.
    first, last = snapshots[0].aliases, snapshots[-1].aliases
    names = sorted({name for s in snapshots for name in s.aliases})
    rows = []
    for name in names:
        a, b = first.get(name), last.get(name)
        rows.append(
            (
                name,
                _change(a.hits if a else 0, b.hits if b else 0),
                _change(a.sites if a else 0, b.sites if b else 0),
            )
        )
    return rows


def render_trend(snapshots: list[Snapshot], fmt: str) -> str:
    """The trend over ``snapshots`` (oldest first) as ``text`` or ``markdown``."""
    header = ["Taken (UTC)", "Hits", "Sites", "Files", "Aliases"]
    if not snapshots:
        return "\nHistory: no snapshot in that range.\n"
    since = when(snapshots[0].taken)[:10]
    title = f"History: {len(snapshots)} snapshots since {since}"
    if fmt == "markdown":
        out = ["", f"**{title}**", "", "| " + " | ".join(header) + " |", "| --- |" + " ---: |" * 4]
        out += ["| " + " | ".join(_row(s)) + " |" for s in snapshots]
        out += ["", "| Legacy path | Hits | Sites |", "| --- | --- | --- |"]
        out += [
            f"| {_markdown(paths.dotted(name))} | {hits} | {sites} |"
            for name, hits, sites in _aliases(snapshots)
        ]
        return "\n".join(out) + "\n"
    rows = [header, *(_row(s) for s in snapshots)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    out = ["", title]
    for r in rows:
        out.append(
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                      enumerate(zip(r, widths))).rstrip()
        )  # fmt: skip
    out.append("")
    for name, hits, sites in _aliases(snapshots):
        out.append(f"{plain(paths.dotted(name))}: hits {hits}, sites {sites}")
    return "\n".join(out) + "\n"


def trend_json(snapshots: list[Snapshot]) -> list[dict[str, Any]]:
    """The ``history`` key of ``report --format json`` with ``--since`` or ``--last``."""
    return [
        {
            "id": s.id,
            "taken": when(s.taken),
            "runs": s.runs,
            "hits": s.hits,
            "sites": s.sites,
            "files": s.files,
            "aliases": aliases_json(s),
        }
        for s in snapshots
    ]
