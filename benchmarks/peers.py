"""The peers: the same legacy paths expressed with each approach a user could pick instead.

Every approach gets its own legacy package, all forwarding to one canonical package, so they can
be measured side by side in one process:

===============  =====================================================================
``compatshim``   ``cs_legacy`` -> ``canon_bench`` and ``cs_legacy.mod:OldName`` aliases
``pep562``       a module ``__getattr__`` that warns on every access (SciPy, pydantic)
``importwarn``   a re-exporting module that warns once, when imported (``stacklevel=2``)
``bare``         a module ``__getattr__`` that forwards silently
``sysmodules``   ``sys.modules["old.mod"] = new.mod`` in the legacy package
``debtcollector`` ``removals.removed_module`` + ``moves.moved_class`` / ``moved_function``
``deprecated``   ``@deprecated`` on a subclass and a wrapper function
``pydeprecate``  ``@deprecated(target=...)`` forwarding functions
``lazy_loader``  ``lazy_loader.load`` of the canonical module behind ``__getattr__``
``apipkg``       ``apipkg.initpkg`` namespace mapping names to their canonical homes
===============  =====================================================================

Each writes ``<package>/__init__.py`` and ``<package>/mod.py`` and says which of
``legacy.mod.X``, ``legacy.mod.OldName`` (a moved class) and ``legacy.mod.old_func`` (a renamed
function) it can express.
"""

from __future__ import annotations

import textwrap
from pathlib import Path


CANONICAL = {
    "canon_bench/__init__.py": "",
    "canon_bench/mod.py": """
        X = 1

        class NewName:
            pass

        def new_func():
            return "new"
    """,
    "canon_bench/sub/__init__.py": "",
    "canon_bench/sub/deep.py": "DEEP = 1\n",
}

_FORWARD = """
    import canon_bench.mod as _target
    _MOVED = {"OldName": "NewName", "old_func": "new_func"}
"""

PEERS: dict[str, dict[str, str]] = {
    "pep562": {
        "pep562_legacy/__init__.py": "",
        "pep562_legacy/mod.py": _FORWARD
        + """
    import warnings

    def __getattr__(name):
        warnings.warn(
            f"pep562_legacy.mod.{name} is deprecated; use canon_bench.mod",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(_target, _MOVED.get(name, name))
    """,
    },
    "importwarn": {
        "iw_legacy/__init__.py": "",
        "iw_legacy/mod.py": """
            import warnings
            from canon_bench.mod import X, NewName, new_func

            warnings.warn(
                "iw_legacy.mod is deprecated; use canon_bench.mod",
                DeprecationWarning,
                stacklevel=2,
            )
            OldName = NewName
            old_func = new_func
        """,
    },
    "bare": {
        "bare_legacy/__init__.py": "",
        "bare_legacy/mod.py": _FORWARD
        + """
    def __getattr__(name):
        return getattr(_target, _MOVED.get(name, name))
    """,
    },
    "sysmodules": {
        "sysmod_legacy/__init__.py": """
            import sys
            import canon_bench.mod
            sys.modules[__name__ + ".mod"] = canon_bench.mod
            mod = canon_bench.mod
        """,
    },
    "debtcollector": {
        "dc_legacy/__init__.py": "",
        "dc_legacy/mod.py": """
            from debtcollector import moves, removals
            from canon_bench.mod import X, NewName, new_func

            removals.removed_module(__name__, replacement="canon_bench.mod")
            OldName = moves.moved_class(NewName, "OldName", __name__)
            old_func = moves.moved_function(new_func, "old_func", __name__)
        """,
    },
    "deprecated": {
        "dep_legacy/__init__.py": "",
        "dep_legacy/mod.py": """
            from deprecated import deprecated
            from canon_bench.mod import X, NewName, new_func

            @deprecated(reason="use canon_bench.mod.NewName")
            class OldName(NewName):
                pass

            old_func = deprecated(reason="use canon_bench.mod.new_func")(new_func)
        """,
    },
    "pydeprecate": {
        "pyd_legacy/__init__.py": "",
        "pyd_legacy/mod.py": """
            from deprecate import deprecated
            from canon_bench.mod import X, NewName, new_func

            @deprecated(target=new_func, deprecated_in="1.0", remove_in="2.0")
            def old_func():
                pass
        """,
    },
    "lazy_loader": {
        "ll_legacy/__init__.py": "",
        "ll_legacy/mod.py": """
            import lazy_loader

            _target = lazy_loader.load("canon_bench.mod")
            _MOVED = {"OldName": "NewName", "old_func": "new_func"}

            def __getattr__(name):
                return getattr(_target, _MOVED.get(name, name))
        """,
    },
    "apipkg": {
        "apipkg_legacy/__init__.py": """
            import apipkg

            apipkg.initpkg(__name__, {
                "mod": {
                    "X": "canon_bench.mod:X",
                    "OldName": "canon_bench.mod:NewName",
                    "old_func": "canon_bench.mod:new_func",
                },
            })
        """,
    },
}

#: The legacy package of each approach (compatshim's comes from its configuration).
PACKAGES = {
    "compatshim": "cs_legacy",
    "pep562": "pep562_legacy",
    "importwarn": "iw_legacy",
    "bare": "bare_legacy",
    "sysmodules": "sysmod_legacy",
    "debtcollector": "dc_legacy",
    "deprecated": "dep_legacy",
    "pydeprecate": "pyd_legacy",
    "lazy_loader": "ll_legacy",
    "apipkg": "apipkg_legacy",
}

#: The distribution each library peer needs (installed with ``pip install compatshim[bench]``).
REQUIRES = {
    "debtcollector": "debtcollector",
    "deprecated": "deprecated",
    "pydeprecate": "deprecate",
    "lazy_loader": "lazy_loader",
    "apipkg": "apipkg",
}

CONFIG = """
[tool.compatshim]
telemetry = false

[tool.compatshim.aliases]
"cs_legacy" = "canon_bench"
"cs_legacy.mod:OldName" = "canon_bench.mod:NewName"
"cs_legacy.mod:old_func" = "canon_bench.mod:new_func"
"""


def available(peer: str) -> bool:
    """Whether a peer's library is installed."""
    module = REQUIRES.get(peer)
    if module is None:
        return True
    import importlib.util

    return importlib.util.find_spec(module) is not None


def write(folder: Path, config: str = CONFIG) -> Path:
    """Write the canonical package, every peer's legacy package and a configuration."""
    files = dict(CANONICAL)
    for peer_files in PEERS.values():
        files.update(peer_files)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    (folder / "pyproject.toml").write_text(config)
    return folder
