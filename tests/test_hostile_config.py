"""Hostile configurations: whatever a ``pyproject.toml`` holds, the answer is a configuration or
one line with a slug; never a traceback, never a hang, never a start-up that builds gigabytes.

The property tests generate tables of random keys and values (nested, huge, non-NFKC, with
control characters, deep), write them as TOML, and read them the way ``install()`` and every
command do: parsed, then again from the cache.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
from pathlib import Path

import pytest
from helpers import Project
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim import Alias
from compatshim import ConfigError
from compatshim import cli
from compatshim import load_config
from compatshim._base import diagnostics as _diagnostics
from compatshim._base.errors import MESSAGES_URL
from compatshim._model import policy as _policy
from compatshim._model.config import parse_table
from compatshim._model.options import OPTIONS


ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = set(
    re.findall(
        r"^### `([a-z][a-z-]+)`",
        (ROOT / "docs" / "messages.md").read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
)
ONE_LINE = re.compile(
    r"compatshim: error: [^\n]+ \(see " + re.escape(MESSAGES_URL) + r"#([a-z][a-z-]+)\)"
)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COMPATSHIM_"):
            monkeypatch.delenv(name)


class Raw(str):
    """TOML text written as it is (a value nested thousands deep)."""


HOSTILE = [
    "",
    " ",
    "\x1b]0;title\x07\x1b[2J",
    "line\nbreak",
    "\uff4fldpkg",
    "class.pkg",
    "old.pkg:def",
    "{legacy:>9000000000000000000}",
    "{legacy:>1000000000}",
    "{legacy.__class__}",
    "{legacy!r}",
    "{0}",
    "{",
    "json",
    "json.decoder",
    "tomli",
    "typing_extensions.x",
    "compatshim.y",
    "..",
    "a..b",
    "/etc/passwd",
    "../outside.db",
    ".",
    "pyproject.toml",
    ".compatshim",
    "9" * 5000,
    "\u202eevil",
    "old.pkg",
    "new.pkg",
    "old.mod:Name",
    "new.mod:Name",
    "3.0",
    "FutureWarning",
    "x" * 3000,
]
OPTION_KEYS = [option.key for option in OPTIONS]

text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20))
keys = st.one_of(st.sampled_from(OPTION_KEYS), text)
scalars = st.one_of(
    text,
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=10**4000),
    st.floats(),
    st.dates(),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
# Clearly shallow or clearly too deep: in between, whether the parser's recursion fails depends
# on the stack it starts from (and hypothesis raises the recursion limit while it runs).
deep = st.one_of(st.integers(1, 30), st.integers(5000, 8000)).map(lambda n: Raw("[" * n + "]" * n))
alias_values = st.one_of(
    text,
    st.dictionaries(
        st.one_of(st.sampled_from(OPTION_KEYS), text),
        st.one_of(text, values, deep),
        max_size=4,
    ),
    values,
    deep,
)
tables = st.fixed_dictionaries(
    {
        "top": st.dictionaries(
            st.sampled_from([k for k in OPTION_KEYS if k != "aliases"]) | text,
            st.one_of(text, values, deep),
            max_size=4,
        ),
        "aliases": st.dictionaries(text, alias_values, max_size=4),
    }
)


def toml_value(value: object) -> str:
    """``value`` as TOML: basic strings, numbers, dates, arrays and inline tables."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, (int, datetime.date)):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    return (
        "{"
        + ", ".join(
            f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in value.items()
        )
        + "}"
    )


def toml_document(table: dict[str, dict[str, object]]) -> str:
    lines = ["[tool.compatshim]"]
    lines += [
        f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}"
        for k, v in table["top"].items()
        if k != "aliases"
    ]
    lines.append("[tool.compatshim.aliases]")
    lines += [
        f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}"
        for k, v in table["aliases"].items()
    ]
    return "\n".join(lines) + "\n"


