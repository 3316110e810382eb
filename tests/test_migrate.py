"""compatshim migrate: exact rewrites, the safety rules, and unchanged behaviour afterwards."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import CORPUS
from helpers import snapshot

import compatshim
from compatshim import cli
from compatshim._model.alias import Alias
from compatshim._model.table import AliasTable
from compatshim._static import importedit as _importedit
from compatshim._static.rewrite import rewrite
from compatshim._static.table import StaticTable


TABLE = StaticTable(
    AliasTable(
        [
            Alias("old.mod", "new.mod"),
            Alias("old.mod:Old", "new.mod:New"),
            Alias("old.mod:Gone", "new.place:Moved"),
            Alias("legacy", "canon"),
            Alias("flat", "newflat"),
        ]
    )
)


def migrated(source: str, module: str | None = None) -> tuple[str, list[str]]:
    text = textwrap.dedent(source).lstrip("\n")
    new, left = rewrite(text, TABLE, module)
    return new, [f"{f.code} {f.legacy}: {f.note}" for f in left]


def run_cases(tree: Path, strict: list[str]) -> str:
    proc = subprocess.run(
        [sys.executable, str(CORPUS / "run_cases.py"), str(tree), ",".join(strict)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return proc.stdout


# -- the corpus ---------------------------------------------------------------------------------


def test_corpus_diff_and_what_is_left(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    result = compatshim.migrate(["."])
    snapshot("migrate.diff", result.diff())
    left = "".join(f"{f.file}:{f.line}:{f.column}: {f.code} {f.message}\n" for f in result.left)
    snapshot("migrate-left.txt", left)
    assert not result.ok


def test_corpus_behaves_the_same_after_write(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same output before and after; migrated cases run with deprecation warnings as errors;
    scan afterwards reports exactly what was left; a second run changes nothing."""
    before = run_cases(corpus, [])
    monkeypatch.chdir(corpus)
    result = compatshim.migrate(["."], write=True)
    left_files = {Path(f.file).stem for f in result.left}
    cases = [f"cases.{p.stem}" for p in (corpus / "cases").glob("*.py")] + ["realpkg.rel_case"]
    strict = [c for c in cases if c.rpartition(".")[2] not in left_files]
    assert len(strict) >= 7
    assert run_cases(corpus, strict) == before
    after = compatshim.scan(["."])
    assert [(f.file, f.code, f.legacy) for f in after.findings] == [
        (f.file, f.code, f.legacy) for f in result.left
    ]
    again = compatshim.migrate(["."], write=True)
    assert again.changed == {}


# -- the rules, one by one ----------------------------------------------------------------------


def test_as_names_are_kept_or_added_never_changed() -> None:
    new, left = migrated(
        """
        from old.mod import Old
        from old.mod import Old as X
        from old.mod import Old as New
        from old.mod import thing, Old as Y
        """
    )
    assert new == textwrap.dedent(
        """\
        from new.mod import New as Old
        from new.mod import New as X
        from new.mod import New
        from new.mod import thing, New as Y
        """
    )
    assert left == []


def test_import_is_rewritten_with_every_dotted_use() -> None:
    new, left = migrated(
        """
        import old.mod
        import legacy.sub as s

        def f():
            return old.mod.Old, old.mod.thing, s.x, old.mod.Gone
        """
    )
    assert new == textwrap.dedent(
        """\
        import old
        import new.mod
        import new.place
        import canon.sub as s

        def f():
            return new.mod.New, new.mod.thing, s.x, new.place.Moved
        """
    )
    assert left == []


def test_a_root_still_used_for_other_names_stays_imported() -> None:
    new, left = migrated("import old.mod\nprint(old.mod.Old, old.other)\n")
    assert new == "import old\nimport new.mod\nprint(new.mod.New, old.other)\n"
    assert left == []
    # ...and needs no help when another import keeps it bound.
    new, left = migrated("import old.mod\nimport old.other\nprint(old.mod.x, old.other)\n")
    assert new == "import new.mod\nimport old.other\nprint(new.mod.x, old.other)\n"
    assert left == []


