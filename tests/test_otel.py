"""The OpenTelemetry export (the ``otel`` key): counts, attributes, the bound on sites, and a real
OTLP/HTTP receiver that several processes export to; the SDK missing; a collector down."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import CANON
from helpers import Project
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from compatshim._telemetry import otel


metrics_export = pytest.importorskip("opentelemetry.sdk.metrics.export")
metrics_service = pytest.importorskip(
    "opentelemetry.proto.collector.metrics.v1.metrics_service_pb2"
)

Key = tuple[str, str, str]


def _points(reader: Any) -> dict[Key, int]:
    """The counter's values per (legacy, canonical, site), from an InMemoryMetricReader."""
    return _values(reader.get_metrics_data())


def _values(data: Any) -> dict[Key, int]:
    """The counter's values per (legacy, canonical, site) in one collection (cumulative)."""
    values: dict[Key, int] = {}
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                assert metric.name == otel.METRIC
                assert metric.data.is_monotonic
                for point in metric.data.data_points:
                    a = point.attributes
                    values[(a[otel.LEGACY], a[otel.CANONICAL], a[otel.SITE])] = point.value
    return values


def _export() -> tuple[otel.Export, Any]:
    reader = metrics_export.InMemoryMetricReader()
    return otel.Export(make_reader=lambda: reader, interval=0.0), reader


def test_deliveries_add_what_the_counts_gained() -> None:
    """Each delivery adds the gain since the last one: the counter equals the running totals."""
    export, reader = _export()
    export.deliver(totals=[("old", "new", "app.py:3", 2), ("old.mod:A", "new:A", "app.py:4", 1)])
    export.deliver(totals=[("old", "new", "app.py:3", 5), ("old.mod:A", "new:A", "app.py:4", 1)])
    assert _points(reader) == {("old", "new", "app.py:3"): 5, ("old.mod:A", "new:A", "app.py:4"): 1}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.tuples(st.sampled_from(["old", "legacy.mod:Name"]), st.integers(0, 140)),
            st.integers(0, 50),
            max_size=40,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_sites_beyond_the_limit_count_together(
    steps: list[dict[tuple[str, int], int]],
) -> None:
    """However many sites appear, one alias has at most SITE_LIMIT + 1 series, and the series of
    an alias add up to its exact total."""
    export, reader = _export()
    totals: dict[tuple[str, int], int] = {}
    for step in steps:
        for key, gain in step.items():  # running totals only grow
            totals[key] = totals.get(key, 0) + gain
        export.deliver(
            totals=[(legacy, "new", f"app.py:{line}", n) for (legacy, line), n in totals.items()]
        )
    points = _points(reader)
    for legacy in ("old", "legacy.mod:Name"):
        mine = {site: n for (name, _, site), n in points.items() if name == legacy}
        assert len(mine) <= otel.SITE_LIMIT + 1
        assert sum(mine.values()) == sum(n for (name, _), n in totals.items() if name == legacy)
        named = [site for site in mine if site != otel.OTHER_SITES]
        assert len(named) <= otel.SITE_LIMIT
        if len({line for name, line in totals if name == legacy}) > otel.SITE_LIMIT:
            assert len(named) == otel.SITE_LIMIT


def test_a_forked_child_starts_a_pipeline_of_its_own() -> None:
    """After a fork, the child's first delivery builds a new pipeline; nothing inherited from
    the parent is published again."""
    export, first = _export()
    export.deliver(totals=[("old", "new", "app.py:3", 4)])
    second = metrics_export.InMemoryMetricReader()
    export._make_reader = lambda: second
    export.after_fork_in_child()
    export.deliver(totals=[("old", "new", "app.py:3", 1)])
    assert _points(first) == {("old", "new", "app.py:3"): 4}
    assert _points(second) == {("old", "new", "app.py:3"): 1}


# -- a real OTLP/HTTP receiver, and processes exporting to it --------------------------------


