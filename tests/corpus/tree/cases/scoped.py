"""Imports inside functions keep their scope; a module used as a value keeps its legacy path
when it serves moved names."""

from cases._show import show


def inner():
    import legacy_utils as lu
    from oldpkg import utils

    return lu.old_func, utils.CONST


def passes_module_around():
    import legacy_utils as lu2

    return getattr(lu2, "OldHelper")


def aliased_realmod():
    import realmod as rm

    return rm.OldName, rm.other


show("inner", inner())
show("passes_module_around", passes_module_around())
show("aliased_realmod", aliased_realmod())
