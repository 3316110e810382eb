"""Imports what reexports.py binds: it must still find every name, bound to the same objects."""

from cases._show import show
from cases.reexports import HELLO, flat, oldpkg, utils

show("flat.hello", flat.hello)
show("HELLO is flat.hello", HELLO is flat.hello)
show("oldpkg.deep.leaf.leaf", oldpkg.deep.leaf.leaf)
show("utils.func", utils.func)
