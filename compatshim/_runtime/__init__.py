"""The import hook: the finder, legacy modules, attribute hooks, and each use of a legacy path.

This is the code that runs inside the user's program. It imports ``_base``, ``_model`` and the
telemetry recorder, nothing else (tests/test_architecture.py checks it).
"""
