"""Parenthesised imports, comments inside them, continuations, trailing commas."""

from legacy_utils import (
    CONST,  # a constant
    func,
)
from legacy_utils import (  # several destinations
    OldHelper,  # moves to newpkg.helpers
    CONST as C2,
    old_func  # renamed
)
from realmod import \
    OldName, \
    other as other2
import legacy_utils, flat  # two legacy modules on one line
from oldpkg.deep import (leaf)
from cases._show import show

show("CONST", CONST)
show("func", func)
show("OldHelper", OldHelper)
show("C2", C2)
show("old_func", old_func)
show("OldName", OldName)
show("other2", other2)
show("legacy_utils.func", legacy_utils.func)
show("flat.hello", flat.hello)
show("leaf", leaf)
