"""Odds and ends. WSManager used to be defined here; it moved to shopapp.core.realtime."""


def money(cents: int) -> str:
    return f"${cents / 100:.2f}"