class _Receiver(http.server.BaseHTTPRequestHandler):
    requests: list[Any]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = metrics_service.ExportMetricsServiceRequest()
        request.ParseFromString(body)
        self.server.requests.append((self.path, dict(self.headers), request))  # type: ignore[attr-defined]
        marker = getattr(self.server, "marker", None)
        if marker is not None:
            marker.write_text(str(len(self.server.requests)))  # type: ignore[attr-defined]
        reply = metrics_service.ExportMetricsServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Any]:
    """An OTLP/HTTP metrics endpoint on 127.0.0.1 (a random port), in this process."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _sums(requests: list[Any]) -> tuple[dict[Key, int], set[str]]:
    """The counter's totals per attribute set over every process (a delta point adds; a
    cumulative one is the running total of its process, so the last one counts), and the
    service names seen."""
    from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality

    cumulative: dict[tuple[str, Key], int] = {}
    totals: dict[Key, int] = {}
    services = set()
    for _, _, request in requests:
        for resource_metrics in request.resource_metrics:
            resource = {a.key: a.value.string_value for a in resource_metrics.resource.attributes}
            services.add(resource["service.name"])
            instance = resource["service.instance.id"]
            for scope in resource_metrics.scope_metrics:
                assert scope.scope.name == "compatshim"
                for metric in scope.metrics:
                    assert metric.name == otel.METRIC
                    assert metric.sum.is_monotonic
                    for point in metric.sum.data_points:
                        attrs = {a.key: a.value.string_value for a in point.attributes}
                        key = (attrs[otel.LEGACY], attrs[otel.CANONICAL], attrs[otel.SITE])
                        temporality = metric.sum.aggregation_temporality
                        if temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA:
                            totals[key] = totals.get(key, 0) + point.as_int
                        else:
                            cumulative[(instance, key)] = point.as_int
    for (_, key), value in cumulative.items():
        totals[key] = totals.get(key, 0) + value
    return totals, services


OTEL_CONFIG = """
[tool.compatshim]
otel = true
[tool.compatshim.aliases]
"old" = "canon"
"""

SCRIPT = """
import json, sys, threading, warnings
warnings.simplefilter("ignore")
class Watch:  # which threads import the SDK while the program runs
    threads = set()
    def find_spec(self, name, path=None, target=None):
        if name.startswith("opentelemetry"):
            self.threads.add("main" if threading.current_thread() is threading.main_thread() else "flusher")
sys.meta_path.insert(0, Watch())
import compatshim
compatshim.install()
import old.pkg
for _ in range(int(sys.argv[1])):
    old.pkg.CONSTANT
