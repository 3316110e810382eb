"""The state folder and the configuration cache: untrusted input, links never followed.

A cache or state folder can be planted (a cloned repository, a shared checkout): whatever it
holds, compatshim does nothing the configuration could not, writes nothing through a link it did
not create, and never blocks or reads without end.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import Project
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim import load_config
from compatshim._base.paths import KEYWORDS
from compatshim._model import cache as _cache
from compatshim._model.config import parse_table


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COMPATSHIM_"):
            monkeypatch.delenv(name)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- the cache is untrusted ------------------------------------------------------------------


def test_a_forged_cache_cannot_alias_what_the_configuration_could_not(tmp_path: Path) -> None:
    """A cache edited to alias the standard library (the key left intact) is not used.

    The key is computable by anyone who can read the file, so what a cache holds is validated
    as the file's table is: this one fails validation and the file is parsed instead.
    """
    pyproject = _write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"zzzz" = "canon"\n')
    assert [a.legacy for a in load_config(pyproject).aliases] == ["zzzz"]
    cache = tmp_path / ".compatshim" / "config.cache"
    forged = cache.read_bytes().replace(b"zzzz", b"json")  # same length: any format stays intact
    assert forged != cache.read_bytes()
    cache.write_bytes(forged)
    assert [a.legacy for a in load_config(pyproject).aliases] == ["zzzz"]
    assert cache.read_bytes() != forged  # and the good configuration was cached again


def test_a_cache_for_other_content_is_never_used(tmp_path: Path) -> None:
    """The key is a hash of the content: an edit of the same size and CRC-32 is still seen."""
    pyproject = _write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"aa" = "bb"\n')
    load_config(pyproject)
    key = _cache.make_key(str(pyproject), pyproject.read_bytes())
    assert len(key) == 64 and key != _cache.make_key(str(pyproject), b"other content")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "huge"])
def test_a_cache_that_is_no_regular_file_costs_no_more_than_a_parse(
    project: Project, kind: str
) -> None:
    """A FIFO (opening it blocks), /dev/zero (never ends) or a huge file are not read."""
    project.config('[tool.compatshim.aliases]\n"old" = "canon"\n')
    state = project.root / ".compatshim"
    state.mkdir()
    cache = state / "config.cache"
    if kind == "fifo":
        os.mkfifo(cache)
    elif kind == "dev-zero":
        cache.symlink_to("/dev/zero")
    else:
        with open(cache, "wb") as file:  # sparse: 2 GB of nothing, no disk used
            file.truncate(2**31)
    result = project.run(
        "import _probe, compatshim\n_probe.emit(len(compatshim.load_config().aliases))\n",
        check=False,
    )
    # Before, the FIFO blocked forever (here: until the runner's timeout) and the others were
    # read whole into memory.
    assert result.returncode == 0, result.stderr
    assert result.value == 1


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_corrupt_cache_only_means_a_parse(tmp_path: Path, data: st.DataObject) -> None:
    """Whatever bytes the cache holds, the configuration read is the file's."""
    pyproject = tmp_path / "pyproject.toml"
    _write(
        pyproject,
        '[project]\nversion = "1.0"\n[tool.compatshim]\npolicy = "error"\n'
        "[tool.compatshim.aliases]\n"
        '"old.a" = { target = "new.a", since = "1.0", remove_after = 2030-01-01 }\n'
        '"old.b:N" = "new.b:M"\n',
    )
    cache = tmp_path / ".compatshim" / "config.cache"
    if cache.exists():
        cache.unlink()
    expected = load_config(pyproject)
    good = cache.read_bytes()
    start = data.draw(st.integers(0, len(good)))
    end = data.draw(st.integers(start, len(good)))
    junk = data.draw(st.binary(max_size=40) | st.sampled_from([b"\x1e", b"\x1f", b"", b"s"]))
    cache.write_bytes(good[:start] + junk + good[end:])
    config = load_config(pyproject)
    assert [a.fields() for a in config.aliases] == [a.fields() for a in expected.aliases]
    assert config.policy == expected.policy == "error"


