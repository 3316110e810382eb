"""Rendering a telemetry report: text sized to the terminal, Markdown, versioned JSON."""

from __future__ import annotations

import datetime
import json


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._report import TelemetryReport

__all__ = ["FORMAT_VERSION", "render", "to_json"]

#: Version of the JSON written by ``compatshim report --format json``.
#: 1: first version ({"format", "aliases": [{"legacy", "canonical", "hits", "sites": [...]}]}).
FORMAT_VERSION = 1


def _when(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _display(path: str) -> str:
    return path.replace(":", ".")


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
                "files": usage.files,
                "first_seen": _when(usage.first_seen),
                "last_seen": _when(usage.last_seen),
                "sites": [
                    {
                        "file": site.file,
                        "line": site.line,
                        "module": site.module or None,
                        "hits": site.hits,
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


def render_text(data: TelemetryReport, width: int = 100, max_sites: int = 10) -> str:
    """Readable tables: one line per alias, then each alias's busiest sites."""
    aliases = data.ranked()
    hits = sum(a.hits for a in aliases)
    sites = sum(len(a.sites) for a in aliases)
    summary = (
        f"compatshim report: {_count(len(aliases), 'legacy path')} used, {_count(hits, 'hit')} "
        f"at {_count(sites, 'site')} ({_count(len(data.runs), 'run')})"
    )
    out = [summary, ""]
    rows = [
        [
            _display(a.legacy),
            _display(a.canonical),
            f"{a.hits:,}",
            f"{len(a.sites):,}",
            f"{a.files:,}",
            _when(a.last_seen)[:16].replace("T", " "),
            a.removal or "-",
        ]
        for a in aliases
    ]
    header = ["Legacy path", "Canonical path", "Hits", "Sites", "Files", "Last seen", "Removal"]
    out += _table(header, rows, width, right={2, 3, 4}, optional=(5, 4, 6))
    for usage in aliases:
        out += ["", f"{_display(usage.legacy)} -> {_display(usage.canonical)}"]
        ranked = usage.ranked()
        site_rows = [[f"{s.hits:,}", f"{s.file}:{s.line}", s.module] for s in ranked[:max_sites]]
        out += [
            "  " + line for line in _table(["Hits", "Site", "Module"], site_rows, width - 2, {0})
        ]
        if len(ranked) > max_sites:
            out.append(f"  ... and {len(ranked) - max_sites} more sites")
    return "\n".join(out) + "\n"


def render_markdown(data: TelemetryReport, max_sites: int = 10) -> str:
    """Markdown tables to paste into a pull request or an issue."""
    aliases = data.ranked()
    out = [
        "| Legacy path | Canonical path | Hits | Sites | Files | Last seen | Removal |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    out += [
        f"| `{_display(a.legacy)}` | `{_display(a.canonical)}` | {a.hits:,} | {len(a.sites):,} "
        f"| {a.files:,} | {_when(a.last_seen)[:10]} | {a.removal or '-'} |"
        for a in aliases
    ]
    for usage in aliases:
        out += [
            "",
            f"**`{_display(usage.legacy)}`** sites:",
            "",
            "| Hits | Site | Module |",
            "| ---: | --- | --- |",
        ]
        out += [
            f"| {s.hits:,} | `{s.file}:{s.line}` | `{s.module}` |"
            for s in usage.ranked()[:max_sites]
        ]
    return "\n".join(out) + "\n"


def render(data: TelemetryReport, fmt: str, width: int = 100) -> str:
    """The report in ``fmt`` (``text``, ``markdown`` or ``json``)."""
    if fmt == "json":
        return json.dumps(to_json(data), indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(data)
    return render_text(data, width)
