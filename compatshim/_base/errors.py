"""Exceptions and warning categories: every error a user can meet is defined here.

Every error and warning carries a short, stable ``slug``; ``docs/messages.md`` documents each one
with its cause and fix, and the command line points at its section (:func:`pointer`).
"""

from __future__ import annotations


__all__ = [
    "MESSAGES_URL",
    "CompatshimDeprecationWarning",
    "CompatshimError",
    "ConfigError",
    "HistoryError",
    "LegacyPathError",
    "LegacyPathRemoved",
    "NoDataError",
    "RewriteError",
    "StoreError",
    "pointer",
]

#: The page that explains every slug, as published (an installed user has no docs/ folder).
MESSAGES_URL = "https://github.com/compatshim/compatshim/blob/main/docs/messages.md"


def pointer(slug: str) -> str:
    """``(see <the messages page>#<slug>)``: what the command line writes after a message."""
    return f"(see {MESSAGES_URL}#{slug})"


def shown(value: object, limit: int = 80) -> str:
    """A short, one-line description of a configured value for an error message.

    Short values show as their ``repr``, long ones shortened; containers show their type and
    size (never recursing into a value nested thousands deep); huge integers their size.
    """
    if isinstance(value, (dict, list, tuple, set)):
        count = len(value)
        return f"{type(value).__name__} of {count} item{'' if count == 1 else 's'}"
    if isinstance(value, int) and value.bit_length() > 128:
        return f"{value.bit_length()}-bit integer"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value that cannot even be shown
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else f"{text[: limit - 4]}...{text[-1]}"


class CompatshimError(Exception):
    """Base class of every error compatshim raises on purpose.

    :param message: the whole, human-readable message.
    :param slug: the stable identifier of this kind of error (see ``docs/messages.md``).
    """

    slug = "compatshim-error"

    def __init__(self, message: str, *, slug: str | None = None) -> None:
        super().__init__(message)
        if slug is not None:
            self.slug = slug


class ConfigError(CompatshimError, ValueError):
    """The configuration is invalid: the message names the file, line (where known) and key."""

    slug = "config-error"


class LegacyPathError(CompatshimError, ImportError):
    """A legacy path was used while its alias is configured with ``policy = "error"``.

    It is an :class:`ImportError`, so code that guards optional imports keeps working, and its
    message names the canonical path to use instead.
    """

    slug = "legacy-path-error"

    def __init__(
        self, message: str, *, legacy: str, canonical: str, slug: str | None = None
    ) -> None:
        super().__init__(message, slug=slug)
        #: The legacy path that was used, spelled as in the configuration.
        self.legacy = legacy
        #: The canonical path to use instead.
        self.canonical = canonical
        # ImportError.name is the module that could not be imported. (paths imports this
        # module, so it is imported here, when an error is made.)
        from .paths import split

        self.name = split(legacy)[0]


class LegacyPathRemoved(LegacyPathError):
    """A legacy path was used after its removal (``removed_in`` reached or ``remove_after`` past)."""

    slug = "legacy-path-removed"


class NoDataError(CompatshimError):
    """There is no telemetry data to report, or none of it can be read."""

    slug = "report-no-data"


class StoreError(CompatshimError):
    """A data file cannot be used: missing, a link, not SQLite, another schema, bad values.

    ``slug`` names the kind of problem. ``compatshim report`` skips such a file with the reason,
    and the recorder reports it once and stops writing.
    """

    slug = "data-file-invalid"


class HistoryError(CompatshimError):
    """The history (``history.json``) cannot be used: a link, not a history, a newer schema,
    not writable; or a date given to ``--since`` is not one.

    ``compatshim report`` says so in one line and goes on without it; ``snapshot`` exits 2.
    """

    slug = "history-invalid"


class RewriteError(CompatshimError):
    """``migrate`` cannot rewrite a file at all: the result would not parse.

    The file is left unchanged, and each use in it is listed with the reason.
    """

    slug = "migrate-unparsable"


class CompatshimDeprecationWarning(DeprecationWarning):
    """The default category of the warning emitted when a legacy path is used.

    It is a :class:`DeprecationWarning`, so ``-W error::DeprecationWarning`` and pytest's
    ``filterwarnings = error`` apply to it; a filter can also single it out by this class.
    """

    slug = "legacy-path-deprecated"


for _cls in (
    CompatshimError,
    ConfigError,
    LegacyPathError,
    LegacyPathRemoved,
    NoDataError,
    CompatshimDeprecationWarning,
):
    _cls.__module__ = "compatshim"
del _cls
