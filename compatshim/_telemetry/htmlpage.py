"""``compatshim report --format html``: the report as one self-contained page.

An overview table (per alias: legacy and canonical path, hits, sites, files, removal and whether
it is overdue), burn-down charts drawn from the history as inline SVG (in total and per alias),
and a section per alias listing its sites with their source line and a ``file://`` link. The
page loads nothing: its style and script are inline and the only ones its Content Security
Policy admits (``htmlassets.py``); it reads well without the script, which adds sorting and
filtering.

Every name and line comes from a data file or a source file anyone could have written: each is
escaped for the terminal first (``render.plain``: no control character, bidirectional override
or lone surrogate gets through) and then for HTML (``html.escape``), as text and in attributes.
No markup is ever made from data.
"""

from __future__ import annotations

import datetime
import html
import os
import pathlib

from .._base import paths
from .._base.safeio import read_regular
from .._base.terminal import plain
from .htmlassets import SCRIPT
from .htmlassets import STYLE
from .htmlassets import csp
from .render import _count


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .history import Snapshot
    from .report import AliasUsage
    from .report import Site
    from .report import TelemetryReport

__all__ = ["INDEX", "render_html"]

#: The page's name in the ``--output`` folder.
INDEX = "index.html"
#: The longest source file read for its lines, and the longest line shown.
_MAX_SOURCE = 8 << 20
_MAX_LINE = 300


def _t(text: str) -> str:
    """``text`` as HTML text or an attribute value: unprintable characters shown, markup inert."""
    return html.escape(plain(text), quote=True)


def _when(timestamp: float, layout: str = "%Y-%m-%d %H:%M") -> str:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc).strftime(layout)


class _Sources:
    """The source lines of the sites, read once per file: only Python files inside the project
    (never a device, never a file a link leads out of it)."""

    def __init__(self, root: str | None) -> None:
        self.root = root
        self.files: dict[str, list[str] | None] = {}
        #: Per file: its link (escaped, or "") and its name as escaped text; per module its name.
        self.names: dict[str, tuple[str, str]] = {}
        self.modules: dict[str, str] = {}

    def name(self, file: str) -> tuple[str, str]:
        """The escaped link to ``file`` (``""`` without one) and its escaped name."""
        known = self.names.get(file)
        if known is None:
            url = self.url(file)
            known = self.names[file] = (html.escape(url, quote=True) if url else "", _t(file))
        return known

    def module(self, module: str) -> str:
        known = self.modules.get(module)
        if known is None:
            known = self.modules[module] = _t(module)
        return known

    def path(self, file: str) -> str | None:
        if file.startswith("<") or not file:
            return None
        if os.path.isabs(file):
            return file
        return os.path.join(self.root, file) if self.root else None

    def line(self, file: str, line: int) -> str:
        lines = self.files.get(file, ())
        if lines == ():
            lines = self.files[file] = self._read(file)
        if not lines or not 1 <= line <= len(lines):
            return ""
        text = lines[line - 1].strip()
        return text if len(text) <= _MAX_LINE else text[: _MAX_LINE - 1] + "…"

    def _read(self, file: str) -> list[str] | None:
        # Only Python sources inside the project, links resolved: a data file from elsewhere
        # could name /proc/self/environ or ~/.ssh/id_rsa, and the page is meant to be shared.
        where = self.path(file)
        if where is None or self.root is None or not where.endswith((".py", ".pyw")):
            return None
        try:
            real, root = os.path.realpath(where), os.path.realpath(self.root)
            if os.path.commonpath([real, root]) != root:
                return None
            raw = read_regular(real, limit=_MAX_SOURCE)
        except (OSError, ValueError):  # missing, a device, too large, a NUL, another drive
            return None
        # Lines as Python numbers them: not str.splitlines(), which also breaks at \x0c, \x1c,
        # \x85, \u2028 and others.
        text = raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        return text.split("\n")

    def url(self, file: str) -> str | None:
        where = self.path(file)
        if where is None:
            return None
        try:
            return pathlib.Path(os.path.abspath(where)).as_uri()
        except ValueError:
            return None


