"""Every import form of a moved module and a renamed package."""

import legacy_utils
import legacy_utils as lu
from legacy_utils import func
from oldpkg import utils
from oldpkg.utils import CONST
import oldpkg.deep.leaf
import flat
import flat as f2
from cases._show import show

show("legacy_utils", legacy_utils)
show("lu", lu)
show("func", func)
show("utils", utils)
show("CONST", CONST)
show("leaf", oldpkg.deep.leaf.leaf)
show("flat.hello", flat.hello)
show("f2", f2)
