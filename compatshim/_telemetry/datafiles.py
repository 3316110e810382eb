"""Reading data files: every one is untrusted input.

A data file may come from a killed process (a hot journal to roll back), a committed
``telemetry.db``, ``--data``, or anyone who can write in the data folder. Before any of it is
read, the file must be a regular file (no link is followed), use our schema version or an older
one, hold our tables as plain tables (no view, virtual table, generated column or trigger: nothing
in the file may run code or loop), and hold values of the right types and ranges. Every query
also runs under a budget of SQLite steps proportional to the file's size, so no file can hang a
report. A file that fails is skipped with a reason and a slug.

:func:`read_sites` reads what a report shows: the hits per alias and site, as typed rows.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3  # the report and combine import this module; the runtime never does
from typing import NamedTuple  # (so does typing: the runtime never pays for it)

from .._base.errors import StoreError
from .sqlitefiles import check_file
from .sqlitefiles import connect
from .store import OLDEST_SCHEMA
from .store import SCHEMA
from .store import SCHEMA_VERSION
from .store import name


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Container


__all__ = [
    "SiteHits",
    "bad_rows",
    "batch_checks",
    "guard",
    "open_read",
    "read_sites",
    "reason",
    "too_many_hits",
    "validate",
]

# Our tables and their columns, as created by every schema version so far.
_TABLES = {
    "meta": ("key", "value"),
    "run": ("id", "uuid", "host", "pid", "started", "ended", "argv", "python", "compatshim", "root"),
    "alias": ("id", "legacy", "canonical", "since", "removed_in", "remove_after"),
    "site": ("id", "file", "line", "module"),
    "context": ("id", "name"),
    "usage": (
        "run_id", "alias_id", "path", "site_id", "context_id", "hits", "first_seen", "last_seen",
    ),
}  # fmt: skip

#: The last time a report can show (the end of year 9999: datetime's range); times start in 1970.
LAST_TIME = 253402300799
_TIME = f"typeof({{0}}) IN ('integer', 'real') AND {{0}} BETWEEN 0 AND {LAST_TIME}"
_ID = "typeof({0}) = 'integer'"
_TEXT = "typeof({0}) = 'text'"
_NAME = "typeof({0}) IN ('text', 'blob')"  # schema 2: a name that is not UTF-8 is a BLOB
_OPTIONAL = "typeof({0}) IN ('text', 'null')"
# Per table, what every row must satisfy; a file with one row that does not is refused.
_VALID = {
    "meta": [_TEXT.format("key"), _TEXT.format("value")],
    "run": [
        # Below 2**62: combining relies on new runs getting consecutive ids (see combine).
        _ID.format("id"), "id BETWEEN 1 AND 4611686018427387904", _TEXT.format("uuid"), _NAME.format("host"), _ID.format("pid"),
        _TIME.format("started"), f"(ended IS NULL OR {_TIME.format('ended')})",
        _TEXT.format("argv"), _TEXT.format("python"), _TEXT.format("compatshim"),
        _NAME.format("root"),
    ],
    "alias": [
        _ID.format("id"), _TEXT.format("legacy"), _TEXT.format("canonical"),
        _OPTIONAL.format("since"), _OPTIONAL.format("removed_in"),
        _OPTIONAL.format("remove_after"),
    ],
    "site": [
        _ID.format("id"), _NAME.format("file"), _ID.format("line"), "line >= 0",
        _NAME.format("module"),
    ],
    "context": [_ID.format("id"), _NAME.format("name")],
}  # fmt: skip
#: What every usage row must satisfy (its ids and path only have to join: a row whose do not is
#: left out). A report checks it while it aggregates, in the same scan (see _SITES).
USAGE_VALID = (
    f"{_ID.format('hits')} AND hits >= 0 AND {_TIME.format('first_seen')} "
    f"AND {_TIME.format('last_seen')}"
)


def _ddl(sql: str) -> str:
    # A CREATE statement without its comments and layout.
    return " ".join(re.sub(r"--[^\n]*", "", sql).split())


# Our CREATE TABLE statements (the same in every schema version so far), by table name.
_DDL = {
    statement.split()[2]: _ddl(statement)
    for statement in (s.strip() for s in SCHEMA.split(";"))
    if statement
}
# The text columns, whose values Python decodes as UTF-8.
_TEXTS = {
    "meta": ("key", "value"),
    "run": ("uuid", "host", "argv", "python", "compatshim", "root"),
    "alias": ("legacy", "canonical", "since", "removed_in", "remove_after"),
    "site": ("file", "module"),
    "context": ("name",),
    "usage": ("DISTINCT path",),
}
# Every column of our tables, in one statement.
_COLUMNS = (
    "SELECT m.name, p.name, p.hidden FROM {schema}.sqlite_master AS m, "
    "pragma_table_xinfo(m.name, '{schema}') AS p WHERE m.type = 'table' AND m.name IN ("
    + ", ".join(f"'{table}'" for table in _TABLES)
    + ")"
)
#: More hits than any file can hold (the sum of all of them must not overflow when combined).
MAX_HITS = 2**53
#: More hits than combining puts into the combined file (SQLite's sum() fails past 2**63): a
#: file that would take it further is not combined. A report that misses what another merges at
#: the same time may pass it (by MAX_HITS per report), so the combined file is read up to
#: COMBINED_LIMIT.
MAX_COMBINED_HITS = 2**62
COMBINED_LIMIT = 2**62 + 2**61
#: SQLite virtual-machine steps allowed per 512 bytes of the files a connection reads (a
#: generous multiple of what the report's queries need), counted every CHECK_EVERY steps.
STEPS_PER_PAGE = 200_000
CHECK_EVERY = 1000


def guard(db: sqlite3.Connection, pages: int) -> None:
    """Bound the work of the statements on ``db`` from now on (``pages``: the size read)."""
    budget = [(pages + 100) * STEPS_PER_PAGE // CHECK_EVERY]

    def spend() -> int:
        budget[0] -= 1
        return budget[0] < 0  # non-zero aborts the statement ("interrupted")

    db.set_progress_handler(spend, CHECK_EVERY)


def reason(exc: Exception) -> str:
    """Why SQLite failed, in words (the guard's abort says "interrupted")."""
    if isinstance(exc, UnicodeDecodeError):
        return "text that is not UTF-8"
    if "interrupted" in str(exc):
        return "more work to read than its size explains: a corrupt or hostile file"
    return str(exc)


def pages(path: str) -> int:
    """The size of ``path`` in 512-byte units (for :func:`guard`)."""
    try:
        return os.path.getsize(path) // 512 + 1
    except OSError:
        return 1


def validate(
    db: sqlite3.Connection,
    path: str,
    schema: str = "main",
    *,
    texts: str = "",
    exact: bool = False,
    usage: bool = True,
    limit: int = MAX_HITS,
    check_rows: bool = True,
) -> int:
    """Refuse ``path`` (attached as ``schema``) unless it holds our tables, as plain tables
    with our columns, no trigger, a schema version we read, and valid values in every row.

    ``texts``: also check that the texts are UTF-8 (Python cannot read them otherwise), those
    of the small tables (``"names"``) or ``"all"``; before combining, so that no file can
    make the combined file unreadable. ``exact``: the file is written into, and must hold our
    tables exactly as compatshim creates them, and nothing else. ``usage``: check the usage
    rows too (the report checks them as it aggregates them instead: one scan, not two).
    ``limit``: the most hits the file may hold in all. ``check_rows``: check the rows too (else the
    caller checks them, as read: :func:`batch_checks`).

    :returns: the sum of the file's hits (0 without ``usage``).
    :raises StoreError: saying what is wrong.
    """
    try:
        entries = db.execute(f"SELECT type, name, sql FROM {schema}.sqlite_master").fetchall()
        kinds = {name: (kind, sql) for kind, name, sql in entries if kind in ("table", "view")}
        for table in _TABLES:
            kind, sql = kinds.get(table, (None, ""))
            if kind != "table" or str(sql).lstrip().upper().startswith("CREATE VIRTUAL"):
                what = f"a {kind}" if kind else "missing"
                raise StoreError(f"{path}: not a compatshim data file (table {table}: {what})")
        # SQLite builds a table from the CREATE statement stored for it: a table created by
        # our statement has our columns, none hidden. Others are asked (a query per file).
        if any(_ddl(str(kinds[table][1])) != _DDL[table] for table in _TABLES):
            _check_columns(db, path, schema)
        if any(kind == "trigger" for kind, _, _ in entries):
            raise StoreError(f"{path}: not a compatshim data file (it has triggers)")
        if exact and (
            any(kind != "table" and not str(name).startswith("sqlite_autoindex_")
                for kind, name, _ in entries)
            or any(_ddl(str(sql)) != _DDL.get(name) for kind, name, sql in entries
                   if kind == "table")
        ):  # fmt: skip
            # Combining relies on our constraints (ids, UNIQUE names): a file written into
            # must have been created by compatshim, with nothing added.
            raise StoreError(f"{path}: not a compatshim data file (its schema differs)")
        rows = db.execute(
            f"SELECT value FROM {schema}.meta WHERE key = 'schema_version'"
        ).fetchall()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: not a compatshim data file ({reason(exc)})") from None
    version = rows[0][0] if len(rows) == 1 else None
    if not (isinstance(version, str) and version.isdigit() and len(version) < 9):
        raise StoreError(f"{path}: not a compatshim data file (no schema version)")
    if int(version) > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer compatshim (data file schema {version}; this one reads "
            f"{OLDEST_SCHEMA} to {SCHEMA_VERSION}): upgrade compatshim to report it",
            slug="data-file-newer",
        )
    if int(version) < OLDEST_SCHEMA:
        raise StoreError(f"{path}: not a compatshim data file (schema {version})")
    if not check_rows:
        return 0
    try:
        counts, every_text = _row_checks(schema, usage, texts == "all")
        *bad, total = db.execute(counts).fetchone()
        for table, count in zip((*_VALID, "usage"), bad):
            if count:
                raise bad_rows(path, table, count)
        for _ in db.execute(every_text):
            pass  # each text is decoded: one that is not UTF-8 raises
    except UnicodeDecodeError:
        raise StoreError(f"{path}: not a compatshim data file (text that is not UTF-8)") from None
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read ({reason(exc)})") from None
    if total > limit:
        raise too_many_hits(path, total)
    return int(total)


def _check_columns(db: sqlite3.Connection, path: str, schema: str) -> None:
    # Every table has our columns, and no hidden one.
    found: dict[str, list[tuple[str, int]]] = {table: [] for table in _TABLES}
    for table, column, hidden in db.execute(_COLUMNS.format(schema=schema)):
        found[table].append((column, hidden))
    for table, columns in _TABLES.items():
        info = found[table]
        if sorted(c for c, _ in info) != sorted(columns) or any(h for _, h in info):
            raise StoreError(f"{path}: not a compatshim data file (columns of {table})")


def batch_checks(prefix: str) -> tuple[str, str]:
    """The row checks of :func:`validate` over the rows of a batch of files, read into tables
    named ``{prefix}{table}`` with a column ``f`` numbering the file: one statement giving
    ``(f, table, rows that fail)`` for every file and table with such rows, and one giving
    ``(f, total hits)``. (Every text was read, so decoded: no text check is needed.)"""
    checks = {table: " AND ".join(checks) for table, checks in _VALID.items()}
    checks["usage"] = USAGE_VALID
    failing = " UNION ALL ".join(
        f"SELECT f, '{table}', count(*) FROM {prefix}{table} "
        f"WHERE NOT coalesce({condition}, 0) GROUP BY f"
        for table, condition in checks.items()
    )
    return failing, f"SELECT f, total(hits) FROM {prefix}usage GROUP BY f"


def bad_rows(path: str, table: str, count: int) -> StoreError:
    """What :func:`validate` says of ``count`` rows of ``table`` that fail its checks."""
    return StoreError(
        f"{path}: not a compatshim data file ({count:,} rows of {table} hold values "
        "of the wrong type or out of range)"
    )


def too_many_hits(path: str, total: float) -> StoreError:
    """What :func:`validate` says of a file holding more than ``MAX_HITS`` hits."""
    return StoreError(f"{path}: not a compatshim data file ({total:.3g} hits in all)")


@functools.cache
def _row_checks(schema: str, usage: bool, all_texts: bool) -> tuple[str, str]:
    # One statement counting the rows that fail every check, and the total of hits; and one
    # reading every text (a combine checks thousands of files: few statements, built once).
    checks = {table: " AND ".join(checks) for table, checks in _VALID.items()}
    if usage:
        checks["usage"] = USAGE_VALID
    counts = ", ".join(
        f"(SELECT count(*) FROM {schema}.{table} WHERE NOT coalesce({condition}, 0))"
        for table, condition in checks.items()
    )
    # No sum of hits can overflow (SQLite's sum() fails on it): no real program counts
    # anywhere near 2**53 hits.
    hits = f"(SELECT total(hits) FROM {schema}.usage)" if usage else "0.0"
    every_text = " UNION ALL ".join(
        f"SELECT {column} FROM {schema}.{table}"
        for table, columns in _TEXTS.items()
        if table != "usage" or all_texts
        for column in columns
    )
    return f"SELECT {counts}, {hits}", every_text


def _roll_back(path: str, identity: tuple[int, int]) -> None:
    # Opening it read-write lets SQLite roll back the journal a killed writer left ("hot").
    db = connect(path, identity, "rw", 10.0)
    try:
        guard(db, pages(path) + pages(path + "-journal"))
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        db.close()


def open_read(path: str, *, recover: bool = False, usage: bool = True) -> sqlite3.Connection:
    """Open an existing data file for reading, checking everything in it first.

    A journal left by a killed writer is rolled back when ``recover`` (the caller knows that
    the writer is gone), so at most the writer's last unfinished flush is lost; otherwise such
    a file is refused (``data-file-unfinished``). ``usage``: validate the usage rows too (the
    caller does it otherwise, as it reads them).

    :raises StoreError: if it is missing, a link, not ours, too new, or holds bad values.
    """
    identity = check_file(path)
    if identity is None:
        raise StoreError(f"{path}: no such data file")
    db = None
    try:
        if os.path.exists(path + "-journal"):
            # A read-only connection cannot roll back a hot journal, and fails on it.
            try:
                probe = connect(path, identity, "ro", 10.0)
                try:
                    probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
                finally:
                    probe.close()
            except (sqlite3.Error, UnicodeDecodeError):
                if not recover:
                    raise StoreError(
                        f"{path}: holds an unfinished write of a killed process (a hot journal); "
                        "compatshim report recovers it once that process has ended",
                        slug="data-file-unfinished",
                    ) from None
                _roll_back(path, identity)
        db = connect(path, identity, "ro", 10.0)
        guard(db, pages(path))
        validate(db, path, usage=usage)
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        if db is not None:
            db.close()
        raise StoreError(f"{path}: cannot read ({reason(exc)})") from None
    except BaseException:
        if db is not None:
            db.close()
        raise
    return db


# -- what a report reads ---------------------------------------------------------------------


class SiteHits(NamedTuple):
    """One alias's hits at one site (file, line, importing module), over the runs read."""

    legacy: str
    canonical: str
    since: str | None
    removed_in: str | None
    remove_after: str | None  # an ISO date
    file: str
    line: int
    module: str
    hits: int
    first_seen: float
    last_seen: float


# Group by integer ids first, then join the names: much faster over millions of rows. The usage
# values used must be of the right type and range: checked per group, in the same scan (a check
# per row would cost half as much again as the whole query; merged files are checked per row).
_SITES = f"""
SELECT a.legacy, a.canonical, a.since, a.removed_in, a.remove_after,
       s.file, s.line, s.module, g.hits, g.first_seen, g.last_seen,
       coalesce(typeof(g.hits) = 'integer' AND g.hits >= 0
                AND {_TIME.format("g.first_seen")} AND {_TIME.format("g.last_seen")}, 0) AS valid
FROM (
    SELECT alias_id, site_id, sum(hits) AS hits,
           min(first_seen) AS first_seen, max(last_seen) AS last_seen
    FROM usage {{where}}
    GROUP BY alias_id, site_id
) g
JOIN alias a ON a.id = g.alias_id
JOIN site s ON s.id = g.site_id
"""
_SOME_RUNS = "WHERE run_id IN (SELECT id FROM run WHERE uuid IN (SELECT uuid FROM temp.wanted))"


def read_sites(path: str, skip: Container[str] = ()) -> tuple[list[str], list[SiteHits]]:
    """The runs of ``path`` (their UUIDs) other than those in ``skip``, and their hits per alias
    and site. The file is checked before it is read (:func:`open_read`), and every value used
    as it is read.

    :raises StoreError: if the file cannot be read, or is not a valid data file.
    """
    db = open_read(path, usage=False)  # the usage values used: checked below
    try:
        uuids = [row[0] for row in db.execute("SELECT uuid FROM run")]
        wanted = [u for u in uuids if u not in skip]
        where = ""
        if len(wanted) < len(uuids):  # some runs were read from another file already
            where = _SOME_RUNS
            db.execute("CREATE TEMP TABLE wanted (uuid TEXT PRIMARY KEY)")
            db.executemany("INSERT INTO temp.wanted VALUES (?)", [(u,) for u in wanted])
        rows = db.execute(_SITES.format(where=where)).fetchall() if wanted else []
    except (sqlite3.Error, UnicodeDecodeError) as exc:  # the budget ran out, bad text
        raise StoreError(f"{path}: cannot read ({reason(exc)})") from None
    finally:
        db.close()
    if not all(row[11] for row in rows):  # a sum of hits that is not an integer, a time
        # that is text or out of range
        raise StoreError(
            f"{path}: not a compatshim data file (usage rows hold values of the wrong type "
            "or out of range)"
        )
    return wanted, [
        SiteHits(legacy, canonical, since, removed, after, name(file), line, name(module), *rest)
        for legacy, canonical, since, removed, after, file, line, module, *rest, _ in rows
    ]
