"""Reading ``[tool.compatshim]``: discovery, defaults, validation with file, line and key."""

from __future__ import annotations

import datetime
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import compatshim
from compatshim import ConfigError
from compatshim import load_config
from compatshim._model.config import parse_table
from compatshim._model.options import OPTIONS


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COMPATSHIM_"):
            monkeypatch.delenv(name)


def test_full_example_is_read_with_defaults_and_overrides(tmp_path: Path) -> None:
    """Top-level settings are defaults for every alias; inline tables override them."""
    path = write(
        tmp_path / "pyproject.toml",
        """
        [project]
        version = "2.5"

        [tool.compatshim]
        policy = "warn"
        category = "FutureWarning"
        message = "{legacy} -> {canonical}"
        telemetry = false
        data_file = "build/data.db"

        [tool.compatshim.aliases]
        "old.pkg" = "new.pkg"
        "old.pkg.mod:OldName" = "new.mod:NewName"
        "old.tools" = { target = "new.tools", since = "2.1", removed_in = "3.0", policy = "error", category = "UserWarning", message = "...", package = "dist", remove_after = 2027-06-30, strategy = "direct" }
        """,
    )
    config = load_config(path)
    assert config.path == str(path)
    assert config.telemetry is False
    assert config.data_file == str(tmp_path / "build" / "data.db")
    pkg, name, tools = config.aliases
    assert (pkg.legacy, pkg.target, pkg.policy, pkg.category, pkg.message) == (
        "old.pkg",
        "new.pkg",
        "warn",
        "FutureWarning",
        "{legacy} -> {canonical}",
    )
    assert (name.kind, name.module, name.attr, name.canonical) == (
        "name",
        "old.pkg.mod",
        "OldName",
        "new.mod:NewName",
    )
    assert tools.since == "2.1" and tools.removed_in == "3.0" and tools.policy == "error"
    assert tools.category == "UserWarning" and tools.package == "dist"
    assert tools.remove_after == datetime.date(2027, 6, 30) and tools.strategy == "direct"
    assert tools.project_version == "2.5"
    assert pkg.origin == f"{path}:12"


def test_discovery_walks_up_to_the_nearest_file_with_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyproject files without the table are skipped; COMPATSHIM_CONFIG overrides the search."""
    write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"a" = "b"\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    deep = tmp_path / "sub" / "deeper"
    deep.mkdir()
    monkeypatch.chdir(deep)
    assert load_config().path == str(tmp_path / "pyproject.toml")
    other = write(
        tmp_path / "elsewhere" / "pyproject.toml", '[tool.compatshim.aliases]\n"c" = "d"\n'
    )
    monkeypatch.setenv("COMPATSHIM_CONFIG", str(other))
    assert [a.legacy for a in load_config().aliases] == ["c"]


def test_no_file_means_an_empty_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without any pyproject.toml holding the table, there are simply no aliases."""
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.path is None and config.aliases == () and config.telemetry is True


