"""``compatshim stubs``: what it generates for each kind of alias, where, and how it keeps it
current without importing user code or touching files it does not own. The type checkers'
verdicts on the result are in test_typecheckers.py."""

from __future__ import annotations

import ast
import os
import stat
import sys
import zipfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from helpers import CANON
from helpers import Project
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
from typing_project import ACME

import compatshim
from compatshim._base.errors import MESSAGES_URL
from compatshim._static import files as generated
from compatshim._stubs import files as _stubfiles


ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "legacy-app"

ACME_FILES = {
    "acme/helpers.py": "missing",
    "acme/legacy_money.pyi": "missing",
    "acme/oldhelpers.pyi": "missing",
    "acme/payments/__init__.pyi": "missing",
    "acme/payments/invoices.pyi": "missing",
    "acme/payments/money.pyi": "missing",
    "acme/payments/tax/__init__.pyi": "missing",
    "acme/payments/tax/rates.pyi": "missing",
}


@pytest.fixture
def acme(tmp_path: Path) -> Project:
    return Project(tmp_path).write(ACME)


def _changes(project: Project) -> dict[str, str]:
    result = compatshim.stubs(project.root / "pyproject.toml")
    return {Path(c.path).relative_to(project.root).as_posix(): c.status for c in result.changes}


def _stubs(project: Project, *args: str) -> tuple[int, str, str]:
    result = project.command(["-m", "compatshim", "stubs", *args])
    return result.returncode, result.stdout, result.stderr