# -- charts ----------------------------------------------------------------------------------

_W, _H, _PAD = 720, 150, 44


def chart(snapshots: Sequence[Snapshot], legacy: str | None, label: str) -> str:
    """A burn-down chart as inline SVG: sites left (of ``legacy``, or of all aliases) at each
    snapshot, one point per snapshot, each with a tooltip of its hits, sites and files."""
    if not snapshots:
        return (
            '<p class="muted nochart">No history yet: <code>compatshim snapshot</code> (or '
            "<code>report --snapshot</code>) records one point per run.</p>"
        )
    values = []
    for s in snapshots:
        if legacy is None:
            values.append((s.taken, s.sites, s.hits, s.files))
        else:
            a = s.aliases.get(legacy)
            values.append((s.taken, a.sites if a else 0, a.hits if a else 0, a.files if a else 0))
    first, last = values[0][0], values[-1][0]
    top = max(max(v[1] for v in values), 1)
    span = (last - first) or 1.0

    def x(t: float) -> float:
        return _PAD + (t - first) / span * (_W - 2 * _PAD) if last > first else _W / 2

    def y(n: int) -> float:
        return _H - _PAD / 2 - n / top * (_H - _PAD)

    points = [(x(t), y(n)) for t, n, _, _ in values]
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    out = [
        (
            f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" aria-label="{_t(label)}" '
            'xmlns="http://www.w3.org/2000/svg">'
        ),
        f"<title>{_t(label)}</title>",
        (
            f'<line class="axis" x1="{_PAD}" y1="{_H - _PAD / 2}" x2="{_W - _PAD / 2}" '
            f'y2="{_H - _PAD / 2}"/>'
        ),
        f'<line class="axis" x1="{_PAD}" y1="{_PAD / 2}" x2="{_PAD}" y2="{_H - _PAD / 2}"/>',
        f'<text x="{_PAD - 6}" y="{_PAD / 2 + 4}" text-anchor="end">{top:,}</text>',
        f'<text x="{_PAD - 6}" y="{_H - _PAD / 2}" text-anchor="end">0</text>',
        f'<text x="{_PAD - 6}" y="{_PAD / 2 - 10}" text-anchor="end">sites</text>',
        f'<text x="{_PAD}" y="{_H - 4}">{_when(first, "%Y-%m-%d")}</text>',
        (
            f'<text x="{_W - _PAD / 2}" y="{_H - 4}" text-anchor="end">'
            f"{_when(last, '%Y-%m-%d')}</text>"
        ),
        f'<polyline class="line" points="{line}"/>',
    ]
    for (px, py), (t, sites, hits, files) in zip(points, values):
        out.append(
            f'<circle class="pt" cx="{px:.1f}" cy="{py:.1f}" r="3.5" data-sites="{sites}">'
            f"<title>{_when(t)} UTC: {sites:,} sites, {hits:,} hits, {files:,} files</title>"
            "</circle>"
        )
    out.append("</svg>")
    return "".join(out)


# -- tables ----------------------------------------------------------------------------------


def _removal(usage: AliasUsage) -> tuple[str, str]:
    # The schedule in words, and the status: "overdue" (due for removal), "scheduled", "-".
    when = ""
    if usage.removed_in:
        when = f"in {usage.removed_in}"
    elif usage.remove_after:
        when = f"after {usage.remove_after}"
    status = {"due": "overdue", "scheduled": "scheduled", "not configured": "not configured"}
    return when or "-", status.get(usage.status, "-")


def _num(n: int) -> str:
    return f'<td class="n" data-v="{n}">{n:,}</td>'


