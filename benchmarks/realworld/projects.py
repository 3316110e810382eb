"""The real projects of the acceptance run: pinned sdists, their test dependencies, and the
renames applied to each copy.

A rename is data: files moved, top-level definitions moved between modules, and exact text
edits to the project's *own* code (its package, never its tests), each with the number of
replacements it must make, so that a new version of the project fails loudly instead of being
renamed halfway. The aliases declared for the old paths go into the copy's ``pyproject.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class Edit:
    """Replace the regular expression ``old`` by ``new`` in the files matching ``path`` (a glob
    relative to the copy's root); ``count`` replacements in all, exactly."""

    path: str
    old: str
    new: str
    count: int = 1
    #: Set for an edit that is no rename but adapts the project's own code to a documented limit
    #: of aliasing: why (the rename step lists it apart, so that it is never silent).
    adapts: str = ""


@dataclass(frozen=True)
class MoveDefinition:
    """Cut the top-level ``def``/``class`` ``name`` (with its decorators) out of ``source`` and
    put it at the end of ``target`` (both relative to the copy's root)."""

    source: str
    name: str
    target: str


@dataclass(frozen=True)
class Project:
    """One project: where its sdist comes from, how its suite runs, and what the rename does."""

    name: str
    version: str
    sha256: str
    #: Pinned test dependencies, installed from PyPI with the project.
    requirements: tuple[str, ...]
    #: Arguments for ``python -m pytest`` (run from the copy's root).
    pytest_args: tuple[str, ...]
    #: The folder holding the test suite, relative to the copy's root.
    tests: str
    moves: tuple[tuple[str, str], ...]
    definitions: tuple[MoveDefinition, ...]
    edits: tuple[Edit, ...]
    #: The ``[tool.compatshim.aliases]`` table of the renamed copy: legacy path -> canonical.
    aliases: dict[str, str] = field(default_factory=dict)
    #: Keys of the copy's ``[tool.compatshim]`` table besides the aliases (``telemetry = true``
    #: is always set), as TOML values.
    settings: dict[str, str] = field(default_factory=dict)
    #: Tests expected to fail only under ``COMPATSHIM_POLICY=error``, by test id prefix, with
    #: the reason: they use a legacy path through *data* (a pickle written by an older version),
    #: which no source rewrite can change and which the error policy refuses by design.
    strict_exempt: dict[str, str] = field(default_factory=dict)
    #: Notes of ``compatshim stubs --write`` the stubs step expects, by a part of their text,
    #: each with the reason (a documented limit of the stubs, not a defect).
    stub_notes: dict[str, str] = field(default_factory=dict)
    #: Oldest Python the project supports.
    requires_python: tuple[int, int] = (3, 9)
    #: The sdist's file name where PyPI serves it under an older scheme than PEP 625's.
    sdist_name: str = ""

    @property
    def sdist(self) -> str:
        """The sdist's file name as PyPI serves it."""
        return self.sdist_name or f"{self.name.replace('-', '_')}-{self.version}.tar.gz"


ATTRS = Project(
    name="attrs",
    version="26.1.0",
    sha256="d03ceb89cb322a8fd706d4fb91940737b6642aa36998fe130a9bc96c985eff32",
    # The `tests` dependency group of attrs (pytest-mypy-plugins and pyright are optional).
    requirements=(
        "cloudpickle==3.1.3",
        "hypothesis==6.170.27",
        "pympler==1.1",
        "pytest==9.2.0",
    ),
    pytest_args=(),
    tests="tests",
    moves=(
        ("src/attr/validators.py", "src/attr/checks.py"),
        ("src/attr/validators.pyi", "src/attr/checks.pyi"),
        ("src/attr/_make.py", "src/attr/_builder.py"),
    ),
    definitions=(
        MoveDefinition("src/attr/exceptions.py", "NotAnAttrsClassError", "src/attr/_builder.py"),
    ),
    edits=(
        # validators -> checks
        Edit(
            "src/attr/__init__.py",
            r"from \. import converters, exceptions, filters, setters, validators\n",
            "from . import checks, converters, exceptions, filters, setters\n",
        ),
        Edit("src/attr/__init__.py", r'    "validators",\n', '    "checks",\n'),
        Edit(
            "src/attr/__init__.pyi",
            r"from \. import validators as validators",
            "from . import checks as checks",
        ),
        Edit(
            "src/attrs/validators.py",
            r"from attr\.validators import \*",
            "from attr.checks import *",
        ),
        # _make -> _builder
        Edit("src/attr/*.py", r"from \._make import", "from ._builder import", count=9),
        Edit("src/attrs/__init__.py", r"from attr\._make import", "from attr._builder import"),
        Edit(
            "src/attr/_builder.py",
            r"__import__\('attr\._make'\)\._make\.",
            "__import__('attr._builder')._builder.",
        ),
        # exceptions:NotAnAttrsClassError -> _builder:NotAnAttrsClassError
        Edit("src/attr/_builder.py", r"    NotAnAttrsClassError,\n", ""),
        Edit(
            "src/attr/_next_gen.py",
            r"from \.exceptions import NotAnAttrsClassError, UnannotatedAttributeError\n",
            "from ._builder import NotAnAttrsClassError\n"
            "from .exceptions import UnannotatedAttributeError\n",
        ),
        # attrs types its modules in hand-written stubs: the class moves in the stub too, the
        # old one re-exporting it, as the stubs-handwritten message asks of a project.
        Edit(
            "src/attr/exceptions.pyi",
            r"class NotAnAttrsClassError\(ValueError\): \.\.\.\n",
            "from ._builder import NotAnAttrsClassError as NotAnAttrsClassError\n",
        ),
        Edit(
            "src/attrs/exceptions.py",
            r"(from attr\.exceptions import \*  # noqa: F403\n)",
            r"\1from attr._builder import NotAnAttrsClassError\n",
        ),
    ),
    strict_exempt={
        "tests.test_make.TestInitAlias::test_can_unpickle_25_3_attributes": (
            "unpickles attributes pickled by attrs 25.3, whose payloads name attr._make"
        ),
    },
    aliases={
        "attr.validators": "attr.checks",
        "attr._make": "attr._builder",
        "attr.exceptions:NotAnAttrsClassError": "attr._builder:NotAnAttrsClassError",
    },
)

PACKAGING = Project(
    name="packaging",
    version="26.4",
    sha256="c4b671c41ddb9bf26e543c37723610d28fb6bf7affc4da17cf048d419d2c062a",
    # The `test` dependency group of packaging, without coverage (the harness brings its own)
    # and pip (the virtual environment's own pip satisfies `pip>=21.1`).
    requirements=(
        "hypothesis==6.170.27",
        "pretend==1.0.9",
        "pytest==9.2.0",
        "tomli_w==1.2.0",
    ),
    pytest_args=(),
    tests="tests",
    moves=(
        ("src/packaging/licenses", "src/packaging/spdx"),
        ("src/packaging/utils.py", "src/packaging/naming.py"),
    ),
    definitions=(
        MoveDefinition(
            "src/packaging/naming.py", "canonicalize_version", "src/packaging/version.py"
        ),
    ),
    edits=(
        # utils:canonicalize_version -> version:canonicalize_version
        Edit("src/packaging/naming.py", r'    "canonicalize_version",\n', ""),
        Edit(
            "src/packaging/version.py",
            r'"normalize_pre", "parse"\]',
            '"canonicalize_version", "normalize_pre", "parse"]',
        ),
        Edit(
            "src/packaging/version.py",
            r"from packaging\.utils import canonicalize_version",
            "from packaging.version import canonicalize_version",
        ),
        # utils -> naming, licenses -> spdx
        Edit(
            "src/packaging/metadata.py",
            r"from \. import licenses, requirements, specifiers, utils\n",
            "from . import naming, requirements, spdx, specifiers\n",
        ),
        Edit("src/packaging/metadata.py", r"from \.licenses import", "from .spdx import"),
        Edit("src/packaging/metadata.py", r"\butils\.(?=\w)", "naming.", count=7),
        Edit("src/packaging/metadata.py", r"(?<![\w.])licenses\.(?=\w)", "spdx.", count=1),
        Edit("src/packaging/*.py", r"from \.utils import", "from .naming import", count=3),
        # The documentation in the package's docstrings follows the move too.
        Edit("src/packaging/**/*.py", r"packaging\.utils\b", "packaging.naming", count=6),
        Edit("src/packaging/**/*.py", r"packaging\.licenses\b", "packaging.spdx", count=3),
    ),
    # packaging's pytest configuration turns every warning into an error (filterwarnings =
    # ["error"]), so its unmodified suite cannot pass while legacy uses warn: the copy starts
    # where such a project would, counting uses without warning (telemetry still records them).
    settings={"policy": '"ignore"'},
    aliases={
        "packaging.licenses": "packaging.spdx",
        "packaging.utils": "packaging.naming",
        "packaging.utils:canonicalize_version": "packaging.version:canonicalize_version",
    },
    requires_python=(3, 10),
)

FREEZEGUN = Project(
    name="freezegun",
    version="1.5.5",
    sha256="ac7742a6cc6c25a2c35e9292dfd554b897b517d2dec26891a2e8debf205cb94a",
    # freezegun's requirements.txt without pytest-cov and coveralls (the harness brings its
    # own coverage) and maya (optional: its one test skips without it); pytest 8.4, the last
    # release that runs on Python 3.9, which freezegun supports.
    requirements=(
        "pytest==8.4.2",
        "python-dateutil==2.9.0.post0",
    ),
    pytest_args=(),
    tests="tests",
    moves=(
        ("freezegun/api.py", "freezegun/freezer.py"),
        ("freezegun/config.py", "freezegun/configuration.py"),
    ),
    definitions=(
        MoveDefinition("freezegun/configuration.py", "reset_config", "freezegun/freezer.py"),
    ),
    edits=(
        # api -> freezer, config -> configuration
        Edit(
            "freezegun/__init__.py",
            r"from \.api import freeze_time\nfrom \.config import configure\n",
            "from .freezer import freeze_time\nfrom .configuration import configure\n",
        ),
        Edit("freezegun/freezer.py", r"from \. import config\n", "from . import configuration\n"),
        Edit("freezegun/freezer.py", r"\bconfig\.settings\b", "configuration.settings", count=2),
        # config:reset_config -> freezer:reset_config, which now rebinds the settings of the
        # configuration module (its module-level state) from outside.
        Edit(
            "freezegun/freezer.py",
            r"    global settings\n    settings = Settings\(\)\n",
            "    configuration.settings = configuration.Settings()\n",
        ),
        Edit(
            "freezegun/freezer.py",
            r"module is None or mod_name == __name__:",
            "module is None or mod_name == __name__"
            ' or getattr(module, "__dict__", None) is globals():',
            adapts=(
                "freeze_time patches every module in sys.modules but its own, which it skips by "
                "its key; the legacy module freezegun.api forwards writes to freezegun.freezer, "
                "so freezegun would replace its own real_time by fake_time (RecursionError): it "
                "skips its own namespace instead (docs/semantics.md, limits)"
            ),
        ),
    ),
    stub_notes={
        "maya cannot be read (it is not found)": (
            "freezegun's optional dependency maya is not installed (docs/typing.md, reading "
            "signatures: a name from unreadable code is re-exported as it is)"
        ),
    },
    aliases={
        "freezegun.api": "freezegun.freezer",
        "freezegun.config": "freezegun.configuration",
        "freezegun.config:reset_config": "freezegun.freezer:reset_config",
    },
)

DATEUTIL = Project(
    name="python-dateutil",
    version="2.9.0.post0",
    sha256="37dd54208da7e1cd875388217d5e00ebd4179249f90fb72437e91a35459a0ad3",
    sdist_name="python-dateutil-2.9.0.post0.tar.gz",
    # dateutil's requirements-dev.txt without coverage (the harness brings its own), build and
    # attrs (its release tooling) and mock (Python 2); pytest-cov stays, inactive, since its
    # conftest marks tests `no_cover`, a marker pytest-cov registers. six is its one runtime
    # dependency (the copy is installed without dependencies). pytest 8.4, the last release for
    # Python 3.9; hypothesis pinned per Python, the newest each has.
    requirements=(
        "freezegun==1.5.5",
        'hypothesis==6.170.27; python_version >= "3.11"',
        'hypothesis==6.168.5; python_version == "3.10"',
        'hypothesis==6.141.1; python_version < "3.10"',
        "pytest==8.4.2",
        "pytest-cov==7.1.0",
        "six==1.17.0",
    ),
    # Its property tests draw at random, and one (test_timespec_auto) fails on the rare
    # datetime that falls in a DST fold, a defect of dateutil's own: one seed for every run,
    # so that the runs draw the same examples and are compared test for test.
    pytest_args=("--hypothesis-seed=0",),
    tests="tests",
    # The whole subpackage dateutil.tz, with its submodules tz, _common, _factories and win.
    moves=(("src/dateutil/tz", "src/dateutil/timezones"),),
    definitions=(),
    edits=(
        # The package's own imports of dateutil.tz; the local name tz stays.
        Edit(
            "src/dateutil/parser/_parser.py",
            r"from \.\. import tz\n",
            "from .. import timezones as tz\n",
        ),
        Edit(
            "src/dateutil/parser/isoparser.py",
            r"from dateutil import tz\n",
            "from dateutil import timezones as tz\n",
        ),
        Edit("src/dateutil/rrule.py", r"from \. import tz\n", "from . import timezones as tz\n"),
        Edit("src/dateutil/tzwin.py", r"from \.tz\.win import", "from .timezones.win import"),
        Edit(
            "src/dateutil/zoneinfo/__init__.py",
            r"from dateutil\.tz import tzfile",
            "from dateutil.timezones import tzfile",
        ),
        # The documentation in the package's docstrings and comments follows the move too.
        Edit("src/dateutil/**/*.py", r"dateutil\.tz\b", "dateutil.timezones", count=23),
    ),
    # dateutil's pytest configuration turns every warning into an error, as packaging's does.
    settings={"policy": '"ignore"'},
    strict_exempt={
        "tests.test_import_star": (
            "`from dateutil import *` binds the legacy tz because dateutil's own __all__ (data "
            "the copy keeps, so that the star import still binds it: docs/semantics.md, limits) "
            "names it; no rewrite of the test can change what the star import reads"
        ),
        "tests.test_imports::test_lazy_import[tz]": (
            "getattr(dateutil, module) with module = 'tz' from the test's parameter list: the "
            "old name is a bare string in data, which no rewrite of a dotted path reaches"
        ),
    },
    aliases={"dateutil.tz": "dateutil.timezones"},
)

PROJECTS = {project.name: project for project in (ATTRS, DATEUTIL, FREEZEGUN, PACKAGING)}
