"""``compatshim check``: every alias of a configuration audited in this process.

It installs the runtime to look at each legacy path, so it may import ``_runtime`` as well as
``_base``, ``_model`` and ``_stubs`` (tests/test_architecture.py checks it).
"""
