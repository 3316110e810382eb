"""Not valid Python: reported and skipped, never fatal."""

import legacy_utils
def broken(:
    pass
