"""A project in the middle of a consolidation, for the tests of ``compatshim stubs``, and
runners for the type checkers that read it.

``acme.billing`` is the canonical home. Its old homes: the renamed package ``acme.payments``
(with nested submodules), the legacy module ``acme.legacy_money``, moved and renamed names in
the real module ``acme.helpers``, and moved names on the module ``acme.oldhelpers``, which is
gone. ``app/main.py`` uses every legacy path correctly; each line of ``app/bugs.py`` marked
``# BUG`` is a real type error reached through a legacy path. Lines marked ``# deprecated`` use
a deprecated function in a way both mypy and pyright report; pyright also reports each
``# call of a deprecated function``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path


CONFIG = """
[project]
name = "acme"
version = "2.4"

[tool.compatshim.aliases]
"acme.payments" = { target = "acme.billing", since = "2.0", removed_in = "3.0" }
"acme.legacy_money" = "acme.billing.money"
"acme.helpers:Invoice" = "acme.billing.invoices:Invoice"
"acme.helpers:fmt" = { target = "acme.billing.money:format_amount", since = "2.1" }
"acme.helpers:parse" = "acme.billing.money:parse"
"acme.oldhelpers:Bill" = "acme.billing.invoices:Invoice"
"acme.oldhelpers:format_amount" = "acme.billing.money:format_amount"
"acme.oldhelpers:Crate" = "acme.billing.invoices:Box"
"acme.oldhelpers:first" = "acme.billing.money:first"

[tool.pyright]
reportMissingModuleSource = "none"  # the one line: stubs of legacy modules have no source
reportDeprecated = "warning"  # pyright's default is off (basedpyright's is "warning")
"""

ACME = {
    "pyproject.toml": CONFIG,
    "acme/__init__.py": "",
    "acme/billing/__init__.py": """
        from acme.billing.invoices import Invoice
        from .money import format_amount


        def total(invoices: "list[Invoice]") -> int:
            return sum(i.total() for i in invoices)
    """,
    "acme/billing/invoices.py": """
        from __future__ import annotations

        from typing import Generic, TypeVar

        T = TypeVar("T")


        class Invoice:
            def total(self) -> int:
                return 1


        class Box(Generic[T]):
            def __init__(self, item: T) -> None:
                self.item = item

            def get(self) -> T:
                return self.item


        def describe(invoice: Invoice) -> str:
            return str(invoice.total())
    """,
    "acme/billing/money.py": """
        from __future__ import annotations

        import decimal
        from collections.abc import Sequence
        from typing import Optional, TypeVar, overload

        T = TypeVar("T")


        def format_amount(cents: int, currency: str = "EUR", *, sep: Optional[str] = None) -> str:
            return f"{cents} {currency}"


        def first(items: Sequence[T]) -> T:
            return items[0]


        def scaled(value: decimal.Decimal, /, factor: int = 1, *args: int) -> decimal.Decimal:
            return value * factor


        @overload
        def parse(text: str) -> int: ...
        @overload
        def parse(text: bytes) -> float: ...
        def parse(text: str | bytes) -> int | float:
            return len(text)
    """,
    "acme/billing/tax/__init__.py": "",
    "acme/billing/tax/rates.py": """
        from decimal import Decimal
        from enum import Enum


        class Region(Enum):
            EU = "eu"


        def rate(region: "Region") -> Decimal:
            return Decimal("0.2")
    """,
    "acme/helpers.py": """
        def other() -> int:
            return 1
    """,
    "app/__init__.py": "",
    "app/main.py": """
        import decimal

        import acme.payments
        from acme.billing.invoices import Box, describe
        from acme.billing.invoices import Invoice as CanonInvoice
        from acme.billing import money
        from acme.helpers import Invoice, fmt, parse  # deprecated
        from acme.legacy_money import scaled  # deprecated
        from acme.oldhelpers import Bill, Crate, first, format_amount  # deprecated
        from acme.payments.invoices import Invoice as OldInvoice
        from acme.payments.tax.rates import Region, rate  # deprecated


        def one_type_through_every_path(old: OldInvoice, canon: CanonInvoice) -> list[str]:
            as_canon: CanonInvoice = old
            as_old: OldInvoice = canon
            bill: Bill = Invoice()
            return [describe(old), describe(Invoice()), describe(bill), describe(as_old)]


        def generics_through_legacy_paths() -> int:
            crate: Crate[int] = Box(1)
            box: Box[int] = Crate(2)
            return crate.get() + box.get() + first([1, 2])  # call of a deprecated function


        def functions_through_legacy_paths() -> str:
            scaled_value = scaled(decimal.Decimal(2), 3)  # call of a deprecated function
            total = acme.payments.total([Invoice()])  # deprecated
            text = fmt(1, "USD") + format_amount(2, sep=",")  # call of a deprecated function
            rated = rate(Region.EU) + scaled_value + total  # call of a deprecated function
            parsed: tuple[int, float] = (parse("1"), parse(b"1"))  # deprecated overloads
            return text + str(rated) + str(parsed) + money.format_amount(3)
    """,
    "app/bugs.py": """
        from acme.helpers import Invoice, fmt, parse
        from acme.legacy_money import format_amount
        from acme.oldhelpers import Crate
        from acme.oldhelpers import typo_name  # BUG
        from acme.payments.tax.rates import rate

        fmt("not an int")  # BUG
        Invoice().totl()  # BUG
        format_amount(1, currency=2)  # BUG
        crate: Crate[str] = Crate(1)  # BUG
        rate("eu")  # BUG
        number: int = parse(b"1")  # BUG
        print(typo_name)
    """,
}


def marked(root: Path, name: str, marker: str) -> set[tuple[str, int]]:
    """``(file, line)`` of every line of ``name`` whose comment starts with ``marker``."""
    lines = (root / name).read_text(encoding="utf-8").splitlines()
    return {(name, n) for n, line in enumerate(lines, 1) if f"# {marker}" in line}


def mypy(root: Path, cache: Path, *args: str) -> list[tuple[str, int, str]]:
    """mypy's errors on ``args`` (default settings otherwise): ``(file, line, code)``."""
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), "--no-pretty",
         "--no-error-summary", "--hide-error-context", "--no-color-output", *args],
        cwd=root, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr + proc.stdout
    found = []
    for line in proc.stdout.splitlines():
        match = re.match(r"(.+?):(\d+): error: .*\[([a-z-]+)\]$", line)
        if match:
            found.append((match[1].replace(os.sep, "/"), int(match[2]), match[3]))
    return found


def pyright(tool: str, root: Path, *args: str) -> list[tuple[str, int, str, str]]:
    """``python -m <tool> --outputjson`` (pyright or basedpyright) on ``args``:
    ``(file, line, severity, rule)`` for each diagnostic."""
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", tool, "--outputjson", "--pythonpath", sys.executable, *args],
        cwd=root, capture_output=True, text=True, check=False, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr + proc.stdout
    report = json.loads(proc.stdout)
    return [
        (
            Path(d["file"]).resolve().relative_to(root.resolve()).as_posix(),
            d["range"]["start"]["line"] + 1,
            d["severity"],
            d.get("rule", ""),
        )
        for d in report["generalDiagnostics"]
    ]
