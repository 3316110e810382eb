"""The docs cannot drift: the configuration reference is generated from the options table, and
every slug the code can raise or report is explained on the messages page.

Regenerate the reference with ``COMPATSHIM_REGENERATE_DOCS=1 python -m pytest tests/test_docs.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from compatshim._model.options import OPTIONS
from compatshim._model.options import REQUIRED
from compatshim._model.options import Option


ROOT = Path(__file__).resolve().parent.parent
BEGIN = (
    "<!-- options: generated from OPTIONS in compatshim/_model/options.py by tests/test_docs.py -->"
)
END = "<!-- end of generated options -->"

_SCOPES = {
    "top": "in `[tool.compatshim]`",
    "alias": "in an alias's inline table",
    "both": "in `[tool.compatshim]` (the default for every alias) and in an alias's inline table",
    "factory": "in a factory rule's inline table",
}


def _toml(value: object) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def render(option: Option) -> str:
    choices = f" One of {', '.join(f'`{c}`' for c in option.choices)}." if option.choices else ""
    default = "required" if option.default is REQUIRED else f"default {_toml(option.default)}"
    return (
        f"### `{option.key}`\n\n"
        f"*{option.type}, {default}; {_SCOPES[option.scope]}.*\n\n"
        f"{option.doc}{choices}\n\n"
        f"```toml\n{option.key} = {option.example}\n```\n"
    )


def test_config_reference_is_generated_from_the_options_table() -> None:
    """docs/config.md holds exactly one entry per option, as the table describes it."""
    page = ROOT / "docs" / "config.md"
    text = page.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    generated = "\n" + "\n".join(render(option) for option in OPTIONS) + "\n"
    if os.environ.get("COMPATSHIM_REGENERATE_DOCS"):
        page.write_text(head + BEGIN + generated + END + tail, encoding="utf-8")
    assert rest.split(END)[0] == generated


def _slugs_in_code() -> set[str]:
    slugs: set[str] = set()
    for path in sorted((ROOT / "compatshim").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        slugs.update(re.findall(r'slug(?:=| = )"([a-z][a-z-]+)"', source))
        slugs.update(re.findall(r'report_once\(\s*"([a-z][a-z-]+)"', source))
    return slugs


def test_every_slug_is_documented_and_every_documented_slug_exists() -> None:
    """docs/messages.md has a section for each slug in the code, and no stale ones."""
    text = (ROOT / "docs" / "messages.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `([a-z][a-z-]+)`", text, flags=re.MULTILINE))
    in_code = _slugs_in_code()
    assert in_code, "no slugs found: the pattern is stale"
    assert sorted(in_code - documented) == []
    assert sorted(documented - in_code) == []


def test_docs_link_to_existing_pages() -> None:
    """Relative links in README and docs point at files that exist."""
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
