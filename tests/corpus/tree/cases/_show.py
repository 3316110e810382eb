"""How the cases print what they see: modules by MODULE_ID, objects by qualified name."""

import types


def describe(value):
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(v) for v in value) + ")"
    if isinstance(value, types.ModuleType):
        return "module " + value.MODULE_ID
    if hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


def show(label, value):
    print(f"{label}: {describe(value)}")