def outcome(path: Path) -> object:
    """What reading ``path`` gives: the aliases' fields, or the error's slug (checked)."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert exc.slug in DOCUMENTED, exc.slug  # noqa: PT017 - many exceptions, one check
        assert "\n" not in message and "\r" not in message, message
        assert len(message) < 1000, message
        return exc.slug
    return [alias.fields() for alias in config.aliases]


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables)
def test_any_table_is_a_configuration_or_one_line_with_a_slug(
    tmp_path: Path, table: dict[str, dict[str, object]]
) -> None:
    """Parsed and then read back from the cache: the same answer, and only these two kinds."""
    path = tmp_path / "pyproject.toml"
    path.write_text(toml_document(table), encoding="utf-8")
    cache = tmp_path / ".compatshim" / "config.cache"
    if cache.exists():
        cache.unlink()
    first = outcome(path)
    assert outcome(path) == first  # the second read may come from the cache


@settings(max_examples=300, deadline=None)
@given(table=tables)
def test_any_structure_given_to_the_validator_is_a_configuration_or_a_config_error(
    table: dict[str, dict[str, object]],
) -> None:
    """``parse_table`` on the raw structures (no TOML in between: any depth, any type)."""
    top = {k: (v if not isinstance(v, Raw) else [[[[v]]]]) for k, v in table["top"].items()}
    document = {"tool": {"compatshim": {**top, "aliases": table["aliases"]}}}
    try:
        parse_table(document)
    except ConfigError as exc:
        assert exc.slug in DOCUMENTED and "\n" not in str(exc)  # noqa: PT017


def test_values_nested_deeper_than_python_can_recurse() -> None:
    """A value 100,000 levels deep given to the validator is one line, not a RecursionError."""
    deep: object = "x"
    for _ in range(100_000):
        deep = [deep]
    for document in (
        {"tool": {"compatshim": {"message": deep}}},
        {"tool": {"compatshim": {"aliases": {"old": {"target": "new", "since": deep}}}}},
        {"tool": {"compatshim": {"aliases": {"old": deep}}}},
        {"tool": {"compatshim": {"aliases": deep}}},
    ):
        with pytest.raises(ConfigError) as info:
            parse_table(document)
        assert info.value.slug == "config-wrong-type" and "not list" in str(info.value)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables)
def test_the_command_line_answers_any_table_with_an_exit_code_and_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: dict[str, dict[str, object]]
) -> None:
    """``compatshim report --config`` on any table: exit 0, or 2 with one line and its slug."""
    path = tmp_path / "pyproject.toml"
    path.write_text(toml_document(table), encoding="utf-8")
    capsys.readouterr()
    code = cli.main(["report", "--config", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        (line,) = [line for line in err.splitlines() if line.startswith("compatshim: error:")]
        match = ONE_LINE.fullmatch(line)
        assert match is not None and match.group(1) in DOCUMENTED, line
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("body", "slug"),
    [
        ("[tool.compatshim]\nmessage = " + "[" * 5000 + "]" * 5000 + "\n", "config-invalid-toml"),
        ('[tool.compatshim]\nmessage = "{legacy:>9000000000000000000}"\n', "config-bad-value"),
        ('[tool.compatshim.aliases]\n"typing_extensions" = "new"\n', "alias-reserved"),
        (
            '[tool.compatshim.aliases]\n"old" = { target = "new", package = "" }\n',
            "config-bad-value",
        ),
    ],
)
@pytest.mark.parametrize("command", ["check", "report", "scan", "run"])
def test_commands_exit_2_with_one_line(
    project: Project, body: str, slug: str, command: str
) -> None:
    """A few runs of the real command line: exit 2, one line with the slug, no traceback."""
    project.config(body)
    args = ["-m", "compatshim", command] + (["--", "true"] if command == "run" else [])
    result = project.command(args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.endswith(f"(see {MESSAGES_URL}#{slug})\n"), result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_install_refuses_a_deep_value_with_a_config_error(project: Project) -> None:
    """In a program, a deep value is a ConfigError naming the key (before: RecursionError)."""
    project.config("[tool.compatshim]\nmessage = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    result = project.run(
        "import _probe, compatshim\n"
        "try:\n    compatshim.install()\n"
        "except compatshim.ConfigError as e:\n    _probe.emit([e.slug, str(e).split(': ', 1)[1]])\n"
    )
    assert result.value == [
        "config-invalid-toml",
        "message: invalid TOML: a value nested too deeply to read",
    ]


# -- messages: the documented placeholders, substituted as they are --------------------------


def test_a_message_is_rendered_by_substitution_only() -> None:
    """Braces stay braces, placeholders are replaced, and nothing else is interpreted."""
    alias = Alias(
        "old.mod", "new.mod", message="{{legacy}} {legacy} -> {canonical} ({since}, {removed_in})"
    )
    text = _policy._format_message(alias, "old.mod", "new.mod")
    assert text == "{legacy} old.mod -> new.mod (an unspecified version, a future version)"


@pytest.mark.parametrize("template", ["{legacy:>40}", "{legacy.__class__}", "{legacy!r}", "{nope}"])
def test_a_template_built_by_hand_falls_back_to_the_default_message(template: str) -> None:
    """An Alias made in code with a bad template never formats it (no padding, no attributes)."""
    _diagnostics.reset()
    alias = Alias("old.mod", "new.mod", message=template)
    text = _policy._format_message(alias, "old.mod", "new.mod")
    assert text == "old.mod is deprecated; import new.mod instead"
    assert ("bad-message", "old.mod") in _diagnostics.reported()
    _diagnostics.reset()


@given(st.text(max_size=30))
def test_templates_are_read_as_string_formatter_reads_them(template: str) -> None:
    """The template parser is ``string.Formatter().parse``, whichever way it is reached."""
    import string

    try:
        expected = list(string.Formatter().parse(template))
    except ValueError:
        with pytest.raises(ValueError):  # noqa: PT011 - the same error as Formatter's
            _policy.parse_template(template)
    else:
        assert _policy.parse_template(template) == expected
