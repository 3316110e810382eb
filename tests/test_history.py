"""The history of snapshots: kept, merged each once, shown as a trend, and never trusted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import data_file
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim import cli
from compatshim._telemetry import history
from compatshim._telemetry import report as _report


def test_snapshots_round_trip_and_merge_each_once(tmp_path: Path) -> None:
    """A snapshot summarizes each alias; merging a history twice, or in another order, keeps
    each snapshot once, oldest first."""
    report = _report.load(None, [str(data_file(tmp_path / "d.db", [("a.py", 3), ("b.py", 2)]))])
    first = history.summarize(report, taken=1_700_000_000)
    second = history.summarize(report, taken=1_600_000_000)
    assert first.aliases == {"old": history.AliasSummary("canon", 5, 2, 2)}
    path = str(tmp_path / "h.json")
    history.append(path, first)
    history.append(path, second)
    history.append(path, first)
    assert [s.id for s in history.read(path)] == [second.id, first.id]
    other = tmp_path / "other.json"
    history.write(str(other), [first])
    again = history.merge(history.read(str(other)), history.read(path))
    assert again == history.merge(history.read(path), history.read(str(other)))
    assert again == history.read(path)
    assert history.select(again, since=1_650_000_000.0) == [first]
    assert history.select(again, last=1) == [first]
    assert history.parse_date("2023-11-14") == 1_699_920_000.0
    with pytest.raises(history.HistoryError) as raised:
        history.parse_date("yesterday")
    assert raised.value.slug == "history-bad-date"


def test_history_is_written_atomically_and_never_through_a_link(tmp_path: Path) -> None:
    """A link at the history's name is refused on read; the write replaces the file whole,
    leaves no temporary file and keeps the original's mode."""
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    link = tmp_path / "history.json"
    link.symlink_to(target)
    with pytest.raises(history.HistoryError) as raised:
        history.read(str(link))
    assert raised.value.slug == "history-link"
    with pytest.raises(history.HistoryError):
        history.append(str(link), history.Snapshot("x", 0.0, 1, {}))
    assert target.read_text() == "{}" and link.is_symlink()
    real = tmp_path / "real.json"
    history.write(str(real), [])
    os.chmod(real, 0o640)
    history.append(str(real), history.Snapshot("x", 0.0, 1, {}))
    assert os.stat(real).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "elsewhere.json",
        "history.json",
        "real.json",
    ]


HOSTILE = [
    b"",
    b"\xff\xfe",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"schema": 1}',
    b'{"schema": true, "snapshots": []}',
    b'{"schema": 1, "snapshots": [{"id": "a", "taken": "2026-13-45T00:00:00Z", "runs": 1, "aliases": []}]}',
    b'{"schema": 1, "snapshots": [{"id": "a", "taken": "2026-01-01T00:00:00Z", "runs": 1, "aliases": [{"legacy": "x", "canonical": "y", "hits": NaN, "sites": 1, "files": 1}]}]}',
    b'{"schema": 1, "snapshots": [{"id": "a", "taken": "2026-01-01T00:00:00Z", "runs": -1, "aliases": []}]}',
    b'{"schema": 1, "snapshots": [{"id": "a", "taken": "2026-01-01T00:00:00Z", "runs": 1, "aliases": [{"legacy": "x", "canonical": "y", "hits": 1e400, "sites": 1, "files": 1}]}]}',
    b'{"schema": 1, "snapshots": [{"id": "a", "taken": "2026-01-01T00:00:00Z", "runs": 99999999999999999999999, "aliases": []}]}',
]  # fmt: skip


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_history_is_one_error_with_a_slug(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "history.json"
    path.write_bytes(raw)
    with pytest.raises(history.HistoryError) as raised:
        history.read(str(path))
    assert raised.value.slug == "history-invalid"


def test_a_newer_history_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text('{"schema": 99, "snapshots": "a future format"}')
    with pytest.raises(history.HistoryError) as raised:
        history.append(str(path), history.Snapshot("x", 0.0, 1, {}))
    assert raised.value.slug == "history-newer"
    assert "upgrade compatshim" in str(raised.value)
    assert "future" in path.read_text()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)  # fmt: skip
