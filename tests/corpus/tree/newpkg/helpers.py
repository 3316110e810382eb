MODULE_ID = "newpkg.helpers"


class Helper:
    pass
