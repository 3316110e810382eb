"""String annotations name legacy paths too: typing.get_type_hints evaluates them."""

import typing

import legacy_utils
import oldpkg.utils

from cases._show import show


def use(helper: "legacy_utils.OldHelper", extra: typing.Optional["oldpkg.utils.NewName"] = None) -> 'legacy_utils.NewName':
    return helper


class Holder:
    item: "legacy_utils.OldHelper"
    note: "not a type expression ("


hints = typing.get_type_hints(use)
show("hints", (hints["helper"], hints["extra"], hints["return"]))
show("holder", typing.get_type_hints(Holder, localns={"typing": typing})["item"])
