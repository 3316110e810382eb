"""What the user configured, read and validated: aliases, the alias table, options, policies.

No import hook and no telemetry here: every command reads the configuration through this
subsystem, and it imports only ``_base`` (tests/test_architecture.py checks it).
"""
