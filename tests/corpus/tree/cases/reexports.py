"""A compatibility module: other modules import the names it binds (issue 10 D)."""

import flat
import oldpkg.deep.leaf
from oldpkg import utils

HELLO = flat.hello