@pytest.mark.parametrize(
    ("body", "slug", "message"),
    [
        (
            '[tool.compatshim]\npolcy = "warn"\n',
            "config-unknown-key",
            ":2: unknown key [tool.compatshim] 'polcy'",
        ),
        (
            '[tool.compatshim]\npolicy = "loud"\n',
            "config-bad-value",
            ":2: [tool.compatshim] policy must be one of warn, error, ignore, not 'loud'",
        ),
        (
            "[tool.compatshim]\ntelemetry = 1\n",
            "config-wrong-type",
            ":2: [tool.compatshim] telemetry must be a boolean, not int 1",
        ),
        (
            '[tool.compatshim]\ncategory = "NotAWarning"\n',
            "config-bad-value",
            "'NotAWarning' is not a builtin Warning subclass",
        ),
        (
            '[tool.compatshim]\nmessage = "{legacy} {nope}"\n',
            "config-bad-value",
            "unknown placeholder {nope}",
        ),
        (
            '[tool.compatshim.aliases]\n"old" = { target = "new", removed_in = 3.0 }\n',
            "config-wrong-type",
            ":2: alias 'old': removed_in must be a string, not float 3.0 (quote version numbers)",
        ),
        (
            '[tool.compatshim.aliases]\n"old" = { target = "new", removed_in = "three" }\n',
            "config-bad-value",
            "'three' is not a PEP 440 version",
        ),
        (
            '[tool.compatshim.aliases]\n"old" = { since = "1" }\n',
            "config-bad-value",
            ":2: alias 'old': 'target' is required",
        ),
        (
            '[tool.compatshim.aliases]\n"old" = { target = "new", colour = "red" }\n',
            "config-unknown-key",
            "unknown key 'colour'",
        ),
        (
            '[tool.compatshim.aliases]\n"old" = 3\n',
            "config-wrong-type",
            "must be a target string or an inline table, not int",
        ),
        (
            '[tool.compatshim.aliases]\n"old" = { target = "new", remove_after = "soon" }\n',
            "config-wrong-type",
            "remove_after must be a date",
        ),
        (
            '[tool.compatshim.aliases]\n"json.old" = "new"\n',
            "alias-stdlib",
            "'json' belongs to the standard library",
        ),
        ('[tool.compatshim.aliases]\n"a" = "b"\n"b" = "a"\n', "alias-cycle", "alias cycle"),
        (
            '[tool.compatshim.aliases]\n"a.b" = "a.b"\n',
            "alias-self",
            "the legacy path equals its target",
        ),
        (
            '[tool.compatshim.aliases]\n"a-b" = "c"\n',
            "alias-bad-name",
            "is not a dotted module path",
        ),
        ("[tool.compatshim\n", "config-invalid-toml", "invalid TOML"),
        ("[tool]\ncompatshim = 3\n", "config-wrong-type", "[tool.compatshim] must be a table"),
        (
            '[tool.compatshim.aliases]\nold.pkg = "new.pkg"\n',
            "config-unknown-key",
            ":2: alias 'old' looks like an unquoted dotted key: quote legacy paths",
        ),
        (
            '[tool.compatshim]\nmessage = "{legacy:>{canonical}}"\n',
            "config-bad-value",
            "invalid template",
        ),
        # Unusable names: fullwidth letters (NFKC makes them ASCII in code), keywords.
        (
            '[tool.compatshim.aliases]\n"\uff4fldpkg" = "new"\n',
            "alias-bad-name",
            (
                ":2: alias '\uff4fldpkg': legacy path '\uff4fldpkg' is not in NFKC normal form: "
                "Python reads it as 'oldpkg'"
            ),
        ),
        (
            '[tool.compatshim.aliases]\n"class.pkg" = "new"\n',
            "alias-bad-name",
            "has the keyword 'class' as a name",
        ),
        # Control characters, escape sequences, empty strings.
        (
            '[tool.compatshim.aliases]\n"old" = { target = "new", since = "\\u001b[2J1.0" }\n',
            "config-bad-value",
            ":2: alias 'old': since contains '\\x1b' in '\\x1b[2J1.0'",
        ),
        (
            '[tool.compatshim]\nmessage = "{legacy}\\nmoved"\n',
            "config-bad-value",
            ":2: [tool.compatshim] message contains '\\n'",
        ),
        ('[tool.compatshim]\npackage = ""\n', "config-bad-value", "package must not be empty"),
        (
            '[tool.compatshim.aliases]\n"old" = { target = "new", since = " " }\n',
            "config-bad-value",
            "since must not be empty",
        ),
        # Message templates: only the plain placeholders.
        (
            '[tool.compatshim]\nmessage = "{legacy:>9000000000000000000}"\n',
            "config-bad-value",
            "invalid template: {legacy} has a format spec or conversion",
        ),
        (
            '[tool.compatshim]\nmessage = "{legacy:>1000000000}"\n',
            "config-bad-value",
            "invalid template: {legacy} has a format spec or conversion",
        ),
        (
            '[tool.compatshim]\nmessage = "{legacy.__class__}"\n',
            "config-bad-value",
            "invalid template: {legacy.__class__} reads an attribute or item",
        ),
        (
            '[tool.compatshim]\nmessage = "{canonical[0]}"\n',
            "config-bad-value",
            "reads an attribute",
        ),
        (
            '[tool.compatshim]\nmessage = "{legacy!r}"\n',
            "config-bad-value",
            "format spec or conversion",
        ),
        ('[tool.compatshim]\nmessage = "{} moved"\n', "config-bad-value", "unknown placeholder {}"),
        ('[tool.compatshim]\nmessage = "{legacy"\n', "config-bad-value", "invalid template"),
        # Packages compatshim itself runs on.
        ('[tool.compatshim.aliases]\n"tomli" = "new"\n', "alias-reserved", "'tomli' is compatshim"),
        ('[tool.compatshim.aliases]\n"pytest.x" = "new"\n', "alias-reserved", "'pytest' is"),
        # data_file: inside the project (unless absolute), a file, not one of the project's.
        (
            '[tool.compatshim]\ndata_file = ""\n',
            "config-bad-value",
            ":2: [tool.compatshim] data_file must not be empty",
        ),
        (
            '[tool.compatshim]\ndata_file = "."\n',
            "config-bad-value",
            ":2: [tool.compatshim] data_file: '.' is not a file inside the project folder",
        ),
        (
            '[tool.compatshim]\ndata_file = "../t.db"\n',
            "config-bad-value",
            "data_file: '../t.db' is not a file inside the project folder",
        ),
        (
            '[tool.compatshim]\ndata_file = "a/../../t.db"\n',
            "config-bad-value",
            "is not a file inside the project folder",
        ),
        (
            '[tool.compatshim]\ndata_file = "pyproject.toml"\n',
            "config-bad-value",
            "data_file: 'pyproject.toml' is not a data file",
        ),
        (
            '[tool.compatshim]\ndata_file = "README.md"\n',
            "config-bad-value",
            "'README.md' is an existing file that is not a compatshim data file",
        ),
        (
            '[tool.compatshim]\ndata_file = "src"\n',
            "config-bad-value",
            "data_file: 'src' is a folder",
        ),
        (
            '[tool.compatshim]\ndata_file = "build/"\n',
            "config-bad-value",
            "'build/' names a folder, not a file",
        ),
        (
            '[tool.compatshim]\ndata_file = "sub/.gitignore"\n',
            "config-bad-value",
            "is not a data file",
        ),
        (
            '[tool.compatshim]\ndata_file = ".compatshim/config.cache"\n',
            "config-bad-value",
            "is not a data file",
        ),
        # What the TOML parser cannot read: never a traceback.
        (
            "[tool.compatshim]\ntelemetry = " + "9" * 5000 + "\n",
            "config-invalid-toml",
            "invalid TOML: Exceeds the limit (4300",
        ),
        (
            '[tool.compatshim.aliases]\n"old" = { target = "new", since = '
            + "[" * 5000
            + "]" * 5000
            + " }\n",
            "config-invalid-toml",
            ':2: "old": invalid TOML: a value nested too deeply to read',
        ),
        (
            "[tool.compatshim]\nmessage = " + "[" * 5000 + "]" * 5000 + "\n",
            "config-invalid-toml",
            ":2: message: invalid TOML: a value nested too deeply to read",
        ),
        (  # the same key in another tool's table comes first: the line is ours
            '[tool.black]\npolicy = "x"\n\n[ tool . "compatshim" ]  # ours\npolicy = "loud"\n',
            "config-bad-value",
            ":5: [tool.compatshim] policy must be one of",
        ),
    ],
)
def test_bad_configuration_names_file_line_and_key(
    tmp_path: Path, body: str, slug: str, message: str
) -> None:
    """Each mistake is a ConfigError with its slug, naming the file (and line where known)."""
    (tmp_path / "README.md").write_text("# a project\n", encoding="utf-8")
    (tmp_path / "src").mkdir()
    path = tmp_path / "pyproject.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.slug == slug
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400  # one short line


