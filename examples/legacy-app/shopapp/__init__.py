"""A shop application, half-way through moving its realtime layer to ``shopapp.core``."""
