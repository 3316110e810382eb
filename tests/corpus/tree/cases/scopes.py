"""Names rebound in other scopes hide nothing: a parameter, a local, a class attribute and a
comprehension variable named like an imported package are other variables."""

import oldpkg
import oldpkg.utils
from cases._show import show


def use():
    return oldpkg.utils.func


def parameter(oldpkg):
    return oldpkg


def local():
    oldpkg = "local"
    return oldpkg


class Holder:
    oldpkg = "class attribute"

    def method(self):
        return oldpkg.utils.CONST


comprehension = [oldpkg for oldpkg in ("a", "b")]
show("use", use())
show("parameter", parameter(1))
show("local", local())
show("method", Holder().method())
show("comprehension", comprehension)
show("lambda", (lambda oldpkg: oldpkg)(2))
