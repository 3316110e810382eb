MODULE_ID = "realmod"


def other():
    return "other"
