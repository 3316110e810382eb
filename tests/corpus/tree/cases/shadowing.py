"""Rewrites that would rebind a name the module already uses are left alone."""

import oldpkg.utils
import flat
from cases._show import show

newpkg = "a local value named like the canonical package"
newflat = "another one"
show("oldpkg.utils.func", oldpkg.utils.func)
show("flat.hello", flat.hello)
show("newpkg", newpkg)
show("newflat", newflat)
