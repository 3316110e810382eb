"""Dotted uses: rewritten together with the import that binds them."""

import oldpkg.utils
import realpkg.sub
import realpkg
import legacy_utils
from cases._show import show

show("oldpkg.utils.func", oldpkg.utils.func)
show("oldpkg.utils.CONST", oldpkg.utils.CONST)
show("realpkg.sub.value", realpkg.sub.value)
show("realpkg.SETTING", realpkg.SETTING)
show("legacy_utils.OldHelper", legacy_utils.OldHelper)
show("legacy_utils.old_func", legacy_utils.old_func)


def later():
    return oldpkg.utils.NewName


show("later", later())
