"""compatshim: keep legacy import paths working while you consolidate code.

Every legacy path yields the identical canonical object, each use warns at the user's line, and
the commands see, find, fix and verify the migration. Start with :func:`install`.

PYTEST_DONT_REWRITE: ``compatshim run`` imports this package before pytest starts, so pytest must
not try to rewrite its asserts (it would warn, and ``filterwarnings = error`` would stop the run).
"""

# The one name set at import: flit, building the package, imports this file and reads the version
# from its namespace (never through __getattr__). It costs two small modules.
from ._base.version import __version__


TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._base.errors import CompatshimDeprecationWarning
    from ._base.errors import CompatshimError
    from ._base.errors import ConfigError
    from ._base.errors import DirectConstructionError
    from ._base.errors import DirectConstructionRemoved
    from ._base.errors import LegacyPathError
    from ._base.errors import LegacyPathRemoved
    from ._base.errors import NoDataError
    from ._check.check import AliasCheck
    from ._check.check import CheckReport
    from ._check.check import check
    from ._model.alias import Alias
    from ._model.config import Config
    from ._model.config import load_config
    from ._model.table import AliasTable
    from ._runtime.install import Installation
    from ._runtime.install import alias
    from ._runtime.install import install
    from ._runtime.install import install_distribution
    from ._runtime.install import installed
    from ._runtime.install import uninstall
    from ._runtime.proxy import LegacyModule
    from ._static.findings import Finding
    from ._static.migrate import MigrateResult
    from ._static.migrate import migrate
    from ._static.scan import Adoption
    from ._static.scan import ScanResult
    from ._static.scan import scan
    from ._stubs.generate import StubsResult
    from ._stubs.generate import stubs
    from ._telemetry.recorder import flush
    from ._telemetry.report import TelemetryReport
    from ._telemetry.report import telemetry_report


__all__ = [
    "Adoption",
    "Alias",
    "AliasCheck",
    "AliasTable",
    "CheckReport",
    "CompatshimDeprecationWarning",
    "CompatshimError",
    "Config",
    "ConfigError",
    "DirectConstructionError",
    "DirectConstructionRemoved",
    "Finding",
    "Installation",
    "LegacyModule",
    "LegacyPathError",
    "LegacyPathRemoved",
    "MigrateResult",
    "NoDataError",
    "ScanResult",
    "StubsResult",
    "TelemetryReport",
    "__version__",
    "alias",
    "check",
    "flush",
    "install",
    "install_distribution",
    "installed",
    "load_config",
    "migrate",
    "scan",
    "stubs",
    "telemetry_report",
    "uninstall",
]


# Every other name is imported when first read, so that `import compatshim` loads nothing but
# this module and the version: a library may import it only to declare aliases, or to check types, and each module
# loaded costs a finder lookup, a stat and an unmarshal. install() loads the runtime; reporting
# reads SQLite; scan, migrate and stubs parse source; check audits with inspect.
_LAZY = {
    "CompatshimDeprecationWarning": "_base.errors",
    "CompatshimError": "_base.errors",
    "ConfigError": "_base.errors",
    "DirectConstructionError": "_base.errors",
    "DirectConstructionRemoved": "_base.errors",
    "LegacyPathError": "_base.errors",
    "LegacyPathRemoved": "_base.errors",
    "NoDataError": "_base.errors",
    "Alias": "_model.alias",
    "AliasTable": "_model.table",
    "Installation": "_runtime.install",
    "alias": "_runtime.install",
    "install": "_runtime.install",
    "install_distribution": "_runtime.install",
    "installed": "_runtime.install",
    "uninstall": "_runtime.install",
    "LegacyModule": "_runtime.proxy",
    "flush": "_telemetry.recorder",
    "Config": "_model.config",
    "load_config": "_model.config",
    "AliasCheck": "_check.check",
    "CheckReport": "_check.check",
    "check": "_check.check",
    "TelemetryReport": "_telemetry.report",
    "telemetry_report": "_telemetry.report",
    "Adoption": "_static.scan",
    "ScanResult": "_static.scan",
    "scan": "_static.scan",
    "Finding": "_static.findings",
    "MigrateResult": "_static.migrate",
    "migrate": "_static.migrate",
    "StubsResult": "_stubs.generate",
    "stubs": "_stubs.generate",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'compatshim' has no attribute {name!r}")
    # __import__ and sys.modules rather than importlib.import_module: importing importlib costs
    # more than most of compatshim's modules.
    import sys

    path = f"{__name__}.{module}"
    __import__(path)
    value = getattr(sys.modules[path], name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
