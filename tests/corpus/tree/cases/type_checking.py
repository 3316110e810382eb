"""Imports under TYPE_CHECKING stay under it; annotations are code with postponed evaluation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cases._show import show

if TYPE_CHECKING:
    from legacy_utils import OldHelper
    import oldpkg.sub

if TYPE_CHECKING: from realmod import OldName


def use(helper: OldHelper, name: OldName) -> oldpkg.sub.value:
    return helper


show("annotated", sorted(use.__annotations__))