print("RESULT", json.dumps(sorted(Watch.threads - {"flusher"})))
"""


def test_several_processes_export_exact_counts_to_an_otlp_receiver(
    tmp_path: Path, receiver: Any
) -> None:
    """Three processes (one asking for delta temporality) export to a real OTLP/HTTP endpoint:
    the sums per attribute set are exact, the resource comes from OTEL_*, the headers are sent,
    no program thread imported the SDK, and the local data files have the same counts."""
    project = Project(tmp_path).write(CANON).config(OTEL_CONFIG)
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}",
        "OTEL_EXPORTER_OTLP_HEADERS": "x-team=shop",
        "OTEL_SERVICE_NAME": "shop",
    }
    project.write({"main.py": SCRIPT})
    delta = {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta"}
    for count, extra in ((3, {}), (5, {}), (11, delta)):
        result = project.command(["main.py", str(count)], env={**env, **extra})
        assert result.returncode == 0, result.stderr
        assert result.value == []  # the SDK is imported off the program's threads
        assert "[otel" not in result.stderr
    totals, services = _sums(receiver.requests)
    assert totals == {("old", "canon", "main.py:11"): 3, ("old", "canon", "main.py:13"): 3 + 5 + 11}
    assert services == {"shop"}
    assert {path for path, _, _ in receiver.requests} == {"/v1/metrics"}
    assert all(headers.get("x-team") == "shop" for _, headers, _ in receiver.requests)
    report = project.command(["-m", "compatshim", "report", "--format", "json"])
    assert json.loads(report.stdout)["aliases"][0]["hits"] == 3 + 3 + 5 + 11


def test_without_the_extra_one_line_and_the_program_runs_on(tmp_path: Path) -> None:
    """With the SDK not importable, the otel key gives one otel-missing line; the program exits
    0 and the local files still get the counts."""
    project = Project(tmp_path).write(CANON).config(OTEL_CONFIG)
    result = project.run(
        'import sys\nsys.modules["opentelemetry"] = None  # as if not installed\n'
        + SCRIPT.replace("int(sys.argv[1])", "3")
    )
    assert result.returncode == 0
    assert result.stderr.count("[otel-missing]") == 1
    assert "compatshim[otel]" in result.stderr
    assert "Traceback" not in result.stderr
    report = project.command(["-m", "compatshim", "report", "--format", "json"])
    assert json.loads(report.stdout)["aliases"][0]["hits"] == 1 + 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_collector_down_never_breaks_the_program(tmp_path: Path) -> None:
    """Nothing listens at the endpoint: the program ends normally, with one otel-export line."""
    project = Project(tmp_path).write(CANON).config(OTEL_CONFIG)
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{_free_port()}"}
    project.write({"main.py": SCRIPT})
    result = project.command(["main.py", "2"], env=env)
    assert result.returncode == 0
    assert result.value == []
    assert result.stderr.count("[otel-export]") == 1


def test_a_collector_that_never_answers_holds_up_the_exit_only_so_long(tmp_path: Path) -> None:
    """A collector that accepts the connection and never answers, with a long exporter timeout
    set: the exit gives up after EXIT_TIMEOUT, says so once, and ends normally."""
    project = Project(tmp_path).write(CANON).config(OTEL_CONFIG)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{silent.getsockname()[1]}",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "600",
        }
        project.write({"main.py": SCRIPT})
        result = project.command(["main.py", "2"], env=env)
    assert result.returncode == 0
    assert "did not finish within" in result.stderr
    assert result.stderr.count("[otel-export]") == 1


def test_otel_off_by_default_and_by_the_environment(tmp_path: Path, receiver: Any) -> None:
    """Nothing is sent unless configured; COMPATSHIM_OTEL=0 overrides the key, =1 turns it on."""
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}"}
    plain = Project(tmp_path / "plain").write(CANON).config()
    plain.write({"main.py": SCRIPT})
    assert plain.command(["main.py", "2"], env=env).returncode == 0
    on = Project(tmp_path / "on").write(CANON).config(OTEL_CONFIG)
    on.write({"main.py": SCRIPT})
    assert on.command(["main.py", "2"], env={**env, "COMPATSHIM_OTEL": "0"}).returncode == 0
    assert receiver.requests == []
    assert plain.command(["main.py", "2"], env={**env, "COMPATSHIM_OTEL": "1"}).returncode == 0
    assert _sums(receiver.requests)[0] == {
        ("old", "canon", "main.py:11"): 1,
        ("old", "canon", "main.py:13"): 2,
    }


FORKS = """
import multiprocessing, os, sys, warnings
warnings.simplefilter("ignore")
import compatshim
compatshim.install()
import old.pkg

def work(n):
    for _ in range(n):
        old.pkg.CONSTANT
    return n

if __name__ == "__main__":
    work(2)
    pid = os.fork()
    if pid == 0:
        work(3)
        os._exit(0)
    os.waitpid(pid, 0)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(work, [5, 7, 11])
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_forked_children_and_pool_workers_export_their_own_counts(
    tmp_path: Path, receiver: Any
) -> None:
    """A child made by os.fork (ending with os._exit) and fork-pool workers (terminated by their
    pool) export their own counts, never the parent's again: the sums are exact. The first fork
    comes at once, while the flusher imports the SDK: it waits for the import (a child with
    half-imported modules, or a fork stuck on logging's lock, was the bug)."""
    project = Project(tmp_path).write(CANON).config(OTEL_CONFIG)
    project.write({"main.py": FORKS})
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}"}
    result = project.command(["main.py"], env=env)
    assert result.returncode == 0, result.stderr
    assert "[otel" not in result.stderr
    assert "Exception ignored" not in result.stderr  # logging's fork hook: see hook_process_exit
    totals, _ = _sums(receiver.requests)
    assert totals == {
        ("old", "canon", "main.py:5"): 1,
        ("old", "canon", "main.py:9"): 2 + 3 + 5 + 7 + 11,
    }


