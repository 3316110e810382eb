"""Notifications: uses the oldest module path and the moved class name."""

import shopapp.ws
from shopapp.utils import WSManager


def notify(manager: WSManager, client: str, text: str) -> bool:
    try:
        manager.send(client, text)
    except shopapp.ws.ConnectionClosed:
        return False
    return True