def _deprecations(path: Path) -> dict[str, str]:
    """Function name -> the message of its ``@deprecated``, in a generated file."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith(
                    "typing_extensions.deprecated"
                ):
                    found[node.name] = ast.literal_eval(decorator.args[0])
    return found


def test_each_kind_of_alias_gets_its_file(acme: Project) -> None:
    """A .pyi per legacy module and per module of the renamed package (nested ones too), one for
    the moved names of a gone module, and a block in the real module that names moved from."""
    assert _changes(acme) == ACME_FILES
    compatshim.stubs(acme.root / "pyproject.toml", write=True)
    root = acme.root
    invoices = (root / "acme/payments/invoices.pyi").read_text()
    # Classes are re-exported (one type through every path); functions are declared again.
    assert "from acme.billing.invoices import Invoice as Invoice\n" in invoices
    assert "from acme.billing.invoices import Box as Box\n" in invoices
    assert "def describe(invoice: _cs_acme_billing_invoices.Invoice) -> str: ..." in invoices
    old = (root / "acme/oldhelpers.pyi").read_text()
    assert "Bill = _cs_acme_billing_invoices.Invoice\n" in old  # renamed: not an import
    assert "Crate = _cs_acme_billing_invoices.Box\n" in old
    assert set(_deprecations(root / "acme/oldhelpers.pyi")) == {"format_amount", "first"}
    assert set(_deprecations(root / "acme/payments/money.pyi")) == {
        "format_amount",
        "first",
        "scaled",
        "parse",
    }
    # A package's own re-exports from its package come along; what it imports from elsewhere
    # does not.
    package = (root / "acme/payments/__init__.pyi").read_text()
    assert "from acme.billing.invoices import Invoice as Invoice" in package
    assert set(_deprecations(root / "acme/payments/__init__.pyi")) == {"format_amount", "total"}
    helpers = (root / "acme/helpers.py").read_text()
    assert helpers.startswith("def other() -> int:\n    return 1\n\n\n" + generated.BEGIN)
    assert "    Invoice = _cs_acme_billing_invoices.Invoice\n" in helpers
    assert "    def fmt(\n" in helpers
    assert _changes(acme) == {}


def test_signatures_keep_every_parameter_kind(acme: Project) -> None:
    """Positional-only, defaults, keyword-only, *args: as the canonical function has them."""
    compatshim.stubs(acme.root / "pyproject.toml", write=True)
    text = (acme.root / "acme/legacy_money.pyi").read_text()
    assert (
        "def scaled(\n    value: _cs_decimal.Decimal,\n    /,\n    factor: int = ...,\n"
        "    *args: int,\n) -> _cs_decimal.Decimal: ..." in text
    )
    assert "    sep: _cs_typing.Optional[str] = ...,\n) -> str: ..." in text


def test_deprecation_text_is_the_runtime_warning(acme: Project) -> None:
    """Each ``@deprecated`` says exactly what the runtime warns at the same use."""
    compatshim.stubs(acme.root / "pyproject.toml", write=True)
    result = acme.run(
        """
        import _probe, compatshim
        compatshim.install("pyproject.toml")
        with _probe.record() as seen:
            from acme.legacy_money import scaled
            from acme.helpers import fmt
            from acme.oldhelpers import first
            from acme.payments.tax.rates import rate
        _probe.emit([w["message"] for w in seen.simple()])
        """
    )
    warned = result.value
    declared = [
        _deprecations(acme.root / "acme/legacy_money.pyi")["scaled"],
        _deprecations(acme.root / "acme/helpers.py")["fmt"],
        _deprecations(acme.root / "acme/oldhelpers.pyi")["first"],
        _deprecations(acme.root / "acme/payments/tax/rates.pyi")["rate"],
    ]
    assert warned == declared
    assert declared[1] == (
        "acme.helpers.fmt is deprecated since 2.1; use acme.billing.money.format_amount instead"
    )


def test_an_ignored_alias_carries_no_deprecation(project: Project) -> None:
    """``policy = "ignore"`` never warns at run time: its functions are plain re-exports."""
    project.write(CANON).config(
        '[tool.compatshim.aliases]\n"old" = { target = "canon", policy = "ignore" }\n'
    )
    compatshim.stubs(project.root / "pyproject.toml", write=True)
    assert (
        (project.root / "old/pkg/__init__.pyi")
        .read_text()
        .endswith(
            "from canon.pkg import helper as helper\nfrom canon.pkg import CONSTANT as CONSTANT\n"
        )
    )


def test_a_stub_offers_what_the_canonical_module_offers(project: Project) -> None:
    """``__all__`` when it is literal; otherwise public definitions, names imported from the
    module's own package and its star imports from there, but not what it imports from
    elsewhere nor its private names."""
    project.write(
        {
            "canon/__init__.py": """
                import json
                from os import path

                from canon.models import Model
                from .impl import *

                VERSION = "1"
                _private = 1


                def helper(x: int) -> int:
                    return x
            """,
            "canon/impl.py": "def star() -> None:\n    pass\n",
            "canon/models.py": "class Model:\n    pass\n",
            "canon/listed.py": "__all__ = ['a']\n__all__ += ['b']\na = 1\nb = 2\nc = 3\n",
            "canon/computed.py": "from os import sep\n__all__ = ['a'] + [sep]\na = 1\nc = 2\n",
        }
    ).config('[tool.compatshim.aliases]\n"old" = "canon"\n')
    assert _stubs(project, "--write")[0] == 0
    package = (project.root / "old/__init__.pyi").read_text()
    assert "from canon.impl import *\n" in package
    assert "from canon.models import Model as Model\n" in package
    assert "from canon import VERSION as VERSION\n" in package
    assert "def helper(x: int) -> int: ..." in package
    assert " path" not in package and "json" not in package and "_private" not in package
    listed = (project.root / "old/listed.pyi").read_text()
    assert listed.endswith("from canon.listed import a as a\nfrom canon.listed import b as b\n")
    computed = (project.root / "old/computed.pyi").read_text()
    assert computed.endswith(
        "from canon.computed import a as a\nfrom canon.computed import c as c\n"
    )


def test_a_submodule_the_package_imports_by_name_is_re_exported_from_it(
    project: Project,
) -> None:
    """``from . import setters`` in a module whose package also binds ``setters`` (attrs's
    ``_make``): the submodule ``pkg.setters``, re-exported from the package, with no note
    about a ``pkg.core.setters`` that does not exist."""
    project.write(
        {
            "pkg/__init__.py": "from . import setters\nfrom .core import build\n",
            "pkg/setters.py": "def pipe() -> None:\n    pass\n",
            "pkg/core.py": "from . import setters\n\n\ndef build() -> int:\n    return 1\n",
        }
    ).config('[tool.compatshim.aliases]\n"pkg._make" = "pkg.core"\n')
    code, _, err = _stubs(project, "--write")
    assert (code, err) == (0, "compatshim stubs: 1 written.\n")
    assert "from pkg import setters as setters\n" in (project.root / "pkg/_make.pyi").read_text()


def test_check_turns_stale_after_a_table_edit_and_a_signature_change(acme: Project) -> None:
    """``--check``: 1 while missing, 0 once written, 1 again after either kind of change."""
    code, out, _ = _stubs(acme, "--check")
    assert code == 1 and "acme/oldhelpers.pyi: missing" in out.splitlines()
    assert _stubs(acme, "--write")[0] == 0
    assert _stubs(acme) == (0, "", "compatshim stubs: 8 current.\n")
    config = acme.root / "pyproject.toml"
    config.write_text(
        config.read_text().replace('"acme.oldhelpers:first"', '"acme.oldhelpers:head"')
    )
    code, out, err = _stubs(acme, "--check")
    assert (code, out) == (1, "acme/oldhelpers.pyi: stale\n")
    assert "1 stale, 7 current; run compatshim stubs --write" in err
    assert _stubs(acme, "--write")[0] == 0
    money = acme.root / "acme/billing/money.py"
    money.write_text(money.read_text().replace('"EUR", *', '"EUR", rounding: int = 2, *'))
    code, out, _ = _stubs(acme, "--check")
    assert code == 1
    assert out.splitlines() == [
        "acme/helpers.py: stale",
        "acme/legacy_money.pyi: stale",
        "acme/oldhelpers.pyi: stale",
        "acme/payments/__init__.pyi: stale",
        "acme/payments/money.pyi: stale",
    ]
    before = (acme.root / "acme/helpers.py").read_bytes()
    code, diff, _ = _stubs(acme, "--diff")
    assert code == 1 and "+        rounding: int = ...,\n" in diff
    assert (acme.root / "acme/helpers.py").read_bytes() == before  # --diff writes nothing


def test_files_no_longer_needed_are_removed_and_modules_restored(acme: Project) -> None:
    """Deleting aliases deletes their stubs (and the folders that held only them) and takes the
    block out of the real module, leaving its bytes as they were."""
    original = (acme.root / "acme/helpers.py").read_bytes()
    _stubs(acme, "--write")
    acme.config("[tool.compatshim.aliases]\n")
    code, out, _ = _stubs(acme, "--check")
    assert code == 1 and "acme/payments/tax/rates.pyi: not needed" in out
    assert _stubs(acme, "--write")[0] == 0
    assert (acme.root / "acme/helpers.py").read_bytes() == original
    assert not (acme.root / "acme/payments").exists()
    assert sorted(p.name for p in (acme.root / "acme").iterdir()) == [
        "__init__.py",
        "billing",
        "helpers.py",
    ]


def test_usage_and_configuration_errors_exit_2(project: Project) -> None:
    """No table, a bad table, two modes: one line with a slug, exit 2."""
    project.write({"pyproject.toml": "[project]\nname = 'x'\n"})
    code, _, err = _stubs(project)
    assert code == 2 and err.endswith(f"(see {MESSAGES_URL}#stubs-no-config)\n")
    project.config('[tool.compatshim]\npolicy = "sometimes"\n')
    code, _, err = _stubs(project, "--check")
    assert code == 2 and "#config-bad-value" in err and "Traceback" not in err
    assert _stubs(project, "--write", "--check")[0] == 2


def test_a_handwritten_stub_is_never_overwritten(acme: Project) -> None:
    """A .pyi without the generated header is the user's: refused with a slug, left as it is."""
    mine = acme.root / "acme/legacy_money.pyi"
    mine.write_text("def scaled() -> None: ...\n")
    code, _, err = _stubs(acme, "--write")
    assert code == 1
    assert "not written: acme/legacy_money.pyi exists and was not generated" in err
    assert f"(see {MESSAGES_URL}#stubs-handwritten)" in err
    assert mine.read_text() == "def scaled() -> None: ...\n"
    assert (acme.root / "acme/oldhelpers.pyi").exists()  # the others are written