SERVER = """
import os, sys, time, warnings
warnings.simplefilter("ignore")
from compatshim._telemetry import flushing
flushing.PERIODIC_INTERVAL = 0.05  # the flusher's tick; OTEL_METRIC_EXPORT_INTERVAL is 100 ms
import compatshim
compatshim.install()
import old.pkg
for _ in range(4):
    old.pkg.CONSTANT
deadline = time.monotonic() + 120
while not os.path.exists("exported") and time.monotonic() < deadline:
    time.sleep(0.02)  # a server at work: the periodic export goes out meanwhile
for _ in range(6):
    old.pkg.CONSTANT
"""


def test_a_long_running_process_exports_periodically(tmp_path: Path, receiver: Any) -> None:
    """A process that runs on exports from the flusher thread every OTEL_METRIC_EXPORT_INTERVAL,
    before its exit; the counts of the periodic and the last export are exact."""
    project = Project(tmp_path).write(CANON).config(OTEL_CONFIG)
    project.write({"main.py": SERVER})
    receiver.marker = tmp_path / "exported"
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}",
        "OTEL_METRIC_EXPORT_INTERVAL": "100",
    }
    result = project.command(["main.py"], env=env)
    assert result.returncode == 0, result.stderr
    first, _ = _sums(receiver.requests[:1])
    assert first == {("old", "canon", "main.py:7"): 1, ("old", "canon", "main.py:9"): 4}
    totals, _ = _sums(receiver.requests)
    assert len(receiver.requests) >= 2
    assert totals == {
        ("old", "canon", "main.py:7"): 1,
        ("old", "canon", "main.py:9"): 4,
        ("old", "canon", "main.py:14"): 6,
    }


def test_counts_are_published_when_exported_and_all_of_them_at_the_end() -> None:
    """Between two exports a delivery publishes nothing (Counter.add is the SDK's cost); the
    last delivery publishes and exports everything."""
    reader = metrics_export.InMemoryMetricReader()
    export = otel.Export(make_reader=lambda: reader, interval=3600.0)
    export.deliver(totals=[("old", "new", "app.py:3", 2)])
    assert _points(reader) == {}
    export.deliver(final=True, totals=[("old", "new", "app.py:3", 7)])
    export.deliver(final=True, totals=[("old", "new", "app.py:3", 9)])  # over: nothing more
    assert _points(reader) == {("old", "new", "app.py:3"): 7}