_fields = st.fixed_dictionaries(
    {"schema": st.sampled_from([1, 1, 2, 0, "1", None])},
    optional={
        "snapshots": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": st.text(max_size=5) | _json,
                    "taken": st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-01", ""]) | _json,
                    "runs": st.integers(-2, 3) | _json,
                    "aliases": st.lists(st.dictionaries(st.sampled_from(["legacy", "canonical", "hits", "sites", "files"]), st.integers(-1, 2) | st.text(max_size=3) | _json)) | _json,
                },
            ),
            max_size=3,
        ) | _json,
    },
)  # fmt: skip


@settings(
    max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(document=_fields | _json)
def test_any_json_is_a_history_or_one_error(tmp_path: Path, document: object) -> None:
    """Whatever JSON the file holds, reading it gives checked snapshots or a HistoryError."""
    path = tmp_path / "history.json"
    path.write_text(json.dumps(document))
    try:
        snapshots = history.read(str(path))
    except history.HistoryError as exc:
        slug = exc.slug
    else:
        slug = ""
    assert slug in ("", "history-invalid", "history-newer")
    if slug:
        return
    for s in snapshots:
        assert isinstance(s.taken, float) and isinstance(s.runs, int)
        assert all(isinstance(a.hits, int) and a.hits >= 0 for a in s.aliases.values())
    history.write(str(path), snapshots)  # what was read writes back and reads the same
    assert history.read(str(path)) == snapshots


# -- the command line --------------------------------------------------------------------------


def test_snapshot_report_trend_and_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """snapshot appends, report --last shows the trend (text and JSON), snapshot --import merges
    CI histories once however often they are imported, report --snapshot appends too."""
    before = data_file(tmp_path / "1.db", [("a.py", 4), ("b.py", 1), ("c.py", 1)])
    after = data_file(tmp_path / "2.db", [("a.py", 2)])
    ci = str(tmp_path / "ci.json")
    local = str(tmp_path / "local.json")
    assert cli.main(["snapshot", "--data", str(before), "--history", ci]) == 0
    assert cli.main(["report", "--data", str(after), "--history", ci, "--snapshot"]) == 0
    capsys.readouterr()
    assert cli.main(["report", "--data", str(after), "--history", ci, "--last", "2"]) == 0
    out = capsys.readouterr().out
    assert "History: 2 snapshots since" in out
    assert "old: hits 6 -> 2 (-4), sites 3 -> 1 (-2)" in out
    assert (
        cli.main(
            ["report", "--data", str(after), "--history", ci, "--last", "1", "--format", "json"]
        )
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert [(h["hits"], h["sites"]) for h in document["history"]] == [(2, 1)]
    for _ in range(2):
        assert cli.main(["snapshot", "--history", local, "--import", ci, ci]) == 0
    assert history.read(local) == history.read(ci)
    assert "0 new snapshot(s) imported, 2 in" in capsys.readouterr().err


def test_a_bad_history_is_one_line_and_the_report_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = data_file(tmp_path / "1.db", [("a.py", 4)])
    bad = tmp_path / "h.json"
    bad.write_text("<script>")
    assert (
        cli.main(
            ["report", "--data", str(data), "--history", str(bad), "--last", "3", "--snapshot"]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "compatshim report: 1 legacy path used" in captured.out
    assert "History: no snapshot in that range." in captured.out
    (line,) = captured.err.splitlines()
    assert line.startswith("compatshim: history skipped: ") and line.endswith("[history-invalid]")
    assert bad.read_text() == "<script>"  # never overwritten
    assert cli.main(["snapshot", "--data", str(data), "--history", str(bad)]) == 2
    assert "history-invalid" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)  # no configuration here: --snapshot has nowhere to go
    assert cli.main(["report", "--data", str(data), "--snapshot"]) == 0
    assert "history skipped: no history file" in capsys.readouterr().err
    assert cli.main(["report", "--data", str(data), "--since", "last week"]) == 2
    assert "history-bad-date" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "snapshot",
                "--history",
                str(tmp_path / "n.json"),
                "--import",
                str(bad),
                str(tmp_path / "missing"),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and "[history-invalid]" in err[0] and "no such file" in err[1]
