"""``scan`` output: text like ruff's, JSON, GitHub workflow commands, and SARIF 2.1.0.

Every format is written piece by piece, the findings one at a time as they come: a scan with
millions of findings never holds them, nor their text, all at once. The JSON is laid out exactly
as ``json.dumps(document, indent=2)`` would lay it out.
"""

from __future__ import annotations

import json
import os

from .._base.paths import shown
from .._base.terminal import plain
from .findings import CODES


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from typing import Any
    from typing import Literal

    from .findings import Finding
    from .scan import Adoption
    from .scan import ScanResult

    Write = Callable[[str], object]
    #: The formats of ``compatshim scan``.
    ScanFormat = Literal["text", "json", "github", "sarif"]

__all__ = ["FORMATS", "FORMAT_VERSION", "render", "write"]

#: Version of ``scan --format json``; every change to its keys is logged here.
#: 1: first version ({"format", "findings", "adoption", "errors"}).
FORMAT_VERSION = 1
#: Every :data:`ScanFormat` (the choices of ``--format``).
FORMATS: tuple[ScanFormat, ...] = ("text", "json", "github", "sarif")
_INFO_URI = "https://github.com/compatshim/compatshim/blob/main/docs/cli.md#compatshim-scan"


def _grouped(findings: Iterable[Finding], escape: bool = False) -> Iterator[tuple[str, Finding]]:
    # Each finding with its file as shown (``escape``: for people, see _base.terminal);
    # findings come grouped by file, so each file's path is worked out once
    # (os.path.relpath costs more than the rest of a line).
    last, last_shown = None, ""
    for finding in findings:
        if finding.file != last:
            last, last_shown = finding.file, shown(finding.file)
            if escape:
                last_shown = plain(last_shown)
        yield last_shown, finding


def _ratio(adoption: Adoption) -> str:
    ratio = adoption.ratio
    if ratio is None:
        return "-"
    # Rounded down: "100%" only when no legacy use is left, "0%" only when nothing moved yet.
    percent = int(ratio * 100)
    if percent == 0 and adoption.canonical_uses:
        percent = 1
    return f"{percent}%"


def _text(result: ScanResult, findings: Iterable[Finding], write: Write) -> None:
    any_found = False
    for file, f in _grouped(findings, escape=True):
        any_found = True
        write(f"{file}:{f.line}:{f.column}: {f.code} {plain(f.message)}\n")
    if result.adoption:
        if any_found:
            write("\n")
        width = max(len(f"{a.legacy} -> {a.canonical}") for a in result.adoption)
        write(f"{'Adoption':<{width}}  {'Legacy':>6}  {'Canonical':>9}  {'Done':>4}\n")
        for a in result.adoption:
            path = f"{a.legacy} -> {a.canonical}"
            write(f"{path:<{width}}  {a.legacy_uses:>6}  {a.canonical_uses:>9}  {_ratio(a):>4}\n")
    count = result.found
    noun = "use" if count == 1 else "uses"
    # Suppressions stay visible: the summary counts them (--show-suppressed lists them).
    quiet = f", {result.suppressed} suppressed" if result.suppressed else ""
    if result.baselined:
        quiet += f", {result.baselined} in the baseline"
    write(
        f"Found {count} legacy {noun} in {result.found_files} files "
        f"({result.files} files scanned, {result.parsed} parsed{quiet}).\n"
        if count
        else f"No legacy paths used ({result.files} files scanned, {result.parsed} parsed"
        f"{quiet}).\n"
    )


def _indented(value: Any, indent: str) -> str:
    # One value as json.dumps(..., indent=2) writes it at this depth.
    return json.dumps(value, indent=2).replace("\n", "\n" + indent)


def _items(write: Write, items: Iterable[Any], indent: str) -> None:
    # The items and the closing bracket of an array whose key is at ``indent``, exactly as
    # json.dumps(document, indent=2) lays them out, item by item.
    inner = indent + "  "
    first = True
    for item in items:
        write(f"\n{inner}" if first else f",\n{inner}")
        write(_indented(item, inner))
        first = False
    write("]" if first else f"\n{indent}]")


def _array(write: Write, key: str, items: Iterable[Any], *, last: bool = False) -> None:
    # '  "key": [ ... ]' of the top-level object.
    write(f'  "{key}": [')
    _items(write, items, "  ")
    write("\n" if last else ",\n")


