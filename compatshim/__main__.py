"""``python -m compatshim``: the same as the ``compatshim`` command."""

import sys

from compatshim.cli import main


sys.exit(main())
