"""The one way to make a WebSocket manager: every instance gets its owner's context."""

from __future__ import annotations

from shopapp.core.realtime import WebSocketManager


def create_manager(name: str, owner: str = "shop") -> WebSocketManager:
    manager = WebSocketManager(name)
    manager.owner = owner
    return manager
