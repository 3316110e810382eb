"""Make the renamed copy of a project: move its modules, switch its own code to the new names,
and declare the old paths in its ``pyproject.toml``.

Only the project's package changes; its tests stay exactly as shipped.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

from realworld.projects import Edit
from realworld.projects import MoveDefinition
from realworld.projects import Project


class RenameError(Exception):
    """The pinned project no longer looks as the rename expects (a file, a definition or an
    edit that does not match)."""


def rename(project: Project, root: Path) -> list[str]:
    """Apply ``project``'s rename to the copy at ``root``; one line per change made."""
    done: list[str] = []
    for old, new in project.moves:
        if not (root / old).exists():
            raise RenameError(f"{old} does not exist")
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(root / old), str(root / new))
        done.append(f"moved {old} -> {new}")
    for definition in project.definitions:
        move_definition(root, definition)
        done.append(f"moved {definition.name} from {definition.source} to {definition.target}")
    for edit in project.edits:
        made = apply_edit(root, edit)
        adapted = f" (adapted to a limit: {edit.adapts})" if edit.adapts else ""
        done.append(f"edited {edit.path}: {made} x {edit.old!r}{adapted}")
    declare_aliases(root / "pyproject.toml", project.aliases, project.settings)
    done.append(f"declared {len(project.aliases)} aliases in pyproject.toml")
    return done


def move_definition(root: Path, definition: MoveDefinition) -> None:
    """Cut a top-level definition, decorators and all, and append it to another module."""
    source = root / definition.source
    text = source.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name == definition.name
        ):
            break
    else:
        raise RenameError(f"{definition.source} defines no {definition.name}")
    lines = text.splitlines(keepends=True)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    last = node.end_lineno or node.lineno
    block = "".join(lines[first:last])
    source.write_text("".join(lines[:first] + lines[last:]), encoding="utf-8")
    target = root / definition.target
    body = target.read_text(encoding="utf-8").rstrip("\n")
    target.write_text(f"{body}\n\n\n{block}", encoding="utf-8")


def apply_edit(root: Path, edit: Edit) -> int:
    """Apply one edit to every file its glob matches; the number of replacements, which must be
    ``edit.count``."""
    files = sorted(root.glob(edit.path))
    if not files:
        raise RenameError(f"no file matches {edit.path}")
    pattern = re.compile(edit.old)
    made = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        new, n = pattern.subn(edit.new, text)
        if n:
            path.write_text(new, encoding="utf-8")
            made += n
    if made != edit.count:
        raise RenameError(f"{edit.path}: {edit.old!r} matched {made} times, expected {edit.count}")
    return made


def declare_aliases(pyproject: Path, aliases: dict[str, str], settings: dict[str, str]) -> None:
    """Append the ``[tool.compatshim]`` table, telemetry on, to the copy's ``pyproject.toml``."""
    table = ["", "[tool.compatshim]", "telemetry = true"]
    table += [f"{key} = {value}" for key, value in settings.items()]
    table += ["", "[tool.compatshim.aliases]"]
    table += [f'"{legacy}" = "{canonical}"' for legacy, canonical in aliases.items()]
    text = pyproject.read_text(encoding="utf-8")
    if "[tool.compatshim" in text:
        raise RenameError(f"{pyproject} already has a [tool.compatshim] table")
    pyproject.write_text(text.rstrip("\n") + "\n" + "\n".join(table) + "\n", encoding="utf-8")
