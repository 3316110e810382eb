MODULE_ID = "newpkg.deep.leaf"


def leaf():
    return "leaf"
