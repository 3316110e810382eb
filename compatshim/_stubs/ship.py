"""The alias table a library ships to downstream projects (the ``ship`` key).

``compatshim stubs --write`` writes the library's aliases, as its ``[tool.compatshim]`` table
declares them, into ``compatshim.toml`` in the package ``ship`` names; the wheel carries it like
any package file, and the entry point ``compatshim.aliases`` points downstream projects at it
(``_model/shipped.py`` reads it). The table is declared once, in ``pyproject.toml``; the file is
generated, compared like a stub (``--check``, ``compatshim check``) and never edited by hand.
Each alias is written with every setting that differs from the defaults, top-level defaults
already applied, so the file says exactly what the table means.
"""

from __future__ import annotations

import json
import os

from .._model.options import REQUIRED
from .._model.shipped import FILENAME
from .._model.shipped import GROUP
from .._model.validate import ALIAS_OPTIONS
from .._static.files import HEADER
from .plan import Planned


TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._model.alias import Alias
    from .._model.config import Config

__all__ = ["render", "shipped_file"]


def _string(text: str) -> str:
    # A TOML basic string: JSON's escapes are TOML's (validated values hold no control
    # characters, which is where the two differ).
    return json.dumps(text, ensure_ascii=False)


def _value(alias: Alias) -> str:
    settings = []
    for key, option in ALIAS_OPTIONS.items():
        if key == "target":
            continue
        value = getattr(alias, key)
        default = None if option.default is REQUIRED else option.default
        if value is None or value == default:
            continue
        shown = value.isoformat() if key == "remove_after" else _string(str(value))
        settings.append(f"{key} = {shown}")
    if not settings:
        return _string(alias.target)
    return "{ " + ", ".join([f"target = {_string(alias.target)}", *settings]) + " }"


def render(config: Config, package: str) -> str:
    """The text of the shipped table for the aliases of ``config``."""
    lines = [
        f"{HEADER} from the [tool.compatshim] table of pyproject.toml:",
        f"# edit that table, not this file. Shipped in package {package} for downstream projects,",
        f'# which find it through the entry point [project.entry-points."{GROUP}"].',
        "[tool.compatshim.aliases]",
        *(f"{_string(alias.legacy)} = {_value(alias)}" for alias in config.table),
    ]
    return "\n".join(lines) + "\n"


def shipped_file(config: Config, folder: str) -> Planned:
    """The shipped table to generate for ``config`` (which has ``ship``), in ``folder``: the
    folder of the package ``ship`` names."""
    package = str(config.ship)
    keys = {alias.legacy for alias in config.table}
    return Planned(
        os.path.join(folder, FILENAME), render(config, package), block=False, aliases=keys
    )
