"""The ``COMPATSHIM_*`` environment variables: one table of names, accepted values and meanings.

An unset or empty variable means its default. Any other value outside those accepted is a
:class:`~compatshim.ConfigError` (``env-bad-value``), exactly like a mistake in
``pyproject.toml``: ``install()`` and ``alias()`` raise it, every command exits 2 with it, and
``compatshim run`` refuses to start the command. A value is never guessed:
``COMPATSHIM_TELEMETRY=disabled`` is an error, not a way of saying ``0``.
"""

from __future__ import annotations

import os

from .._base.errors import ConfigError
from .._base.errors import shown
from .alias import POLICIES


TYPE_CHECKING = False
if TYPE_CHECKING:
    from .alias import Policy


__all__ = [
    "VARIABLES",
    "Variable",
    "check",
    "config_path",
    "disabled",
    "otel",
    "policy",
    "telemetry_off",
]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class Variable:
    """One environment variable: its name, the values it accepts (``()``: any) and its meaning."""

    __slots__ = ("doc", "name", "values")

    def __init__(self, name: str, values: tuple[str, ...], doc: str) -> None:
        self.name, self.values, self.doc = name, values, doc


#: Every variable compatshim reads. docs/config.md lists them (a test keeps it complete).
VARIABLES = (
    Variable(
        "COMPATSHIM_CONFIG",
        (),
        "The `pyproject.toml` to read instead of searching for one; it must exist and have the "
        "table.",
    ),
    Variable(
        "COMPATSHIM_POLICY", POLICIES, "Force one policy on every alias (a CI job sets `error`)."
    ),
    Variable("COMPATSHIM_DISABLE", _TRUE + _FALSE, "`1`: `install()` and `alias()` do nothing."),
    Variable(
        "COMPATSHIM_TELEMETRY",
        _TRUE + _FALSE,
        "`0`: telemetry off, and compatshim writes nothing at all; `1` leaves it to the "
        "configuration.",
    ),
    Variable(
        "COMPATSHIM_OTEL",
        _TRUE + _FALSE,
        "`1`: publish the counts as OpenTelemetry metrics too (as `otel = true`); `0`: never; "
        "unset, the configuration decides.",
    ),
    Variable(
        "COMPATSHIM_RUN",
        _TRUE + _FALSE,
        "Set by `compatshim run` for the processes it starts (you never need to set it).",
    ),
)
_BY_NAME = {variable.name: variable for variable in VARIABLES}


def _get(name: str) -> str:
    """The value of ``name``, normalised (``""`` when unset).

    :raises ConfigError: if it is set to a value it does not accept.
    """
    variable = _BY_NAME[name]
    raw = os.environ.get(name, "")
    if not variable.values:
        return raw
    value = raw.strip().lower()
    if value and value not in variable.values:
        raise ConfigError(
            f"{name} must be one of {', '.join(variable.values)}, not {shown(raw)}",
            slug="env-bad-value",
        )
    return value


def check() -> None:
    """Validate every variable that is set.

    :raises ConfigError: ``env-bad-value`` for the first one set to a value it does not accept.
    """
    for variable in VARIABLES:
        _get(variable.name)


def config_path() -> str | None:
    """The file ``COMPATSHIM_CONFIG`` names, if it names one."""
    return _get("COMPATSHIM_CONFIG") or None


def policy() -> Policy | None:
    """The policy ``COMPATSHIM_POLICY`` forces on every alias, if it is set."""
    value = _get("COMPATSHIM_POLICY")  # one of POLICIES, or ""
    return next((policy for policy in POLICIES if policy == value), None)


def disabled() -> bool:
    """Whether ``COMPATSHIM_DISABLE`` switches compatshim off."""
    return _get("COMPATSHIM_DISABLE") in _TRUE


def telemetry_off() -> bool:
    """Whether ``COMPATSHIM_TELEMETRY`` switches telemetry (and every write) off."""
    return _get("COMPATSHIM_TELEMETRY") in _FALSE


def otel(configured: bool) -> bool:
    """Whether the counts are published as OpenTelemetry metrics: ``COMPATSHIM_OTEL`` if it is
    set, else ``configured`` (the ``otel`` key)."""
    value = _get("COMPATSHIM_OTEL")
    return value in _TRUE if value else configured