def test_never_shadows_a_name_the_file_uses() -> None:
    source = "def f():\n    import flat\n    newflat = 'mine'\n    print(flat.hello, newflat)\n"
    new, left = migrated(source)
    assert new == source
    assert left == [
        "CS101 flat: a use of 'flat' cannot be rewritten",
        "CS103 flat: 'newflat' already names something else in this file",
    ]
    # At module level the name is kept, so nothing new is bound.
    source = "import flat\nnewflat = 'mine'\nprint(flat.hello, newflat)\n"
    assert migrated(source) == (
        "import newflat as flat\nnewflat = 'mine'\nprint(flat.hello, newflat)\n",
        [],
    )


def test_names_bound_otherwise_are_not_guessed() -> None:
    """A parameter is another variable than the module's; a name bound in the same scope by an
    import and by something else may hold either: its uses are left, with the reason."""
    new, left = migrated("import legacy\ndef f(legacy):\n    return legacy.x\nlegacy.y\n")
    assert new == "import canon as legacy\ndef f(legacy):\n    return legacy.x\nlegacy.y\n"
    assert left == []
    source = "import legacy\nif cond:\n    legacy = None\nlegacy.y\n"
    new, left = migrated(source)
    assert new == source
    assert left == [
        "CS101 legacy: 'legacy' is also assigned (line 3)",
        "CS106 legacy: unresolved: 'legacy' is also assigned (line 3)",
    ]


def test_a_module_serving_moved_names_passed_as_a_value_is_left() -> None:
    source = "def f():\n    import old.mod as m\n    callback(m)\n"
    assert migrated(source) == (
        source,
        ["CS101 old.mod: 'm' is used as a value and old.mod serves moved names"],
    )
    # Read only through attributes, it is rewritten together with them.
    assert migrated("def f():\n    import old.mod as m\n    m.Old\n    m.x\n") == (
        "def f():\n    import new.mod as m\n    m.New\n    m.x\n",
        [],
    )


def test_type_checking_blocks_stay_blocks() -> None:
    new, left = migrated(
        """
        if TYPE_CHECKING:
            from old.mod import Old, Gone
        if TYPE_CHECKING: from old.mod import Gone
        """
    )
    assert new == textwrap.dedent(
        """\
        if TYPE_CHECKING:
            from new.mod import New as Old
            from new.place import Moved as Gone
        if TYPE_CHECKING: from new.place import Moved as Gone
        """
    )
    assert left == []


def test_layout_and_comments_survive() -> None:
    new, _ = migrated(
        """
        from old.mod import (  # why
            a,  # first
            Gone,  # moved away
            b,
        )
        from old.mod import \\
            a
        """
    )
    assert new == textwrap.dedent(
        """\
        from new.mod import (  # why
            a,  # first
            b,
        )
        from new.place import Moved as Gone  # moved away
        from new.mod import \\
            a
        """
    )


def test_a_name_leaving_a_backslash_continued_import_takes_its_continuation() -> None:
    # Deleting the line of a name that moves elsewhere is right between parentheses; after a
    # backslash it would leave "Old, \\" continued into the next statement.
    source = """
        from old.mod import Old, \\
            Gone
        from old.mod import Gone, \\
            a, \\
            b
        from old.mod import a, \\
            Gone, \\
            b
        import old.mod, \\
            flat
        old.mod.Old
        """
    new, left = migrated(source)
    assert new == textwrap.dedent(
        """\
        from new.mod import New as Old
        from new.place import Moved as Gone
        from new.mod import a, \\
            b
        from new.place import Moved as Gone
        from new.mod import a, \\
            b
        from new.place import Moved as Gone
        import old, \\
            newflat as flat
        import new.mod
        new.mod.New
        """
    )
    assert left == []
    assert migrated(new) == (new, [])


def test_a_fallback_import_in_an_import_error_handler_stays() -> None:
    # The handler runs when the import in the try failed, often the canonical path on a
    # version that lacks it: rewritten to that path, the fallback would fail the same way.
    fallback = (
        "a fallback import in an except ImportError handler: rewritten, it would fail like "
        "the import it stands in for"
    )
    source = """
        try:
            from new.mod import New as Old
        except ImportError:
            from old.mod import Old
        try:
            import new.mod as m
        except (ModuleNotFoundError, AttributeError):
            import old.mod as m
        def f():
            try:
                from new.mod import New
            except:
                import old.mod
                New = old.mod.Old
            return New
        try:
            x = importlib.import_module("new.mod")
        except builtins.ImportError:
            x = importlib.import_module("old.mod")
        """
    new, left = migrated(source)
    assert new == textwrap.dedent(source).lstrip("\n")
    assert left == [
        f"CS102 old.mod.Old: {fallback}",
        f"CS101 old.mod: {fallback}",
        f"CS101 old.mod: {fallback}",
        f"CS103 old.mod.Old: {fallback}",
        f"CS104 old.mod: {fallback}",
    ]


