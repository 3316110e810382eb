"""Import every case module of a corpus tree under compatshim and print what each one showed.

Usage: python run_cases.py TREE [STRICT,CASES]. Cases named in the second argument run with
deprecation warnings turned into errors, which proves they no longer use a legacy path.
"""

import contextlib
import importlib
import io
import os
import sys
import warnings


tree = os.path.abspath(sys.argv[1])
strict = set(sys.argv[2].split(",")) if len(sys.argv) > 2 and sys.argv[2] else set()
sys.path.insert(0, tree)
os.chdir(tree)

import compatshim


compatshim.install(os.path.join(tree, "pyproject.toml"))

names = sorted(
    f"cases.{f[:-3]}"
    for f in os.listdir(os.path.join(tree, "cases"))
    if f.endswith(".py") and not f.startswith("_") and f != "broken.py"
)
names.append("realpkg.rel_case")
for name in names:
    output = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error" if name in strict else "ignore", DeprecationWarning)
        warnings.simplefilter("error" if name in strict else "ignore", FutureWarning)
        with contextlib.redirect_stdout(output):
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - the output records it
                print(f"raised {type(exc).__name__}: {exc}")
    print(f"== {name}")
    print(output.getvalue(), end="")