def test_a_handwritten_stub_beside_a_real_module_gets_no_block(acme: Project) -> None:
    """Type checkers read the .pyi, not the module: compatshim does not edit the user's stub."""
    (acme.root / "acme/helpers.pyi").write_text("def other() -> int: ...\n")
    code, _, err = _stubs(acme, "--write")
    assert code == 1 and "#stubs-handwritten" in err
    assert generated.BEGIN not in (acme.root / "acme/helpers.py").read_text()


def test_a_handwritten_stub_declaring_the_moved_names_is_current(acme: Project) -> None:
    """The user did what stubs-handwritten asks, declared the moved names in their .pyi
    (attrs's ``exceptions.pyi`` in the real-world run): nothing is refused any more, and
    ``--check`` is current; a name still missing from it is the one named."""
    mine = acme.root / "acme/helpers.pyi"
    mine.write_text(
        "from acme.billing.invoices import Invoice as Invoice\n"
        "from acme.billing.money import format_amount as fmt\n"
        "def parse(text: str) -> int: ...\n"
    )
    assert _stubs(acme, "--write")[0] == 0
    assert _stubs(acme, "--check") == (0, "", "compatshim stubs: 7 current.\n")
    mine.write_text("from acme.billing.invoices import Invoice as Invoice\n")
    code, _, err = _stubs(acme, "--check")
    assert code == 1 and "declare the moved names fmt, parse in it" in err


