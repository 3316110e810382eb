"""Publishing the counts as OpenTelemetry metrics, beside the local data files (``otel``).

With ``otel = true`` (or ``COMPATSHIM_OTEL=1``) each process also publishes its uses of legacy
paths as the monotonic counter :data:`METRIC`, through the OpenTelemetry SDK's ``MeterProvider``
and its OTLP/HTTP exporter, both configured by the standard ``OTEL_*`` variables (endpoint,
headers, resource, temporality). The SDK comes with the ``compatshim[otel]`` extra. It is imported
by the first delivery (``flushing.deliver``: the background flusher thread, or exit), never by
``import compatshim`` nor on the program's threads; without it, one line (``otel-missing``), and
the local files go on.

Each data point has the attributes :data:`LEGACY` and :data:`CANONICAL` (the alias) and
:data:`SITE` (``"file:line"``): the first :data:`SITE_LIMIT` sites of each alias that a process
delivers keep their name, the others count together under :data:`OTHER_SITES`, so that one
process adds at most ``SITE_LIMIT + 1`` series per alias.

Exports happen every ``OTEL_METRIC_EXPORT_INTERVAL`` milliseconds (60 s by default) from the
flusher thread, and at exit, which waits at most :data:`EXIT_TIMEOUT` seconds. The SDK's own
reader has no thread (its interval is infinite): compatshim's flusher drives it, so that a fork
never inherits a thread or counts from its parent. A failed export is reported once
(``otel-export``); nothing here raises.
"""

from __future__ import annotations

import os
import time

from .._base import diagnostics as _diagnostics
from .._base.locks import ForkSafeLock
from .recorder import recorder


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable

    from opentelemetry.metrics import Counter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader

__all__ = [
    "CANONICAL",
    "EXIT_TIMEOUT",
    "EXPORT_TIMEOUT",
    "LEGACY",
    "METRIC",
    "OTHER_SITES",
    "SITE",
    "SITE_LIMIT",
    "Export",
    "exporter",
]

#: The counter's name.
METRIC = "compatshim.legacy_path.uses"
#: The attributes of each data point: the alias's legacy path, its canonical path, the site.
LEGACY, CANONICAL, SITE = "compatshim.legacy", "compatshim.canonical", "compatshim.site"
#: The most sites of one alias that keep their own series in one process.
SITE_LIMIT = 100
#: The site of the uses at every site beyond :data:`SITE_LIMIT`.
OTHER_SITES = "(other)"
#: The longest the program's exit waits for the last export (seconds).
EXIT_TIMEOUT = 5.0
#: The exporter's timeout (seconds) unless ``OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT`` sets one.
EXPORT_TIMEOUT = 5.0
_DEFAULT_INTERVAL = 60.0


class _Pipeline:
    """The SDK objects of one process: the provider, its reader, the counter."""

    __slots__ = ("counter", "provider", "reader")

    def __init__(self, provider: MeterProvider, reader: MetricReader, counter: Counter) -> None:
        self.provider, self.reader, self.counter = provider, reader, counter


