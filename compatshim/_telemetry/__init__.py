"""Adoption telemetry: counting the uses of legacy paths, the data files, and the report.

The runtime imports only the recorder; the process hooks (``flushing``) come with the first
data file, the store and SQLite with the first write, and the readers (``datafiles``,
``combine``, ``report``, ``render``) only with ``compatshim report`` and the pytest summary
(tests/test_architecture.py checks it).
"""
