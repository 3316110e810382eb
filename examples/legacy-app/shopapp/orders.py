"""Order handling: still written against the renamed ``shopapp.sockets`` package."""

from shopapp.sockets.realtime import WebSocketManager
from shopapp.utils import money

manager = WebSocketManager("orders")


def place(order_id: int, cents: int) -> str:
    manager.broadcast(f"order {order_id} placed: {money(cents)}")
    return f"order {order_id}"