class Export:
    """The counts of this process, published as one OpenTelemetry counter.

    :param make_reader: makes the SDK reader the counts go to (tests pass an
        ``InMemoryMetricReader``); by default a reader with an OTLP/HTTP exporter.
    :param interval: seconds between two exports; by default ``OTEL_METRIC_EXPORT_INTERVAL``.
    """

    def __init__(
        self, make_reader: Callable[[], MetricReader] | None = None, interval: float | None = None
    ) -> None:
        self._make_reader = make_reader or _otlp_reader
        self._interval_given = interval
        self._lock = ForkSafeLock()
        self._reset()

    def _reset(self) -> None:
        import threading

        self._pipeline: _Pipeline | None = None
        self._broken = False  # no SDK, or it cannot start: nothing more is tried
        self._ended = False  # the last export has begun (exit)
        self._finished = threading.Event()  # ... and is over
        # What each (legacy, canonical, site) was published at; which sites have a name.
        self._sent: dict[tuple[str, str, str], int] = {}
        self._sites: dict[str, set[str]] = {}
        self._interval = _DEFAULT_INTERVAL
        self._last_export = time.monotonic()

    def after_fork_in_child(self) -> None:
        """A forked child publishes its own counts through a pipeline of its own; the parent's
        is left as it is (closing it here could disturb the parent's connection)."""
        self._reset()

    def deliver(
        self, *, final: bool = False, totals: Iterable[tuple[str, str, str, int]] | None = None
    ) -> None:
        """Make the pipeline (the first time); if the export interval has passed, or if
        ``final``, publish what the counts gained since the last export and export them (then,
        if ``final``, shut the pipeline down). Never raises.

        :param totals: the process's counts per alias and site, as ``Recorder.summary()``
            gives them (the default).
        """
        if self._broken:
            return
        if self._ended:
            if final:  # two ways out at once (os._exit, a pool worker's SIGTERM): wait for it
                self._finished.wait(EXIT_TIMEOUT)
            return
        try:
            pipeline = self._pipeline or self._start()
            if pipeline is None:
                return
            now = time.monotonic()
            due = final or now - self._last_export >= self._interval
            if due:  # published only to be exported: Counter.add costs ~12 us a series
                self.publish(recorder.summary() if totals is None else totals)
            if final:
                with self._lock:
                    last, self._ended = not self._ended, True
                if last:
                    try:
                        _bounded(lambda: self._last(pipeline), EXIT_TIMEOUT)
                    finally:
                        self._finished.set()
                else:
                    self._finished.wait(EXIT_TIMEOUT)
            elif due:
                self._last_export = now
                pipeline.reader.collect()
        except Exception as exc:  # noqa: BLE001 - never break the program for telemetry
            self._broken = True
            _diagnostics.report_once(
                "otel-export",
                f"OpenTelemetry export failed ({exc!r}); it stops for this process, the program "
                "and the local telemetry go on",
            )

    def publish(self, totals: Iterable[tuple[str, str, str, int]]) -> None:
        """Add to the counter what each ``(legacy, canonical, site, hits)`` gained since the
        last call (``hits`` is the process's running total)."""
        pipeline = self._pipeline
        if pipeline is None:
            return
        # The flusher and an exit (or a pool worker's os._exit and its SIGTERM) may deliver at
        # once: each gain is added once, and added before the lock is released. Marked sent
        # but not yet added, it was missing from the other delivery's last export, which found
        # nothing left to add (and a pool worker's counts never went out).
        with self._lock:
            gains: dict[tuple[str, str, str], int] = {}  # per series: one add each
            for legacy, canonical, site, hits in totals:
                key = (legacy, canonical, site)
                sent = self._sent.get(key, 0)
                if hits < sent:
                    sent = 0  # counting started again (another project was installed)
                if hits != sent:
                    self._sent[key] = hits
                    series = (legacy, canonical, self._site(legacy, site))
                    gains[series] = gains.get(series, 0) + hits - sent
            for (legacy, canonical, site), gain in gains.items():
                pipeline.counter.add(gain, {LEGACY: legacy, CANONICAL: canonical, SITE: site})

    def _site(self, legacy: str, site: str) -> str:
        # The site's own name for the first SITE_LIMIT sites of an alias, OTHER_SITES after.
        sites = self._sites.setdefault(legacy, set())
        if site not in sites:
            if len(sites) >= SITE_LIMIT:
                return OTHER_SITES
            sites.add(site)
        return site

    def _start(self) -> _Pipeline | None:
        try:
            pipeline = _make_pipeline(self._make_reader)
        except ImportError as exc:
            self._broken = True
            _diagnostics.report_once(
                "otel-missing",
                f"otel is on but the OpenTelemetry SDK cannot be imported ({exc}); install "
                "'compatshim[otel]'. Telemetry goes on to the local files only",
            )
            return None
        given = self._interval_given
        self._interval = _interval() if given is None else given
        with self._lock:
            if self._pipeline is None:
                self._pipeline = pipeline
            return self._pipeline

    def _last(self, pipeline: _Pipeline) -> None:
        # The last export, then the exporter closed: what the program counted since the last
        # periodic export goes out now.
        try:
            pipeline.reader.collect()
        finally:
            pipeline.provider.shutdown(timeout_millis=EXIT_TIMEOUT * 1000)


