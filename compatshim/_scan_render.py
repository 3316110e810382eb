"""``scan`` output: text like ruff's, JSON, GitHub workflow commands, and SARIF 2.1.0."""

from __future__ import annotations

import json
import os

from ._findings import CODES


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._scan import Adoption
    from ._scan import ScanResult

__all__ = ["FORMATS", "FORMAT_VERSION", "render"]

#: Version of ``scan --format json``; every change to its keys is logged here.
#: 1: first version ({"format", "findings", "adoption", "errors"}).
FORMAT_VERSION = 1
FORMATS = ("text", "json", "github", "sarif")
_INFO_URI = "https://github.com/compatshim/compatshim/blob/main/docs/cli.md#compatshim-scan"


def shown(path: str) -> str:
    """A path as output shows it: relative to the current folder when it is below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


def _ratio(adoption: Adoption) -> str:
    ratio = adoption.ratio
    if ratio is None:
        return "-"
    # Rounded down: "100%" only when no legacy use is left, "0%" only when nothing moved yet.
    percent = int(ratio * 100)
    if percent == 0 and adoption.canonical_uses:
        percent = 1
    return f"{percent}%"


def _text(result: ScanResult) -> str:
    lines = [f"{shown(f.file)}:{f.line}:{f.column}: {f.code} {f.message}" for f in result.findings]
    if result.adoption:
        if lines:
            lines.append("")
        width = max(len(f"{a.legacy} -> {a.canonical}") for a in result.adoption)
        lines.append(f"{'Adoption':<{width}}  {'Legacy':>6}  {'Canonical':>9}  {'Done':>4}")
        for a in result.adoption:
            path = f"{a.legacy} -> {a.canonical}"
            lines.append(
                f"{path:<{width}}  {a.legacy_uses:>6}  {a.canonical_uses:>9}  {_ratio(a):>4}"
            )
    files = len({f.file for f in result.findings})
    count = len(result.findings)
    noun = "use" if count == 1 else "uses"
    lines.append(
        f"Found {count} legacy {noun} in {files} files "
        f"({result.files} files scanned, {result.parsed} parsed)."
        if count
        else f"No legacy paths used ({result.files} files scanned, {result.parsed} parsed)."
    )
    return "\n".join(lines) + "\n"


def _json(result: ScanResult) -> dict[str, Any]:
    findings = []
    for finding in result.findings:
        entry = finding.to_json()
        entry["file"] = shown(finding.file)
        findings.append(entry)
    return {
        "format": FORMAT_VERSION,
        "findings": findings,
        "adoption": [
            {
                "legacy": a.legacy,
                "canonical": a.canonical,
                "legacy_uses": a.legacy_uses,
                "canonical_uses": a.canonical_uses,
                "ratio": a.ratio,
            }
            for a in result.adoption
        ],
        "errors": [{"file": shown(path), "message": message} for path, message in result.errors],
    }


def _escape(text: str, *, property: bool = False) -> str:
    # GitHub workflow command escaping (data, and property values which also escape , and :).
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(result: ScanResult) -> str:
    lines = []
    for f in result.findings:
        where = f"file={_escape(shown(f.file), property=True)},line={f.line},col={f.column}"
        title = _escape(f"compatshim {f.code}", property=True)
        lines.append(f"::warning {where},title={title}::{_escape(f.message)}")
    return "".join(line + "\n" for line in lines)


def _sarif(result: ScanResult) -> dict[str, Any]:
    import compatshim

    rules = [
        {"id": code, "name": kind, "shortDescription": {"text": meaning}}
        for code, (kind, meaning) in CODES.items()
    ]
    results = [
        {
            "ruleId": f.code,
            "level": "warning",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(shown(f.file))},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in result.findings
    ]
    driver = {
        "name": "compatshim",
        "version": compatshim.__version__,
        "informationUri": _INFO_URI,
        "rules": rules,
    }
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        # Columns count characters (code points), not UTF-16 units, the format's default.
        "runs": [
            {"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints"}
        ],
    }


def _uri(path: str) -> str:
    # A relative URI reference: "/"-separated, every other reserved character escaped.
    from urllib.parse import quote

    return quote(path.replace(os.sep, "/"), safe="/")


def render(result: ScanResult, fmt: str) -> str:
    """``result`` in one of :data:`FORMATS`."""
    if fmt == "json":
        return json.dumps(_json(result), indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(_sarif(result), indent=2) + "\n"
    if fmt == "github":
        return _github(result)
    return _text(result)