class _Contention:
    """A lock that says (``contended``) when a thread waits for it while another holds it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.contended = threading.Event()

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self.contended.set()
            self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_two_last_deliveries_at_once_export_what_either_published() -> None:
    """A pool worker's os._exit and its pool's SIGTERM deliver at once: the second starts while
    the first adds its gains to the counter. The first's gains must be in the export, whichever
    of the two exports (they were marked sent before Counter.add: the second found nothing to
    add, exported an empty collection, and the worker's counts never went out)."""
    export, reader = _export()
    exported: list[Any] = []  # what each collection gave: what an exporter would have sent
    reader._receive_metrics = lambda data, *args, **kwargs: exported.append(data)
    export.deliver(totals=[])  # the pipeline
    made = export._pipeline
    assert made is not None
    pipeline: otel._Pipeline = made
    counter = pipeline.counter
    lock = _Contention()
    export._lock = lock
    totals = [("old", "new", "app.py:3", 7)]
    second = threading.Thread(target=lambda: export.deliver(final=True, totals=totals))

    class Adding:  # the first delivery's Counter.add: the second delivery runs meanwhile
        def add(self, amount: int, attributes: dict[str, str]) -> None:
            pipeline.counter = counter
            second.start()
            while second.is_alive() and not lock.contended.wait(0.01):
                pass  # until the second is over, or waits for the first
            counter.add(amount, attributes)

    pipeline.counter = Adding()  # type: ignore[assignment]
    export.deliver(final=True, totals=totals)
    second.join(30)
    last = exported[-1] if exported else None  # none: the SDK found nothing to send
    assert _values(last) == {("old", "new", "app.py:3"): 7}


HALF_IMPORTED = """
import os, sys, threading, time, warnings
warnings.simplefilter("ignore")
import gate
sys.path.insert(0, gate.SHADOW)  # `import requests` finds shadow/requests.py
threading.Thread(target=lambda: __import__("requests"), daemon=True).start()
assert gate.entered.wait(120)
import compatshim
compatshim.install()  # the flusher imports the SDK: it waits for the other thread's requests
import old.pkg
def work(n):
    for _ in range(n):
        old.pkg.CONSTANT
work(1)
pid = os.fork()  # after the fork hook waited for the flusher in vain
if pid == 0:
    work(3)
    os._exit(0)
gate.release.set()
deadline = time.monotonic() + 60
while os.waitpid(pid, os.WNOHANG) == (0, 0):
    if time.monotonic() > deadline:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        print("RESULT", '"hung"')
        break
    time.sleep(0.05)
else:
    print("RESULT", '"ended"')
"""

GATE = """
import os, threading
SHADOW = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shadow")
entered, release = threading.Event(), threading.Event()
"""

# A slow `import requests` (in another thread, which the exporter's import waits for): stopped
# until the parent has forked; then the real requests takes its place.
SLOW_REQUESTS = """
import sys, gate
gate.entered.set()
gate.release.wait(120)
sys.path.remove(gate.SHADOW)
del sys.modules["requests"]
import requests as real
globals().update(vars(real))  # for the imports that got this module while it waited
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_child_forked_while_the_sdk_was_imported_ends_without_exporting(
    tmp_path: Path, receiver: Any
) -> None:
    """The parent forks while its flusher is still importing the exporter's modules (a busy
    machine: the fork waits for it 5 s at most), here waiting for another thread's import of
    requests. The child, whose requests stays half-imported and locked by a thread it does not
    have, ends at once without its export (one otel-export line) instead of waiting forever
    (the bug); its counts are in the local files, and the parent exports its own."""
    project = Project(tmp_path).write(CANON).config(OTEL_CONFIG)
    project.write({"gate.py": GATE, "shadow/requests.py": SLOW_REQUESTS})
    project.write({"main.py": HALF_IMPORTED})
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}"}
    result = project.command(["main.py"], env=env)
    assert result.returncode == 0, result.stderr
    assert result.value == "ended", result.stderr
    assert result.stderr.count("[otel-export]") == 1, result.stderr
    assert "forked while another thread imported" in result.stderr
    assert "Traceback" not in result.stderr
    totals, _ = _sums(receiver.requests)
    assert totals == {("old", "canon", "main.py:9"): 1, ("old", "canon", "main.py:12"): 1}
    report = project.command(["-m", "compatshim", "report", "--format", "json"])
    assert json.loads(report.stdout)["aliases"][0]["hits"] == 1 + 1 + 3, report.stdout


def test_modules_another_thread_imports_are_found(tmp_path: Path) -> None:
    """What a forked child must not import: a module still executing (here made so) that this
    thread is not importing; the module this thread is importing is not one."""
    import sys
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    stranded = ModuleType("stranded_by_fork")
    stranded.__spec__ = ModuleSpec("stranded_by_fork", None)
    stranded.__spec__._initializing = True  # type: ignore[attr-defined]
    (tmp_path / "importing_now.py").write_text(
        "from compatshim._telemetry import flushing\nFOUND = flushing._modules_locked_by_others()\n"
    )
    sys.modules["stranded_by_fork"] = stranded
    sys.path.insert(0, str(tmp_path))
    try:
        import importing_now  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(tmp_path))
        del sys.modules["stranded_by_fork"]
        sys.modules.pop("importing_now", None)
    assert "stranded_by_fork" in importing_now.FOUND
    assert "importing_now" not in importing_now.FOUND
