"""Which uses count as hits: the per-code-object marks (``recorder._counts``) decide exactly as
the rules say, checked against a plain model of them over generated sequences of uses."""

from __future__ import annotations

from typing import Any

from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim._telemetry import recorder as _recorder


class _Entry:
    # Stands for a code object's entry (``_base.cells.CodeEntry``): only ``lines`` is used.
    lines: Any = None


def _model(uses: list[tuple[str, int, int, str, bool]]) -> list[bool]:
    # The rules, written plainly: only the first instruction seen on a line counts for an
    # alias; an instruction's first path decides whether its later uses count (an import
    # counts again only as that import; a read counts unless an import of another path).
    first_instruction: dict[tuple[str, int], int] = {}
    first_path: dict[int, tuple[str, bool]] = {}
    verdicts = []
    for legacy, offset, line, path, importing in uses:
        if first_instruction.setdefault((legacy, line), offset) != offset:
            verdicts.append(False)
            continue
        seen, seen_importing = first_path.setdefault(offset, (path, importing))
        if seen_importing:
            verdicts.append(importing and seen == path)
        else:
            verdicts.append(not importing or seen == path)
    return verdicts


def _marks(uses: list[tuple[str, int, int, str, bool]]) -> list[bool]:
    ref: Any = _Entry()
    verdicts = []
    for legacy, offset, line, path, importing in uses:
        mark = (legacy, offset, (path, True) if importing else path, line)  # as Recorder.cell
        if ref.lines is None:  # as Recorder.cell: the code object's first site counts
            ref.lines = mark
            verdicts.append(True)
        else:
            verdicts.append(_recorder._counts(ref, mark))
    return verdicts


# An instruction lies on one line: the line is a function of the offset.
_use = st.tuples(
    st.sampled_from(["old", "other"]),
    st.sampled_from([2, 4, 6, 8, 10, 12]),
    st.sampled_from(["old", "old.pkg", "old.pkg.sub", "other.mod"]),
    st.booleans(),
).map(lambda use: (use[0], use[1], use[1] // 6, use[2], use[3]))


@settings(max_examples=500, deadline=None)
@given(st.lists(_use, max_size=30))
@example(  # two aliases read by one instruction: each counts
    [("old", 2, 0, "old", False), ("other", 2, 0, "other.mod", False)]
)
@example(  # an import, then the read that follows it in the same call: one hit
    [("old", 2, 0, "old.pkg", True), ("old", 2, 0, "old.pkg", False)]
)
@example(  # two instructions of one line for one alias: the first counts
    [("old", 2, 0, "old", True), ("old", 4, 0, "old.pkg", False), ("old", 2, 0, "old", True)]
)
def test_the_marks_decide_as_the_rules_say(uses: list[tuple[str, int, int, str, bool]]) -> None:
    assert _marks(uses) == _model(uses)
