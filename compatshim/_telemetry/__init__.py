"""Adoption telemetry: counting the uses of legacy paths, the data files, and the report.

The runtime imports only the recorder at start-up; the store (SQLite) is imported when counts are
first written, and the report only by ``compatshim report`` (tests/test_architecture.py).
"""