def _overview(aliases: list[AliasUsage]) -> list[str]:
    out = [
        (
            '<table class="data" id="aliases"><thead><tr><th>Legacy path</th><th>Canonical path'
            '</th><th class="n">Hits</th><th class="n">Sites</th><th class="n">Files</th>'
            "<th>Removal</th><th>Status</th></tr></thead><tbody>"
        )
    ]
    for index, usage in enumerate(aliases):
        when, status = _removal(usage)
        css = ' class="overdue"' if status == "overdue" else ""
        out.append(
            f'<tr><td><a href="#alias-{index}"><code>{_t(paths.dotted(usage.legacy))}</code>'
            f"</a></td><td><code>{_t(paths.dotted(usage.canonical))}</code></td>"
            f"{_num(usage.hits)}{_num(len(usage.sites))}{_num(usage.files)}"
            f"<td>{_t(when)}</td><td{css}>{_t(status)}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _site_row(site: Site, sources: _Sources) -> str:
    url, name = sources.name(site.file)
    where = f"{name}:{site.line}"
    link = f'<a href="{url}">{where}</a>' if url else where
    outside = ' class="outside"' if site.third_party else ""
    return (
        f"<tr{outside}>{_num(site.hits)}<td><code>{link}</code></td>"
        f"<td><code>{sources.module(site.module)}</code></td>"
        f'<td class="src">{_t(sources.line(site.file, site.line))}</td>'
        f"<td>{'outside' if site.third_party else 'project'}</td></tr>"
    )


def _alias_section(
    index: int,
    usage: AliasUsage,
    snapshots: Sequence[Snapshot],
    sources: _Sources,
    shown: int,
) -> list[str]:
    legacy, canonical = paths.dotted(usage.legacy), paths.dotted(usage.canonical)
    when, status = _removal(usage)
    removal = f"removal {when} ({status})" if when != "-" else "no removal scheduled"
    ranked = usage.ranked()
    rows = [_site_row(site, sources) for site in ranked]
    out = [
        f'<section class="alias" id="alias-{index}">',
        f"<h2><code>{_t(legacy)}</code> &rarr; <code>{_t(canonical)}</code></h2>",
        (
            f"<p>{_count(usage.hits, 'hit')} at {_count(len(usage.sites), 'site')} in "
            f"{_count(usage.files, 'file')}; {_t(removal)}.</p>"
        ),
        chart(snapshots, usage.legacy, f"Sites left using {legacy}"),
        (
            f'<table class="data sites" data-page="{shown}"><thead><tr><th class="n">Hits</th><th>Site</th>'
            "<th>Module</th><th>Source line</th><th>Where</th></tr></thead><tbody>"
        ),
        *rows[:shown],
        "</tbody></table>",
    ]
    if len(rows) > shown:
        # The rest is parsed but neither laid out nor painted (a page of 100,000 rows would
        # take the browser half a minute); the script shows them page by page.
        out += [
            (
                f'<p class="more-note">... and {len(rows) - shown:,} more sites, shown with '
                "JavaScript (every site is in <code>report --format json</code>).</p>"
            ),
            "<template>",
            *rows[shown:],
            "</template>",
        ]
    out.append("</section>")
    return out


def render_html(
    data: TelemetryReport,
    snapshots: Sequence[Snapshot] = (),
    root: str | None = None,
    now: float | None = None,
    shown: int = 500,
) -> str:
    """The page: ``data`` with the burn-down of ``snapshots`` (oldest first); relative file
    names are read and linked from ``root`` (no source lines or links without it). Each
    alias's ``shown`` busiest sites are in its table; the rest, in a ``<template>``, are shown
    by the page's script, ``shown`` at a time."""
    import time

    aliases = data.ranked()
    sources = _Sources(root)
    hits = sum(a.hits for a in aliases)
    sites = sum(len(a.sites) for a in aliases)
    generated = _when(time.time() if now is None else now)
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp())}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>compatshim report</title><style>{STYLE}</style></head><body>",
        "<header><h1>compatshim report</h1>",
        (
            f'<p id="summary">{_count(len(aliases), "legacy path")} used, {_count(hits, "hit")} '
            f"at {_count(sites, 'site')} ({_count(len(data.runs), 'run')}). "
            f"Generated {generated} UTC.</p></header>"
        ),
        '<section id="overview"><h2>Legacy paths</h2>',
        *_overview(aliases),
        "<h3>Sites left, all legacy paths</h3>",
        chart(snapshots, None, "Sites left using any legacy path"),
        "</section>",
    ]
    for index, usage in enumerate(aliases):
        body += _alias_section(index, usage, snapshots, sources, shown)
    body.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(body) + "\n"
