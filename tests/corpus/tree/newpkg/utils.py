MODULE_ID = "newpkg.utils"
CONST = 42


def func():
    return "func"


class NewName:
    pass
