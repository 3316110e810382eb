MODULE_ID = "newflat"


def hello():
    return "hello"
