"""The fault matrix on docs/telemetry.md names the test that keeps each row true: each exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


def test_every_test_named_in_the_fault_matrix_exists() -> None:
    """A row whose test was renamed or removed would no longer be kept true by anything."""
    text = (ROOT / "docs" / "telemetry.md").read_text(encoding="utf-8")
    matrix = text.split("## Fault matrix", 1)[1]
    rows = [line for line in matrix.splitlines() if line.startswith("| ") and "::" in line]
    assert len(rows) >= 20, "the fault matrix is missing or was not found"
    for row in rows:
        named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", row)
        assert named, f"no test named in: {row}"
        for module, test in named:
            tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
            functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert test in functions, f"{module}::{test} does not exist"