# One finding of the JSON output, laid out as json.dumps(document, indent=2) lays it out, but
# formatted here: the encoder json.dumps uses with an indent is written in Python, and slow.
_FINDING = (
    '{{\n      "file": {},\n      "line": {},\n      "column": {},\n      "legacy": {},\n'
    '      "canonical": {},\n      "kind": {},\n      "code": {}\n    }}'
)
# A finding a noqa comment silenced (listed with --show-suppressed) says so.
_SUPPRESSED = _FINDING[: -len("\n    }}")] + ',\n      "suppressed": true\n    }}'


def _json(result: ScanResult, findings: Iterable[Finding], write: Write) -> None:
    quote = json.encoder.encode_basestring_ascii
    write(f'{{\n  "format": {FORMAT_VERSION},\n  "findings": [')
    separator = "\n    "
    for file, f in _grouped(findings):
        write(separator)
        separator = ",\n    "
        write(
            (_SUPPRESSED if f.suppressed else _FINDING).format(
                quote(file),
                f.line,
                f.column,
                quote(f.legacy),
                quote(f.canonical),
                quote(f.kind),
                quote(f.code),
            )
        )
    write("]" if separator == "\n    " else "\n  ]")
    write(",\n")
    adoption = (
        {
            "legacy": a.legacy,
            "canonical": a.canonical,
            "legacy_uses": a.legacy_uses,
            "canonical_uses": a.canonical_uses,
            "ratio": a.ratio,
        }
        for a in result.adoption
    )
    _array(write, "adoption", adoption)
    errors = ({"file": shown(path), "message": message} for path, message in result.errors)
    _array(write, "errors", errors, last=not result.suppressed)
    if result.suppressed:
        write(f'  "suppressed": {result.suppressed}\n')
    write("}\n")


def _escape(text: str, *, property: bool = False) -> str:
    # GitHub workflow command escaping (data, and property values which also escape , and :).
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(result: ScanResult, findings: Iterable[Finding], write: Write) -> None:
    # Read by people in the log and the annotations: escaped as text output is.
    for file, f in _grouped(findings, escape=True):
        where = f"file={_escape(file, property=True)},line={f.line},col={f.column}"
        title = _escape(f"compatshim {f.code}", property=True)
        write(f"::warning {where},title={title}::{_escape(plain(f.message))}\n")


def _sarif(result: ScanResult, findings: Iterable[Finding], write: Write) -> None:
    from .._base.version import __version__

    rules = [
        {"id": code, "name": kind, "shortDescription": {"text": meaning}}
        for code, (kind, meaning) in CODES.items()
    ]
    driver = {
        "name": "compatshim",
        "version": __version__,
        "informationUri": _INFO_URI,
        "rules": rules,
    }
    results = (
        {
            "ruleId": f.code,
            "level": "warning",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(file)},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for file, f in _grouped(findings)
    )
    write('{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n')
    write('  "version": "2.1.0",\n  "runs": [\n    {\n')
    write(f'      "tool": {_indented({"driver": driver}, "      ")},\n')
    write('      "results": [')
    _items(write, results, "      ")
    # Columns count characters (code points), not UTF-16 units, the format's default.
    write(',\n      "columnKind": "unicodeCodePoints"\n    }\n  ]\n}\n')


def _uri(path: str) -> str:
    # A relative URI reference: "/"-separated, every other reserved character escaped.
    from urllib.parse import quote

    return quote(path.replace(os.sep, "/"), safe="/")


_WRITERS: dict[ScanFormat, Callable[[ScanResult, Iterable[Finding], Write], None]] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
}


def write(result: ScanResult, findings: Iterable[Finding], fmt: ScanFormat, out: Write) -> None:
    """Write ``findings`` and then the rest of ``result`` in one of :data:`FORMATS`, piece by
    piece through ``out``: the findings may be a stream (:func:`compatshim._static.scan.stream`) that
    completes ``result`` as it ends, and are never held all at once."""
    _WRITERS[fmt](result, findings, out)


def render(result: ScanResult, fmt: ScanFormat) -> str:
    """``result`` in one of :data:`FORMATS`."""
    pieces: list[str] = []
    write(result, result.findings, fmt, pieces.append)
    return "".join(pieces)
