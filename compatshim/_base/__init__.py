"""What every subsystem of compatshim shares: errors, version shims, locks, diagnostics.

Modules here import nothing else of compatshim (tests/test_architecture.py checks it).
"""