def test_a_handwritten_stub_declaring_a_moved_class_itself_is_noted(acme: Project) -> None:
    """A class the user's stub still declares (attrs's ``exceptions.pyi`` kept its
    ``NotAnAttrsClassError`` after the class moved) is another type to checkers than the one
    served: said, with stubs-defined; a function declared again is what stubs do."""
    (acme.root / "acme/helpers.pyi").write_text(
        "class Invoice: ...\ndef fmt(cents: int) -> str: ...\ndef parse(text: str) -> int: ...\n"
    )
    code, _, err = _stubs(acme, "--write")
    assert code == 0
    note = (
        f"compatshim stubs: {acme.root / 'acme/helpers.pyi'} declares the class Invoice itself, "
        "not as acme.billing.invoices:Invoice: checkers see another type than the one served "
        f"(see {MESSAGES_URL}#stubs-defined)"
    )
    assert err.splitlines()[:-1] == [note]


def test_never_writes_through_a_symbolic_link(
    acme: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A link on the way to a stub is refused; nothing is written where it points."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (acme.root / "acme/payments").symlink_to(elsewhere, target_is_directory=True)
    link = acme.root / "acme/legacy_money.pyi"
    link.symlink_to(elsewhere / "target.pyi")
    code, _, err = _stubs(acme, "--write")
    assert code == 1 and err.count("#stubs-symlink") == 6
    assert list(elsewhere.iterdir()) == []
    assert (acme.root / "acme/oldhelpers.pyi").exists()


def test_real_module_keeps_its_mode_encoding_and_newlines(acme: Project) -> None:
    """The block is written like every stub: atomically, in the file's encoding and newline
    style, with its mode, and no temporary file is left."""
    helpers = acme.root / "acme/helpers.py"
    helpers.write_bytes(b"# -*- coding: latin-1 -*-\r\nNAME = '\xe9'\r\n")
    helpers.chmod(0o640)
    assert _stubs(acme, "--write")[0] == 0
    raw = helpers.read_bytes()
    assert raw.startswith(b"# -*- coding: latin-1 -*-\r\nNAME = '\xe9'\r\n\r\n\r\n# >>>")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert stat.S_IMODE(helpers.stat().st_mode) == 0o640
    assert not [p for p in (acme.root / "acme").iterdir() if p.name.startswith(".compatshim")]
    assert _changes(acme) == {}


def test_a_name_the_real_module_still_defines_is_not_declared_again(acme: Project) -> None:
    """The module's own definition is what runs (check calls it a fragmentation): the block
    leaves it out, with a note, instead of declaring the name twice."""
    helpers = acme.root / "acme/helpers.py"
    helpers.write_text("class Invoice:\n    pass\n")
    code, _, err = _stubs(acme, "--write")
    assert (
        code == 0 and "acme.helpers still defines Invoice itself" in err and "#stubs-defined" in err
    )
    block = helpers.read_text().partition(generated.BEGIN)[2]
    assert "Invoice" not in block and "def fmt(" in block


def test_a_block_without_its_end_is_left_alone(acme: Project) -> None:
    """A block someone cut short is not guessed at: refused, the module untouched."""
    helpers = acme.root / "acme/helpers.py"
    helpers.write_text("x = 1\n" + generated.BEGIN + "\nimport typing\n")
    code, _, err = _stubs(acme, "--write")
    assert code == 1 and "not written: acme/helpers.py: its compatshim stubs block" in err
    assert "#stubs-block" in err
    assert helpers.read_text() == "x = 1\n" + generated.BEGIN + "\nimport typing\n"


def test_generation_never_imports_user_code(project: Project) -> None:
    """Signatures are read from source: a module that refuses to be imported still gets its
    stub, and its side effect never happens."""
    project.write(
        {
            "canon/__init__.py": "",
            "canon/api.py": """
                open("IMPORTED", "w").close()
                raise SystemExit("never import me")

                def send(message: str, *, retries: int = 3) -> bool:
                    return True
            """,
        }
    ).config('[tool.compatshim.aliases]\n"canon.old_api" = "canon.api"\n')
    code, _, err = _stubs(project, "--write")
    assert code == 0, err
    stub = (project.root / "canon/old_api.pyi").read_text()
    assert "def send(message: str, *, retries: int = ...) -> bool: ..." in stub
    assert not (project.root / "IMPORTED").exists()


def test_unreadable_canonical_code_is_re_exported_and_said_so(project: Project) -> None:
    """A compiled module, a module that does not parse, a decorated function: each is
    re-exported as it is, with a note naming the slug."""
    project.write(
        {
            "canon/__init__.py": "",
            "canon/broken.py": "def f(:\n",
            "canon/tools.py": """
                import functools

                @functools.lru_cache
                def cached(x: int) -> int:
                    return x
            """,
        }
    ).config(
        "[tool.compatshim.aliases]\n"
        '"canon.old_fast" = "canon.fast"\n'
        '"canon.old_broken" = "canon.broken"\n'
        '"canon.old_tools" = "canon.tools"\n'
    )
    (project.root / "canon" / f"fast{EXTENSION_SUFFIXES[0]}").write_bytes(b"\x7fELF")
    code, _, err = _stubs(project, "--write")
    assert code == 0
    assert err.count("#stubs-no-source") == 2 and err.count("#stubs-signature") == 1
    assert "it is decorated with @functools.lru_cache" in err
    assert "from canon.fast import *\n" in (project.root / "canon/old_fast.pyi").read_text()
    assert (
        "from canon.tools import cached as cached\n"
        in (project.root / "canon/old_tools.pyi").read_text()
    )


def test_scan_leaves_generated_stubs_out_of_findings_and_adoption(acme: Project) -> None:
    """The stubs name only canonical paths: counted, they would inflate the share migrated."""
    before = compatshim.scan([str(acme.root)], acme.root / "pyproject.toml")
    compatshim.stubs(acme.root / "pyproject.toml", write=True)
    after = compatshim.scan([str(acme.root)], acme.root / "pyproject.toml")

    def seen(result: compatshim.ScanResult) -> tuple[object, ...]:
        findings = [(f.file, f.line, f.column, f.code) for f in result.findings]
        adoption = [(a.legacy, a.legacy_uses, a.canonical_uses) for a in result.adoption]
        return findings, adoption

    assert seen(after) == seen(before)
    assert after.adoption[0].canonical_uses > 0


def test_check_reports_stubs_that_fell_behind(acme: Project) -> None:
    """``compatshim check`` includes the audit once stubs exist, as problems of kind stubs."""
    import json

    def kinds() -> dict[str, list[str]]:
        result = acme.command(["-m", "compatshim", "check", "--format", "json"])
        return {a["legacy"]: a["kinds"] for a in json.loads(result.stdout)["aliases"]}

    assert not any(kinds().values())  # never generated: nothing to keep current
    _stubs(acme, "--write")
    assert not any(kinds().values())
    money = acme.root / "acme/billing/money.py"
    money.write_text(money.read_text().replace("items: Sequence[T]", "items: list[T]"))
    found = kinds()
    assert found["acme.oldhelpers:first"] == ["stubs"]
    assert found["acme.legacy_money"] == ["stubs"] and found["acme.helpers:Invoice"] == []


def test_check_survives_a_folder_left_at_a_legacy_package_path(canon_project: Project) -> None:
    """A folder without __init__.py at a legacy path (stubs, a stale __pycache__) used to crash
    the shadowed-file audit with a KeyError from the path finder."""
    canon_project.config('[tool.compatshim.aliases]\n"legacy.pkg" = "canon.pkg"\n')
    (canon_project.root / "legacy" / "pkg" / "__pycache__").mkdir(parents=True)
    result = canon_project.command(["-m", "compatshim", "check"])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_example_stubs_are_current() -> None:
    """The example's committed stubs match its table (regenerate with stubs --write)."""
    result = compatshim.stubs(EXAMPLE / "pyproject.toml")
    assert result.changes == [] and result.ok and len(result.current) == 6


def test_stubs_ship_in_the_wheel_next_to_py_typed(project: Project) -> None:
    """A library's generated stubs are package files like any other: flit puts them in."""
    pytest.importorskip("flit_core")
    project.write(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["flit_core>=3.12,<5"]
                build-backend = "flit_core.buildapi"

                [project]
                name = "mylib"
                version = "1.0"
                description = "A library that renamed a module and a package."

                [tool.compatshim.aliases]
                "mylib.oldname" = "mylib.newname"
                "mylib.oldpkg" = "mylib.newpkg"
            """,
            "mylib/__init__.py": "",
            "mylib/py.typed": "",
            "mylib/newname.py": "def hello(name: str) -> str:\n    return name\n",
            "mylib/newpkg/__init__.py": "",
            "mylib/newpkg/inner.py": "class Thing:\n    pass\n",
        }
    )
    assert _stubs(project, "--write")[0] == 0
    build = project.command(
        ["-c", "import os, flit_core.buildapi as b; os.mkdir('dist'); print(b.build_wheel('dist'))"]
    )
    assert build.returncode == 0, build.stderr
    wheel = project.root / "dist" / build.stdout.split()[-1]
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "mylib/py.typed",
        "mylib/oldname.pyi",
        "mylib/oldpkg/__init__.pyi",
        "mylib/oldpkg/inner.pyi",
    } <= names


blocks = st.text(st.sampled_from("ab #\n"), max_size=30).map(
    lambda body: f"{generated.BEGIN}\n{body}\n{generated.END}\n"
)
texts = st.text(st.sampled_from("xy =#>\n"), max_size=60).filter(
    lambda t: generated.BEGIN[:6] not in t
)


@given(text=texts, first=blocks, second=blocks, crlf=st.booleans())
@example(text="\n\n", first=f"{generated.BEGIN}\n\n{generated.END}\n", second="", crlf=False)
def test_a_block_is_added_replaced_and_removed_exactly(
    text: str, first: str, second: str, crlf: bool
) -> None:
    """Replacing a block touches nothing else; removing it gives back the module as it was."""
    text = text if not text or text.endswith("\n") else text + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    added = _stubfiles.splice_block(text, first)
    assert _stubfiles.splice_block(added, second) == _stubfiles.splice_block(text, second)
    assert _stubfiles.splice_block(added, None) == text
    assert generated.blank_block(added).count("\n") == added.count("\n")


def test_import_compatshim_does_not_load_the_stubs_modules(project: Project) -> None:
    """The stubs command reads source with ast: none of it is loaded by ``import compatshim``."""
    result = project.run(
        """
        import sys, _probe, compatshim
        _probe.emit(sorted(m for m in sys.modules if "stub" in m or m in ("ast", "_signatures")))
        """
    )
    assert result.value == []


@pytest.mark.skipif(sys.platform == "win32", reason="permissions")
def test_a_new_stub_gets_the_umask_mode(acme: Project) -> None:
    """A new file is created with the mode any new file of the user would get."""
    umask = os.umask(0o027)
    try:
        compatshim.stubs(acme.root / "pyproject.toml", write=True)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((acme.root / "acme/oldhelpers.pyi").stat().st_mode) == 0o640