def test_an_import_that_is_not_a_fallback_is_rewritten() -> None:
    # The legacy import in the try itself, or in a handler of other errors, is rewritten.
    new, left = migrated(
        """
        try:
            from old.mod import Old
        except ImportError:
            Old = None
        try:
            pass
        except ValueError:
            from old.mod import Gone
        """
    )
    assert new == textwrap.dedent(
        """\
        try:
            from new.mod import New as Old
        except ImportError:
            Old = None
        try:
            pass
        except ValueError:
            from new.place import Moved as Gone
        """
    )
    assert left == []


# (source, expected): lines joined with "|" for readability ("|" is never in the sources).
CORNER_CASES = [
    (  # both branches of a version test
        "if sys.version_info >= (3, 9):|    from old.mod import Old|else:|"
        + "    from old.mod import Gone as Old|",
        "if sys.version_info >= (3, 9):|    from new.mod import New as Old|else:|"
        + "    from new.place import Moved as Old|",
    ),
    (  # __all__ names what the module binds, which never changes
        "from old.mod import Old, Gone|__all__ = ['Old', 'Gone']|",
        "from new.mod import New as Old|from new.place import Moved as Gone|"
        + "__all__ = ['Old', 'Gone']|",
    ),
    (  # fmt: off is for formatters
        "# fmt: off|from old.mod import Gone, a  # keep|# fmt: on|",
        "# fmt: off|from new.place import Moved as Gone  # keep|from new.mod import a|# fmt: on|",
    ),
    (  # tabs and a form feed
        "if x:|\tfrom old.mod import Gone, a|\x0cfrom old.mod import Old|",
        "if x:|\tfrom new.place import Moved as Gone|\tfrom new.mod import a|"
        + "\x0cfrom new.mod import New as Old|",
    ),
    (  # a function's own variable named like the package changes nothing
        "import old.mod|def f():|    old = 3|    return old|old.mod.Old|",
        "import old|import new.mod|def f():|    old = 3|    return old|new.mod.New|",
    ),
    (  # a comment goes with its name; a trailing comma stays
        "from old.mod import (|    a,|    Gone,  # moved|)|x = Gone|",
        "from new.mod import (|    a,|)|from new.place import Moved as Gone  # moved|x = Gone|",
    ),
    (  # a very long line
        "from old.mod import Old; x = [" + "1, " * 2000 + "]|",
        "from new.mod import New as Old; x = [" + "1, " * 2000 + "]|",
    ),
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("at_end", [True, False])
@pytest.mark.parametrize(("source", "expected"), CORNER_CASES)
def test_layout_corner_cases(source: str, expected: str, newline: str, at_end: bool) -> None:
    # In CRLF files too, and without a newline at the end.
    source, expected = (
        (text if at_end else text[:-1]).replace("|", newline) for text in (source, expected)
    )
    new, left = rewrite(source, TABLE)
    assert new == expected
    assert left == []
    compile(new, "a.py", "exec")
    assert rewrite(new, TABLE) == (new, [])


def test_strings_are_rewritten_with_the_attribute_that_follows() -> None:
    new, left = migrated(
        """
        import_module("old.mod").Old
        import_module('old.mod').Gone
        mock.patch("old.mod.Old")
        monkeypatch.setattr("legacy.x.y", 1)
        pkgutil.resolve_name("old.mod:Gone")
        pkgutil.resolve_name("legacy.sub:thing")
        __import__("legacy", fromlist=["x"])
        """
    )
    assert new == textwrap.dedent(
        """\
        import_module("new.mod").New
        import_module('new.place').Moved
        mock.patch("new.mod.New")
        monkeypatch.setattr("canon.x.y", 1)
        pkgutil.resolve_name("new.place:Moved")
        pkgutil.resolve_name("canon.sub:thing")
        __import__("canon", fromlist=["x"])
        """
    )
    assert left == []


def test_what_cannot_be_rewritten_safely_is_reported_not_touched() -> None:
    source = textwrap.dedent(
        """
        from old.mod import *
        import_module(f"old.mod.{name}")
        import_module("legacy." + name)
        __import__("old.mod")
        m = import_module("old.mod")
        import_module("old\\x2emod")
        """
    ).lstrip("\n")
    new, left = migrated(source)
    assert new == source
    assert [entry.split(":", 1)[1].strip() for entry in left] == [
        "star import: import the names explicitly",
        "computed string: rewrite it by hand",
        "computed string: rewrite it by hand",
        "__import__ returns the top-level package: rewrite it by hand",
        "old.mod serves moved names the result may be read for",
        "the string has escapes or is split in parts",
    ]


def test_an_import_module_whose_result_nothing_reads_is_rewritten() -> None:
    """A statement of its own imports for the side effect: no moved name can be read off it."""
    source = 'import_module("old.mod")\nm = import_module("old.mod")\n'
    new, left = migrated(source)
    assert new == 'import_module("new.mod")\nm = import_module("old.mod")\n'
    assert left == ["CS104 old.mod: old.mod serves moved names the result may be read for"]


def test_a_name_moves_with_all_its_uses_or_not_at_all() -> None:
    """If one use of a name cannot be rewritten, neither can the import that binds it nor its
    other uses: a half-rewritten module would lose the names the legacy one served."""
    source = "def f():\n    import old.mod as m\n    new = 3\n    print(m.Gone, m.Old, new)\n"
    new, left = migrated(source)
    assert new == source
    assert left == [
        "CS101 old.mod: a use of 'm' cannot be rewritten",
        "CS103 old.mod.Gone: 'new' already names something else in this file",
        "CS103 old.mod.Old: another use of 'm' cannot be rewritten",
    ]
    # The same when the source spells a use with spaces (or Python 3.9 misplaces it in an
    # f-string): the text at the positions must be the chain itself.
    source = "def f():\n    import legacy\n    a = legacy.x\n    b = legacy . y\n"
    new, left = migrated(source)
    assert new == source
    assert len(left) == 3


def test_names_bound_by_global_or_in_a_class_body_are_left() -> None:
    """``global legacy`` makes the import bind a module-level name; an import in a class body
    binds a class attribute, read as ``self.legacy`` where no chain shows it."""
    for source, reason in (
        (
            "def setup():\n    global legacy\n    import legacy\ndef use():\n    return legacy.x\n",
            "'legacy' is also imported in another scope through `global` (line 3)",
        ),
        (
            "class C:\n    import legacy\n    def get(self):\n        return self.legacy.x\n",
            "'legacy' is a class attribute too, read where it cannot be seen",
        ),
    ):
        new, left = migrated(source)
        assert new == source
        assert left[0] == f"CS101 legacy: {reason}"
    # A name keeps its binding when imported from a module: that is safe in a class body.
    new, _ = migrated("class C:\n    from old.mod import Old\n")
    assert new == "class C:\n    from new.mod import New as Old\n"


def test_a_relative_dunder_import_is_not_an_absolute_path() -> None:
    source = '__import__("legacy", globals(), {}, ["x"], 1)\n__import__("legacy", level=2)\n'
    assert migrated(source) == (source, [])


def test_relative_imports_become_absolute_canonical_imports() -> None:
    source = "def f():\n    from . import mod, other\n    from .mod import Old\n"
    new, left = migrated(source, module="old.pkgfile")
    assert new == (
        "def f():\n    from . import other\n    from new import mod\n"
        "    from new.mod import New as Old\n"
    )
    assert left == []


def test_one_parse_applies_every_alias_and_a_second_run_changes_nothing() -> None:
    source = "import old.mod, legacy, flat\nold.mod.Old; legacy.x; flat.y\n"
    new, _ = migrated(source)
    assert new == (
        "import old, canon as legacy, newflat as flat\nimport new.mod\n"
        "new.mod.New; legacy.x; flat.y\n"
    )
    assert migrated(new) == (new, [])


# -- files on disk ------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"old.mod" = "new.mod"\n"old.mod:Old" = "new.mod:New"\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_encoding_bom_newlines_and_permissions_are_kept(project: Path) -> None:
    latin = project / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\r\ns = '\xe9'; from old.mod import Old\r\n")
    bom = project / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfimport old.mod\nold.mod.Old\n")
    os.chmod(bom, 0o751)
    assert cli.main(["migrate", "--write", "."]) == 0
    assert latin.read_bytes() == (
        b"# -*- coding: latin-1 -*-\r\ns = '\xe9'; from new.mod import New as Old\r\n"
    )
    assert bom.read_bytes() == b"\xef\xbb\xbfimport old\nimport new.mod\nnew.mod.New\n"
    assert stat.S_IMODE(bom.stat().st_mode) == 0o751
    assert sorted(p.name for p in project.iterdir()) == ["bom.py", "latin.py", "pyproject.toml"]


@pytest.mark.parametrize("docs", [False, True])
def test_a_canonical_name_the_file_encoding_cannot_hold_leaves_the_file(
    project: Path, capsys: pytest.CaptureFixture[str], docs: bool
) -> None:
    # Encoding the rewrite raised UnicodeEncodeError: a traceback, and no other file written.
    (project / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"old.mod:Old" = "new.mod:Zażółć"\n', encoding="utf-8"
    )
    latin = b"# -*- coding: latin-1 -*-\ns = '\xe9'\nfrom old.mod import Old\n"
    (project / "a.py").write_bytes(latin)
    comment = b"# -*- coding: latin-1 -*-\n# caf\xe9: see old.mod.Old\n"
    (project / "c.py").write_bytes(comment)
    (project / "b.py").write_text("from old.mod import Old\n", encoding="utf-8")
    args = ["migrate", "--write", "--docs", "."] if docs else ["migrate", "--write", "."]
    assert cli.main(args) == 1
    assert (project / "a.py").read_bytes() == latin
    assert (project / "c.py").read_bytes() == comment
    assert (project / "b.py").read_text(encoding="utf-8") == "from new.mod import Zażółć as Old\n"
    err = capsys.readouterr().err
    assert (
        "a.py:3:21: CS102 old.mod.Old is deprecated; use new.mod.Zażółć (the file is left "
        "unchanged: its encoding, iso-8859-1, cannot hold 'ż' (U+017C) that the rewrite needs: "
        "change the encoding declaration to utf-8 [migrate-encoding])"
    ) in err
    assert ("c.py:2" in err) == docs
    assert cli.main(["migrate", "--diff", "a.py"]) == 1
    assert capsys.readouterr().out == ""  # no diff of what would never be written


def test_stubs_scripts_notebooks_and_python_2(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "stub.pyi").write_text("from old.mod import Old\n")
    script = project / "tool.py"
    script.write_text("#!/usr/bin/env python\nfrom old.mod import Old\n")
    script.chmod(0o755)
    notebook = '{"cells": [{"cell_type": "code", "source": ["from old.mod import Old"]}]}'
    (project / "nb.ipynb").write_text(notebook)
    (project / "py2.py").write_text("print 'x'\nfrom old.mod import Old\n")
    assert cli.main(["migrate", "--write", "."]) == 1  # (py2.py cannot be read)
    assert (project / "stub.pyi").read_text() == "from new.mod import New as Old\n"
    assert script.read_text() == "#!/usr/bin/env python\nfrom new.mod import New as Old\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert (project / "nb.ipynb").read_text() == notebook  # not read
    assert (project / "py2.py").read_text() == "print 'x'\nfrom old.mod import Old\n"
    err = capsys.readouterr().err
    assert "skipped py2.py: not valid Python: Missing parentheses" in err
    assert "nb.ipynb" not in err


def test_diff_writes_nothing_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = project / "app.py"
    app.write_text("from old.mod import Old\n")
    assert cli.main(["migrate", "--diff"]) == 1
    out, err = capsys.readouterr()
    assert out == (
        "--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n"
        "-from old.mod import Old\n+from new.mod import New as Old\n"
    )
    assert "1 files would be rewritten" in err
    assert app.read_text() == "from old.mod import Old\n"
    assert cli.main(["migrate", "--write"]) == 0
    assert cli.main(["migrate", "--diff"]) == 0
    assert cli.main(["scan"]) == 0


def test_write_exits_1_when_uses_are_left(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "app.py").write_text("from old.mod import *\n")
    assert cli.main(["migrate", "--write"]) == 1
    err = capsys.readouterr().err
    assert "app.py:1:6: CS105 old.mod is deprecated; use new.mod (star import" in err


def test_a_rewrite_that_would_not_parse_leaves_the_file_alone(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = project / "app.py"
    app.write_text("from old.mod import Old\n")

    def broken(*args: object) -> tuple[list[_importedit.Edit], list[tuple[str, str]]]:
        return [(0, 4, "frm")], []

    monkeypatch.setattr(_importedit, "rewrite_import", broken)
    result = compatshim.migrate(["."], write=True)
    assert app.read_text() == "from old.mod import Old\n"
    # Every use in it is left for a person, with the reason: scan reports the same, and the
    # exit status says work remains.
    assert [(f.line, f.code, f.note) for f in result.left] == [
        (
            1,
            "CS102",
            "the file is left unchanged: the rewritten file would not parse (invalid syntax)",
        )
    ]
    assert not result.ok
    assert [(f.line, f.code) for f in compatshim.scan(["."]).findings] == [(1, "CS102")]


def test_a_needed_import_is_added_once_per_module_scope() -> None:
    new, left = migrated(
        """
        import old
        import old.other
        x = old.mod.Old

        def f():
            import legacy
            return legacy.y, old.mod.z
        """
    )
    assert new == textwrap.dedent(
        """\
        import old
        import new.mod
        import old.other
        x = new.mod.New

        def f():
            import canon
            return canon.y, new.mod.z
        """
    )
    assert left == []


# -- every name a module binds stays bound (issue 10 D) ------------------------------------------

MOCK = StaticTable(
    AliasTable([Alias("mock", "unittest.mock"), Alias("flat", "newflat"), Alias("old", "new")])
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # The name stays, bound to the canonical module; its uses need no change.
        ("import mock\nANY = mock.ANY\n", "from unittest import mock\nANY = mock.ANY\n"),
        ("import flat\nflat.x\n", "import newflat as flat\nflat.x\n"),
        (
            "import mock, flat  # why\nimport os, mock\n",
            (
                "import newflat as flat  # why\nfrom unittest import mock\nimport os\n"
                "from unittest import mock\n"
            ),
        ),
        ("import old.pkg as x\nx.y\n", "import new.pkg as x\nx.y\n"),
        ("from old import pkg\n", "from new import pkg\n"),
        # import old.pkg binds old: its uses move to the canonical path, and old stays bound.
        ("import old.pkg\nold.pkg.f()\n", "import new.pkg\nimport new as old\nnew.pkg.f()\n"),
        # ...unless an import keeps the name itself: then the uses read through it.
        (
            "import old.pkg\nimport old\nold.pkg.f()\n",
            "import new.pkg\nimport new as old\nold.pkg.f()\n",
        ),
        # In a function the name is the function's own: nothing else can import it.
        (
            "def f():\n    import flat\n    flat.x\n",
            "def f():\n    import newflat\n    newflat.x\n",
        ),
    ],
)
def test_module_level_names_stay_bound(source: str, expected: str) -> None:
    new, left = rewrite(source, MOCK)
    assert (new, left) == (expected, [])
    assert rewrite(new, MOCK) == (new, [])


def test_a_module_importing_names_from_a_migrated_one_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's repro: tests/compat.py binds mock, tests/test_x.py imports it from there."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.compatshim.aliases]\n"mock" = "unittest.mock"\n'
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "compat.py").write_text("import mock\nANY = mock.ANY\n")
    (tmp_path / "tests" / "test_x.py").write_text(
        "from tests.compat import ANY, mock\nassert mock.ANY is ANY\nprint('ok')\n"
    )
    monkeypatch.chdir(tmp_path)
    result = compatshim.migrate(["."], write=True)
    assert result.ok, [f.message for f in result.left]
    assert (tmp_path / "tests" / "compat.py").read_text() == (
        "from unittest import mock\nANY = mock.ANY\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPATSHIM_")}
    proc = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", "import tests.test_x"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "ok\n"), proc.stderr


def test_a_module_level_legacy_module_serving_moved_names_is_kept() -> None:
    """Its canonical module lacks the moved names another module may read through it: the
    import stays (listed, with the reason); its uses here still move to canonical paths."""
    new, left = migrated("import old.mod as m\nprint(m.Old, m.x)\n")
    assert new == "import old.mod as m\nimport new.mod\nprint(new.mod.New, m.x)\n"
    assert left == [
        (
            "CS101 old.mod: kept: other modules may import 'm' from this one, and old.mod serves "
            "moved names its canonical module lacks"
        )
    ]
