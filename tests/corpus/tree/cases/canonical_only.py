"""Already migrated: counts toward adoption, no finding."""

import newpkg.utils
from newpkg.helpers import Helper
from newflat import hello
from cases._show import show

show("func", newpkg.utils.func)
show("Helper", Helper)
show("hello", hello)
