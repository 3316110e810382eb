"""Rendering a telemetry report: text sized to the terminal, Markdown, versioned JSON.

Every name in a report comes from a data file, which anyone could have written: text output
escapes control and other unprintable characters (no terminal escape sequence, newline or
bidirectional override gets through), Markdown also escapes its own syntax and HTML, and JSON
keeps the exact data.
"""

from __future__ import annotations

import datetime
import json

from .._base import paths
from .._base.terminal import plain


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any
    from typing import Literal

    from .report import AliasUsage
    from .report import Site
    from .report import TelemetryReport

    #: The formats of ``compatshim report``.
    ReportFormat = Literal["text", "markdown", "json", "html"]

__all__ = ["FORMATS", "FORMAT_VERSION", "plain", "render", "session_lines", "to_json"]

#: Version of the JSON written by ``compatshim report --format json``. It only grows new keys
#: within a version; bump it, and log it here, when a key changes meaning or goes away.
#: 1: first version ({"format", "aliases": [{"legacy", "canonical", "hits", "sites": [...]}]}).
#:    Keys added since: ``third_party_hits`` (alias) and ``third_party`` (site); ``history``
#:    (with ``--since`` or ``--last``: the snapshots, see ``trend.trend_json``).
FORMAT_VERSION = 1
#: Every :data:`ReportFormat` (the choices of ``--format``).
FORMATS: tuple[ReportFormat, ...] = ("text", "markdown", "json", "html")

_MARKDOWN_SYNTAX = {ord(c): "\\" + c for c in "\\`*_[]<>|&~"}
#: Where third-party sites come from, in words.
OUTSIDE = "outside the project (site-packages, the standard library)"


def _code(text: str) -> str:
    # A Markdown code span that shows `text` as it is: a fence longer than any run of backticks
    # inside, padded when it starts or ends with one, and `|` escaped for the table.
    text = plain(text)
    if not text:
        return ""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")):
        text = f" {text} "
    return f"{fence}{text.replace('|', chr(92) + '|')}{fence}"


def _markdown(text: str) -> str:
    # Plain text in a Markdown cell: its syntax characters and HTML are shown, not interpreted.
    return plain(text).translate(_MARKDOWN_SYNTAX)


