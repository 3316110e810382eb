"""Moved and renamed names: the bound name stays, the as-name is kept or added."""

from legacy_utils import OldHelper
from legacy_utils import OldHelper as Helper2
from legacy_utils import old_func, func
from legacy_utils import old_func as helper_func
from realmod import OldName, other
import legacy_utils as lu
from cases._show import show

show("OldHelper", OldHelper)
show("Helper2", Helper2)
show("old_func", old_func)
show("func", func)
show("helper_func", helper_func)
show("OldName", OldName)
show("other", other)
show("lu.OldHelper", lu.OldHelper)
show("lu.old_func", lu.old_func)
