"""The one WebSocket manager (it used to exist four times)."""

from __future__ import annotations


class ConnectionClosed(Exception):
    """Raised when a message is sent to a client that went away."""


class WebSocketManager:
    """Keeps the open client connections and fans messages out to them.

    Make it with ``shopapp.core.factory.create_manager``, which gives it its owner.
    """

    instances = 0
    owner = "unknown"

    def __init__(self, name: str = "default") -> None:
        WebSocketManager.instances += 1
        self.name = name
        self.clients: dict[str, list[str]] = {}

    def connect(self, client: str) -> None:
        self.clients[client] = []

    def send(self, client: str, message: str) -> None:
        if client not in self.clients:
            raise ConnectionClosed(client)
        self.clients[client].append(message)

    def broadcast(self, message: str) -> int:
        for inbox in self.clients.values():
            inbox.append(message)
        return len(self.clients)
