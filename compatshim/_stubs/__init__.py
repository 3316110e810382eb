"""``compatshim stubs``: the stubs that let type checkers see every legacy path.

Canonical modules are read as source, never imported. It imports ``_base``, ``_model`` and
``_static`` only (tests/test_architecture.py checks it).
"""
