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

__all__ = ["plan_ship", "render"]


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


def plan_ship(
    config: Config, files: list[Planned], refused: list[tuple[str, str, set[str]]]
) -> None:
    """Add the shipped table ``config`` needs (it has ``ship``) to ``files``, or say in
    ``refused`` why it cannot be generated: the package is not the project's
    (``ship-not-found``), or no entry point leads downstream projects to it
    (``ship-no-entry-point``)."""
    from .signatures import Locator

    package = str(config.ship)
    keys = {alias.legacy for alias in config.table}
    located = Locator([config.root, os.path.join(config.root, "src")]).find(package)
    if located is None or not located.folders:
        slug = "ship-not-found"
        refused.append(
            (slug, f"ship names {package}, which is not a package of this project", keys)
        )
        return
    path = os.path.join(located.folders[0], FILENAME)
    files.append(Planned(path, render(config, package), block=False, aliases=keys))
    problem = _entry_point_problem(config, package)
    if problem is not None:
        slug = "ship-no-entry-point"
        refused.append((slug, problem, keys))


def _entry_point_problem(config: Config, package: str) -> str | None:
    # Without the entry point, include and --from cannot find the table: a release would ship
    # it to no one. Entry points that the build computes (dynamic) cannot be checked here.
    from .._model.toml import parse

    try:
        with open(str(config.path), "rb") as file:
            data, _ = parse(str(config.path), file.read())
    except Exception:  # noqa: BLE001 - the configuration was read a moment ago; nothing to add
        return None
    project = data.get("project")
    if not isinstance(project, dict) or "entry-points" in project.get("dynamic", ()):
        return None
    points = project.get("entry-points", {})
    group = points.get(GROUP) if isinstance(points, dict) else None
    if isinstance(group, dict) and package in group.values():
        return None
    return (
        f"no entry point leads downstream projects to the table: add "
        f'[project.entry-points."{GROUP}"] with a line such as {package.partition(".")[0]} = '
        f'"{package}" to {config.path}'
    )
