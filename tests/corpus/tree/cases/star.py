"""A star import from a legacy module is reported, never rewritten."""

from legacy_utils import *
from cases._show import show

show("func", func)  # noqa: F405
