"""``scan`` and ``migrate``: legacy paths found and rewritten in source, never imported.

It imports ``_base`` and ``_model`` only (tests/test_architecture.py checks it): reading source
needs the alias table, not the import hook.
"""