names = st.from_regex(r"[a-z][a-z0-9_]{0,4}(\.[a-z][a-z0-9_]{0,4}){0,2}", fullmatch=True).filter(
    lambda name: KEYWORDS.isdisjoint(name.split("."))
)
words = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=1, max_size=12
).filter(lambda word: word.isprintable() and word.strip() != "")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    aliases=st.dictionaries(
        names.map(lambda n: f"legacy_{n}"),
        st.one_of(
            names.map(lambda n: f"target_{n}"),
            st.fixed_dictionaries(
                {"target": names.map(lambda n: f"target_{n}")},
                optional={
                    "since": words,
                    "removed_in": st.sampled_from(["1.0", "2.0rc1", "3!1.0.post2"]),
                    "remove_after": st.dates(datetime.date(2000, 1, 1)),
                    "policy": st.sampled_from(["warn", "error", "ignore"]),
                    "category": st.sampled_from(["FutureWarning", "pkg.mod:Warn"]),
                    "message": st.sampled_from(["{legacy} moved to {canonical}", "gone {{x}}"]),
                    "package": st.sampled_from(["my-dist", "a.b_c"]),
                    "strategy": st.sampled_from(["proxy", "direct"]),
                    "protocol": st.sampled_from(["pkg.protocols:P"]),
                },
            ),
        ),
        max_size=6,
    ),
    top=st.fixed_dictionaries(
        {},
        optional={
            "message": words.filter(lambda w: "{" not in w and "}" not in w),
            "data_file": st.sampled_from(["build/t.db", ".compatshim/x.db"]),
        },
    ),
)
def test_a_cached_configuration_equals_the_parsed_one(
    tmp_path: Path, aliases: dict[str, object], top: dict[str, object]
) -> None:
    """Every valid configuration comes back from the cache exactly as parsed, origins too."""
    document = {"tool": {"compatshim": {**top, "aliases": aliases}}, "project": {"version": "2"}}
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(_toml(document), encoding="utf-8")
    cache = tmp_path / ".compatshim" / "config.cache"
    if cache.exists():
        cache.unlink()
    parsed = load_config(pyproject)
    assert cache.exists()
    cached = load_config(pyproject)
    assert [a.fields() for a in cached.aliases] == [a.fields() for a in parsed.aliases]
    assert cached._settings == parsed._settings
    assert parse_table(document, str(pyproject)).aliases == parsed.aliases


def _toml(document: dict[str, Any]) -> str:
    # Enough TOML for these documents: tables of strings, dates and inline tables.
    import json

    def value(item: object) -> str:
        if isinstance(item, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(v)}" for k, v in item.items()) + " }"
        if isinstance(item, datetime.date):
            return item.isoformat()
        return json.dumps(item)

    lines = [
        f"[project]\nversion = {json.dumps(document['project']['version'])}",
        "[tool.compatshim]",
    ]
    table = document["tool"]["compatshim"]
    lines += [f"{k} = {value(v)}" for k, v in table.items() if k != "aliases"]
    lines.append("[tool.compatshim.aliases]")
    lines += [f"{json.dumps(k)} = {value(v)}" for k, v in table["aliases"].items()]
    return "\n".join(lines) + "\n"


def test_the_cache_is_written_through_an_unpredictable_new_file(tmp_path: Path) -> None:
    """A link planted at the temporary name the cache used to write through is left alone."""
    pyproject = _write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"a" = "b"\n')
    state = tmp_path / ".compatshim"
    state.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    victim.chmod(0o600)
    (state / f"config.cache.{os.getpid()}.tmp").symlink_to(victim)
    load_config(pyproject)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert victim.stat().st_mode & 0o777 == 0o600
    assert (state / "config.cache").is_file() and not (state / "config.cache").is_symlink()
    leftovers = [p.name for p in state.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()]
    assert leftovers == []


def test_a_rewritten_cache_keeps_its_mode(tmp_path: Path) -> None:
    """The cache replaced by a newer one keeps the mode it had."""
    pyproject = _write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"a" = "b"\n')
    load_config(pyproject)
    cache = tmp_path / ".compatshim" / "config.cache"
    cache.chmod(0o640)
    _write(pyproject, '[tool.compatshim.aliases]\n"a" = "c"\n')
    load_config(pyproject)
    assert b'"a" = "c"' not in cache.read_bytes() and b"c" in cache.read_bytes()
    assert cache.stat().st_mode & 0o777 == 0o640


# -- the state folder: links are refused -----------------------------------------------------

_USE = """
import _probe, compatshim, logging
logging.basicConfig(format="%(message)s")
compatshim.install()
import old.pkg.sub
compatshim.flush()
_probe.emit("went on")
"""


