"""What a use says and does, in process: the warning's words, templates, the error, removals."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

from compatshim import LegacyPathError
from compatshim import LegacyPathRemoved
from compatshim._model import policy
from compatshim._model.alias import Alias


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    # The module caches messages, categories and removal decisions per process.
    policy.forget()
    yield
    policy.forget()


def test_the_default_message_says_what_is_set_and_what_to_use() -> None:
    """Since, removal and the canonical path, spelled as code spells them."""
    alias = Alias("old.mod:Old", "new.mod:New", since="2.0", removed_in="3.0")
    text = policy.warning_message(alias, alias.legacy, alias.canonical)
    assert (
        text
        == "old.mod.Old is deprecated since 2.0 and will be removed in 3.0; use new.mod.New instead"
    )
    bare = Alias("old", "new")
    assert policy.warning_message(bare, "old.sub", "new.sub") == (
        "old.sub is deprecated; import new.sub instead"
    )
    dated = Alias("old", "new", remove_after=datetime.date(2030, 1, 31))
    assert "will be removed after 2030-01-31" in policy.warning_message(dated, "old", "new")


def test_a_template_is_filled_by_plain_substitution() -> None:
    """The documented placeholders are replaced; a bad template falls back to the default."""
    alias = Alias(
        "old", "new", since="1.2", message="{legacy} -> {canonical} ({since}, {removed_in})"
    )
    assert policy.warning_message(alias, "old.x", "new.x") == (
        "old.x -> new.x (1.2, a future version)"
    )
    broken = Alias("old", "new", message="{legacy.__class__}")
    assert policy.warning_message(broken, "old", "new") == "old is deprecated; import new instead"


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{legacy}", None),
        ("{{braces}} {canonical}", None),
        ("{legacy:>9}", "format spec or conversion"),
        ("{legacy!r}", "format spec or conversion"),
        ("{legacy.__class__}", "reads an attribute or item"),
        ("{0}", "unknown placeholder"),
        ("{unknown}", "unknown placeholder"),
        ("{legacy", "invalid template"),
    ],
)
def test_templates_allow_only_the_plain_placeholders(template: str, problem: str | None) -> None:
    """Nothing in a template can run code or build a huge string."""
    found = policy.check_template(template)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_the_error_names_the_canonical_path_and_the_site() -> None:
    """policy = "error": an ImportError naming what to use instead and where it was used."""
    error = policy.error(Alias("old", "new"), "old.sub", "new.sub", "app.py:3")
    assert isinstance(error, LegacyPathError) and isinstance(error, ImportError)
    assert str(error) == (
        "old.sub is no longer allowed (compatshim policy 'error'); import new.sub instead "
        "(used at app.py:3)"
    )
    assert (error.legacy, error.canonical, error.name) == ("old.sub", "new.sub", "old.sub")


def test_a_removal_wins_over_any_policy_and_override() -> None:
    """Past ``remove_after``, or at ``removed_in``, every use raises LegacyPathRemoved."""
    past = Alias("old", "new", remove_after=datetime.date(2000, 1, 1), policy="ignore")
    assert policy.removal(past) == "was removed after 2000-01-01"
    policy.set_override("warn")
    with pytest.raises(LegacyPathRemoved, match="old was removed after 2000-01-01; import new"):
        policy.action(past)
    future = Alias("old", "new", remove_after=datetime.date(2000, 1, 1))
    assert policy.removal(future, today=datetime.date(1999, 12, 31)) is None
    reached = Alias("old", "nowhere", removed_in="2.0", project_version="2.1")
    assert policy.removal(reached) == "was removed in 2.0 (version 2.1 is installed)"
    # Decided once per alias and process (the installed version does not change under it).
    assert policy.removal(reached.replace(project_version="1.9")) is not None
    assert (
        policy.removal(Alias("older", "nowhere", removed_in="2.0", project_version="1.9")) is None
    )


def test_the_override_applies_to_every_alias_until_forgotten() -> None:
    """COMPATSHIM_POLICY and --compatshim-strict set it; uninstall forgets it."""
    alias = Alias("old", "new", policy="ignore")
    assert policy.action(alias) == "ignore"
    policy.set_override("error")
    assert policy.action(alias) == "error" and policy.get_override() == "error"
    policy.forget()
    assert policy.get_override() is None and policy.action(alias) == "ignore"


@pytest.mark.parametrize(
    ("spec", "valid"),
    [
        ("FutureWarning", True),
        ("pkg.mod:MyWarning", True),
        ("ValueError", False),
        ("NoSuchWarning", False),
        ("pkg.mod:", False),
        ("pkg..mod:Name", False),
    ],
)
def test_categories_are_builtin_warnings_or_module_paths(spec: str, valid: bool) -> None:
    """A builtin name is checked now; a module path is imported at the first warning."""
    assert (policy.check_category(spec) is None) is valid


def test_an_unusable_category_falls_back_to_the_default() -> None:
    """A category that cannot be imported never breaks the import that warns."""
    alias = Alias("old", "new", category="no_such_module_at_all:Warning")
    assert policy.warning_category(alias).__name__ == "CompatshimDeprecationWarning"
    assert policy.warning_category(Alias("old", "new", category="FutureWarning")) is FutureWarning
