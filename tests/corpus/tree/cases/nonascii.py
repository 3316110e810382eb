"""Columns count characters, not bytes."""

from cases._show import show

é = "café"; from legacy_utils import old_func  # noqa: E702
show("old_func", old_func)
show("é", é)