def _state_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_linked_state_folder_is_refused_and_the_program_goes_on(
    canon_project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``.compatshim`` a link to another folder: nothing is written there, one line says why."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (canon_project.root / ".compatshim").symlink_to(elsewhere, target_is_directory=True)
    result = canon_project.run(_USE)
    assert result.value == "went on"
    assert _state_files(elsewhere) == []  # before: config.cache, .gitignore, telemetry files
    refused = [line for line in result.stderr.splitlines() if "[link-refused]" in line]
    assert len(refused) == 1 and ".compatshim is a symbolic link" in refused[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("dangling", [True, False])
def test_a_linked_gitignore_is_never_written_through(
    canon_project: Project, tmp_path_factory: pytest.TempPathFactory, dangling: bool
) -> None:
    """``.compatshim/.gitignore`` a link, dangling or not: its target is neither made nor changed."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    target = elsewhere / "target.txt"
    if not dangling:
        target.write_text("mine\n", encoding="utf-8")
    state = canon_project.root / ".compatshim"
    state.mkdir()
    (state / ".gitignore").symlink_to(target)
    result = canon_project.run(_USE)
    assert result.value == "went on"
    if dangling:
        assert not target.exists()  # before: created, holding compatshim's "*"
    else:
        assert target.read_text(encoding="utf-8") == "mine\n"
    assert "[link-refused]" in result.stderr


def test_gitignore_only_in_compatshims_own_folder(canon_project: Project) -> None:
    """``data_file = "telemetry.db"`` puts data in the project folder, but no ``.gitignore``."""
    canon_project.config(
        '[tool.compatshim]\ndata_file = "telemetry.db"\n'
        '[tool.compatshim.aliases]\n"old" = "canon"\n'
    )
    result = canon_project.run(_USE)
    assert result.value == "went on"
    # Before: <root>/.gitignore holding "*", so `git add -A` added nothing at all.
    assert not (canon_project.root / ".gitignore").exists()
    assert (canon_project.root / ".compatshim" / ".gitignore").read_text().endswith("*\n")


def test_no_link_on_the_way_to_the_data_file_is_followed(
    canon_project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``data_file = "build/t.db"`` with ``build`` a link out of the project: nothing goes there."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (canon_project.root / "build").symlink_to(elsewhere, target_is_directory=True)
    canon_project.config(
        '[tool.compatshim]\ndata_file = "build/t.db"\n[tool.compatshim.aliases]\n"old" = "canon"\n'
    )
    result = canon_project.run(_USE)
    assert result.value == "went on"
    assert _state_files(elsewhere) == []  # before: the process's data file, written through
    assert "[link-refused]" in result.stderr


def test_a_cache_behind_a_linked_state_folder_is_not_read(tmp_path: Path) -> None:
    """Even a valid cache is not read through a link (nor written: the file is parsed)."""
    pyproject = _write(tmp_path / "pyproject.toml", '[tool.compatshim.aliases]\n"a" = "b"\n')
    load_config(pyproject)
    real = tmp_path / "real"
    (tmp_path / ".compatshim").rename(real)
    (tmp_path / ".compatshim").symlink_to(real, target_is_directory=True)
    key = _cache.make_key(str(pyproject), pyproject.read_bytes())
    assert _cache.load(str(pyproject), key, pyproject.stat().st_size) is None
    assert [a.legacy for a in load_config(pyproject).aliases] == ["a"]


def test_no_link_is_followed_below_the_project(tmp_path: Path) -> None:
    """Below the project folder, a link on the way to the data file's folder is refused."""
    from compatshim._base.safeio import UnsafePath
    from compatshim._model.state import ensure_folder

    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "build").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath):
        ensure_folder(str(project / "build" / "data"), root=str(project))
    assert list(outside.iterdir()) == []
    ensure_folder(str(project / "real" / "data"), root=str(project))
    assert (project / "real" / "data").is_dir()
    assert not (project / "real" / "data" / ".gitignore").exists()


def test_a_cached_start_imports_no_parser(project: Project) -> None:
    """The cached path stays cheap: no TOML parser, no regular expressions, no JSON, no OpenSSL."""
    project.config(
        '[tool.compatshim.aliases]\n"old" = { target = "canon", removed_in = "9.0", since = "1" }\n'
    )
    script = (
        "import sys, compatshim\ncompatshim.install()\n"
        "found = sorted(m for m in ('tomllib', 'tomli', 're', 'json', 'hashlib', 'pickle',"
        " 'compatshim._model.toml') if m in sys.modules)\n"
        "import _probe\n_probe.emit(found)\n"
    )
    project.run(script)  # the first start parses, and writes the cache
    assert (project.root / ".compatshim" / "config.cache").is_file()
    assert project.run(script).value == []