def _bounded(work: Callable[[], object], seconds: float) -> None:
    # Run ``work`` in a daemon thread and wait for it at most ``seconds``: a collector that does
    # not answer (or a name that does not resolve) never holds up the program's exit.
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's thread
            errors.append(exc)

    try:
        thread = threading.Thread(target=run, name="compatshim-otel-exit", daemon=True)
        thread.start()
    except RuntimeError:  # no new thread this late in the shutdown (3.12.0 and 3.12.1, atexit)
        _in_main_thread(work, seconds)
    else:
        thread.join(seconds)
        if thread.is_alive():
            _late(seconds)
    if errors:
        raise errors[0]


class _TooLate(BaseException):  # not an Exception: the SDK would take it for a failed export
    pass


def _in_main_thread(work: Callable[[], object], seconds: float) -> None:
    # Without a thread, a timer signal bounds the work instead: it interrupts a connection that
    # hangs. Only the main thread receives signals; elsewhere the export is given up.
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        _late(0)
        return

    def ring(signum: int, frame: object) -> None:
        raise _TooLate

    previous = signal.signal(signal.SIGALRM, ring)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            work()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _TooLate:
        _late(seconds)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _late(seconds: float) -> None:
    _diagnostics.report_once(
        "otel-export",
        f"the last OpenTelemetry export did not finish within {seconds:g} s; the program "
        "exits without it",
    )


def _interval() -> float:
    # OTEL_METRIC_EXPORT_INTERVAL, in milliseconds, as the SDK's own periodic reader reads it.
    try:
        value = float(os.environ.get("OTEL_METRIC_EXPORT_INTERVAL", "")) / 1000
    except ValueError:
        return _DEFAULT_INTERVAL
    return value if value > 0 else _DEFAULT_INTERVAL


def _make_pipeline(make_reader: Callable[[], MetricReader]) -> _Pipeline:
    import sys
    import uuid

    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.view import DropAggregation
    from opentelemetry.sdk.metrics.view import View
    from opentelemetry.sdk.resources import OTELResourceDetector
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.version import __version__ as sdk_version

    from .._base.version import __version__

    reader = make_reader()
    # Each process is one instance (several processes of one service export at once, each its
    # own running totals); OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME come on top. Not
    # Resource.create(): it runs its detectors in a thread pool, which cannot start at exit.
    executable = os.path.basename(sys.executable) if sys.executable else ""
    resource = Resource(
        {
            "telemetry.sdk.language": "python",
            "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.version": sdk_version,
            "service.name": f"unknown_service:{executable}" if executable else "unknown_service",
            "service.instance.id": str(uuid.uuid4()),
        }
    ).merge(OTELResourceDetector().detect())
    # Some SDK versions measure their own reader into the provider it reads: not ours to send.
    own = View(instrument_name="*", meter_name="opentelemetry-sdk", aggregation=DropAggregation())
    provider = MeterProvider(
        resource=resource, metric_readers=[reader], shutdown_on_exit=False, views=[own]
    )
    counter = provider.get_meter("compatshim", __version__).create_counter(
        METRIC, unit="{use}", description="Uses of legacy import paths, per alias and site"
    )
    return _Pipeline(provider, reader, counter)


def _otlp_reader() -> MetricReader:
    import math
    from typing import Any

    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics.export import MetricExportResult
    from opentelemetry.sdk.metrics.export import MetricsData
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    class Exporter(OTLPMetricExporter):
        # The OTLP exporter, saying once (with a slug) that the collector cannot be reached.
        def export(
            self, metrics_data: MetricsData, timeout_millis: float | None = 10_000, **kwargs: Any
        ) -> MetricExportResult:
            result = super().export(metrics_data, timeout_millis=timeout_millis, **kwargs)
            if result is not MetricExportResult.SUCCESS:
                _diagnostics.report_once(
                    "otel-export",
                    f"cannot export OpenTelemetry metrics to {getattr(self, '_endpoint', '?')}; "
                    "the program goes on",
                )
            return result

    variables = ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
    timeout = None if any(os.environ.get(name) for name in variables) else EXPORT_TIMEOUT
    # An infinite interval: the reader starts no thread; compatshim's flusher collects.
    return PeriodicExportingMetricReader(Exporter(timeout=timeout), export_interval_millis=math.inf)


#: The process's export, fed by ``flushing.deliver``.
exporter = Export()
