"""Relative imports inside a package whose submodule is legacy."""

from . import sub
from . import SETTING, sub as sub2
from .sub import value
from cases._show import show

show("sub", sub)
show("SETTING", SETTING)
show("sub2", sub2)
show("value", value)