def _when(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _display(path: str) -> str:
    return plain(paths.dotted(path))


def _split(usage: AliasUsage) -> tuple[list[Site], list[Site]]:
    ranked = usage.ranked()
    return [s for s in ranked if not s.third_party], [s for s in ranked if s.third_party]


def to_json(data: TelemetryReport) -> dict[str, Any]:
    """The report as the ``--format json`` document (see docs/telemetry.md)."""
    return {
        "format": FORMAT_VERSION,
        "runs": len(data.runs),
        "aliases": [
            {
                "legacy": usage.legacy,
                "canonical": usage.canonical,
                "since": usage.since,
                "removed_in": usage.removed_in,
                "remove_after": usage.remove_after,
                "removal": usage.status or None,
                "hits": usage.hits,
                "third_party_hits": usage.third_party_hits,
                "files": usage.files,
                "first_seen": _when(usage.first_seen),
                "last_seen": _when(usage.last_seen),
                "sites": [
                    {
                        "file": site.file,
                        "line": site.line,
                        "module": site.module or None,
                        "hits": site.hits,
                        "third_party": site.third_party,
                        "first_seen": _when(site.first_seen),
                        "last_seen": _when(site.last_seen),
                    }
                    for site in usage.ranked()
                ],
            }
            for usage in data.ranked()
        ],
    }


def _table(
    header: list[str],
    rows: list[list[str]],
    width: int,
    right: set[int],
    optional: tuple[int, ...] = (),
) -> list[str]:
    # Columns as wide as their content. Too wide for `width`: drop the `optional` columns in
    # that order, then shrink the first two (never below their header) with an ellipsis.
    columns = list(range(len(header)))

    def total(widths: dict[int, int]) -> int:
        return sum(widths.values()) + 2 * (len(widths) - 1)

    widths = {i: max(len(r[i]) for r in [header, *rows]) for i in columns}
    for i in optional:
        if total(widths) <= width:
            break
        del widths[i]
    for i in (1, 0):
        excess = total(widths) - width
        if excess > 0:
            widths[i] -= min(excess, max(widths[i] - len(header[i]), 0))

    def fit(text: str, i: int) -> str:
        text = text if len(text) <= widths[i] else text[: widths[i] - 1] + "…"
        return text.rjust(widths[i]) if i in right else text.ljust(widths[i])

    return ["  ".join(fit(row[i], i) for i in widths).rstrip() for row in [header, *rows]]


def _site_lines(sites: list[Site], width: int, max_sites: int) -> list[str]:
    rows = [
        [f"{s.hits:,}", f"{plain(s.file)}:{s.line}", plain(s.module)] for s in sites[:max_sites]
    ]
    out = ["  " + line for line in _table(["Hits", "Site", "Module"], rows, width - 2, {0})]
    if len(sites) > max_sites:
        out.append(f"  ... and {len(sites) - max_sites} more sites")
    return out


def render_text(data: TelemetryReport, width: int = 100, max_sites: int = 10) -> str:
    """Readable tables: one line per alias, then each alias's busiest sites, the project's
    own first and those outside it apart."""
    aliases = data.ranked()
    hits = sum(a.hits for a in aliases)
    sites = sum(len(a.sites) for a in aliases)
    summary = (
        f"compatshim report: {_count(len(aliases), 'legacy path')} used, {_count(hits, 'hit')} "
        f"at {_count(sites, 'site')} ({_count(len(data.runs), 'run')})"
    )
    outside = sum(a.third_party_hits for a in aliases)
    out = [summary]
    if outside:
        out.append(f"{_count(outside, 'hit')} of them {OUTSIDE}")
    out.append("")
    rows = [
        [
            _display(a.legacy),
            _display(a.canonical),
            f"{a.hits:,}",
            f"{len(a.sites):,}",
            f"{a.files:,}",
            _when(a.last_seen)[:16].replace("T", " "),
            plain(a.removal) or "-",
        ]
        for a in aliases
    ]
    header = ["Legacy path", "Canonical path", "Hits", "Sites", "Files", "Last seen", "Removal"]
    out += _table(header, rows, width, right={2, 3, 4}, optional=(5, 4, 6))
    for usage in aliases:
        out += ["", f"{_display(usage.legacy)} -> {_display(usage.canonical)}"]
        own, third = _split(usage)
        if own:
            out += _site_lines(own, width, max_sites)
        if third:
            out.append(f"  {_count(usage.third_party_hits, 'hit')} {OUTSIDE}:")
            out += _site_lines(third, width, max_sites)
    return "\n".join(out) + "\n"


def _markdown_sites(sites: list[Site], max_sites: int) -> list[str]:
    out = ["| Hits | Site | Module |", "| ---: | --- | --- |"]
    out += [
        f"| {s.hits:,} | {_code(f'{s.file}:{s.line}')} | {_code(s.module)} |"
        for s in sites[:max_sites]
    ]
    if len(sites) > max_sites:
        out += ["", f"... and {len(sites) - max_sites} more sites"]
    return out


def render_markdown(data: TelemetryReport, max_sites: int = 10) -> str:
    """Markdown tables to paste into a pull request or an issue."""
    aliases = data.ranked()
    out = [
        "| Legacy path | Canonical path | Hits | Sites | Files | Last seen | Removal |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    out += [
        f"| {_code(paths.dotted(a.legacy))} | {_code(paths.dotted(a.canonical))} "
        f"| {a.hits:,} | {len(a.sites):,} | {a.files:,} | {_when(a.last_seen)[:10]} "
        f"| {_markdown(a.removal) or '-'} |"
        for a in aliases
    ]
    for usage in aliases:
        legacy = _code(paths.dotted(usage.legacy))
        own, third = _split(usage)
        if own:
            out += ["", f"**{legacy}** sites:", "", *_markdown_sites(own, max_sites)]
        if third:
            out += ["", f"**{legacy}** sites {OUTSIDE}:", "", *_markdown_sites(third, max_sites)]
    return "\n".join(out) + "\n"


def render(data: TelemetryReport, fmt: ReportFormat, width: int = 100) -> str:
    """The report in ``fmt`` (``text``, ``markdown``, ``json`` or ``html``: a page without
    history or source lines; ``htmlpage.render_html`` takes them)."""
    if fmt == "html":
        from .htmlpage import render_html

        return render_html(data)
    if fmt == "json":
        return json.dumps(to_json(data), indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(data)
    return render_text(data, width)


#: The sites the pytest summary lists for each legacy path (the busiest), unless ``-v``.
SUMMARY_SITES = 10


def _site_order(item: tuple[str, int]) -> tuple[int, str, int, str]:
    # Busiest first; then by file, and by line as a number (line 9 before line 10).
    site, hits = item
    file, _, line = site.rpartition(":")
    return (-hits, file, int(line), "") if line.isdigit() else (-hits, site, 0, site)


def session_lines(
    totals: Mapping[tuple[str, str], Mapping[str, int]], *, all_sites: bool = False
) -> list[str]:
    """The pytest summary: for each ``(legacy, canonical)`` its hits and sites, then each site
    (``"file:line"``) with its hits, busiest first: the first :data:`SUMMARY_SITES` of them,
    and a line counting the others, unless ``all_sites``."""
    out = []
    for (legacy, canonical), sites in sorted(totals.items()):
        total = sum(sites.values())
        out.append(
            f"{paths.dotted(legacy)} -> {paths.dotted(canonical)}: "
            f"{total} hits at {len(sites)} sites"
        )
        ordered = sorted(sites.items(), key=_site_order)
        shown = ordered if all_sites else ordered[:SUMMARY_SITES]
        for site, hits in shown:
            out.append(f"    {hits:>6}  {plain(site)}")
        if len(shown) < len(ordered):
            rest = ordered[len(shown) :]
            out.append(
                f"    {sum(hits for _, hits in rest):>6}  at {len(rest)} more sites"
                " (-v lists them; so does `compatshim report`)"
            )
    return out