def test_a_damaged_data_file_in_compatshims_folder_is_no_configuration_error(
    tmp_path: Path,
) -> None:
    """Only a file of the project is protected: one of compatshim's own never stops a start."""
    path = write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"a" = "b"\n')
    (tmp_path / ".compatshim").mkdir()
    (tmp_path / ".compatshim" / "telemetry.db").write_bytes(b"not a database")
    assert load_config(path).data_file == str(tmp_path / ".compatshim" / "telemetry.db")


def test_explicit_paths_must_exist_and_hold_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A named file that is missing, or has no table, is an error rather than silence."""
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "nope.toml")
    assert missing.value.slug == "config-not-found"
    monkeypatch.setenv("COMPATSHIM_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="COMPATSHIM_CONFIG"):
        load_config()
    empty = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError) as no_table:
        load_config(empty)
    assert no_table.value.slug == "config-no-table"


def test_every_option_has_type_default_and_docs() -> None:
    """The options table is complete enough to generate the reference page."""
    keys = [option.key for option in OPTIONS]
    assert len(keys) == len(set(keys))
    for option in OPTIONS:
        assert option.type in ("string", "boolean", "date", "table", "array")
        assert option.scope in ("top", "alias", "both", "factory")
        assert option.doc.endswith(".") and option.example


names = st.from_regex(
    r"[A-Za-z_][A-Za-z0-9_]{0,5}(\.[A-Za-z_][A-Za-z0-9_]{0,5}){0,2}", fullmatch=True
)
junk = st.text(alphabet="ab.:-_ 1", min_size=0, max_size=8)


@settings(max_examples=200, deadline=None)
@given(legacy=st.one_of(names, junk), target=st.one_of(names, junk))
def test_any_alias_either_parses_or_is_a_config_error(legacy: str, target: str) -> None:
    """Whatever the names, parsing gives a table or a ConfigError: never another exception."""
    data = {"tool": {"compatshim": {"aliases": {legacy: target}}}}
    try:
        config = parse_table(data)
    except ConfigError as exc:  # either outcome is fine, but nothing else
        assert exc.slug.startswith(("alias-", "config-"))  # noqa: PT017
    else:
        assert [a.legacy for a in config.aliases] == [legacy]


def test_public_names_are_reexported_with_public_module() -> None:
    """The facade exports its names, and public classes show the public path."""
    for name in compatshim.__all__:
        obj = getattr(compatshim, name)
        if isinstance(obj, type):
            assert obj.__module__ == "compatshim", name
    assert dir(compatshim) == compatshim.__all__


def _install_modules(project_dir: Path) -> list[str]:
    # Run install() in a fresh interpreter; report whether it had to parse TOML.
    import subprocess
    import sys

    code = (
        "import sys, compatshim; inst = compatshim.install(); "
        "print(len(inst.aliases), 'tomllib' in sys.modules or 'tomli' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_validated_configuration_is_cached_and_invalidated(tmp_path: Path) -> None:
    """The second start reads the cache, not TOML; any edit, or a corrupt cache, reparses."""
    pyproject = write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"a" = "b"\n')
    assert _install_modules(tmp_path) == ["1", "True"]
    cache = tmp_path / ".compatshim" / "config.cache"
    assert cache.is_file()
    assert (tmp_path / ".compatshim" / ".gitignore").read_text().endswith("*\n")
    assert _install_modules(tmp_path) == ["1", "False"]
    pyproject.write_text('[tool.compatshim.aliases]\n"a" = "b"\n"c" = "d"\n', encoding="utf-8")
    assert _install_modules(tmp_path) == ["2", "True"]
    cache.write_bytes(b"\x00garbage")
    assert _install_modules(tmp_path) == ["2", "True"]
    assert _install_modules(tmp_path) == ["2", "False"]


def test_no_cache_is_written_with_telemetry_off(tmp_path: Path) -> None:
    """``telemetry = false`` means compatshim writes nothing, not even its cache."""
    write(tmp_path / "pyproject.toml", "[tool.compatshim]\ntelemetry = false\n")
    assert _install_modules(tmp_path) == ["0", "True"]
    assert not (tmp_path / ".compatshim").exists()


def test_unwritable_cache_folder_is_only_a_slower_start(tmp_path: Path) -> None:
    """A file where the state folder should be does not stop install()."""
    write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"a" = "b"\n')
    (tmp_path / ".compatshim").write_text("not a folder")
    assert _install_modules(tmp_path) == ["1", "True"]
    assert _install_modules(tmp_path) == ["1", "True"]
