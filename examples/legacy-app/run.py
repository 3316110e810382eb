"""Run the legacy shop application with compatshim installed.

    python examples/legacy-app/run.py

Every legacy import path keeps working and yields the one canonical class; each use is reported
once, at the line of the application that made it.
"""

import os
import pickle
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compatshim  # noqa: E402

installation = compatshim.install(os.path.join(HERE, "pyproject.toml"))
print(
    f"compatshim {compatshim.__version__}: {len(installation.aliases)} aliases from pyproject.toml"
)

from shopapp import dashboard, notifications, orders  # noqa: E402
from shopapp.core.realtime import ConnectionClosed, WebSocketManager  # noqa: E402

print("\n-- the application runs unchanged")
orders.manager.connect("alice")
print("placed", orders.place(7, 1999), "->", orders.manager.clients["alice"])
print("notify a missing client:", notifications.notify(dashboard.live, "bob", "hello"))

print("\n-- every path yields the canonical objects")
import shopapp.sockets.realtime  # noqa: E402
import shopapp.ws  # noqa: E402
from shopapp.utils import WSManager  # noqa: E402

for path, obj in [
    ("shopapp.ws.WebSocketManager", shopapp.ws.WebSocketManager),
    ("shopapp.sockets.realtime.WebSocketManager", shopapp.sockets.realtime.WebSocketManager),
    ("shopapp.utils.WSManager", WSManager),
]:
    print(f"  {path:<45} is shopapp.core.realtime.WebSocketManager: {obj is WebSocketManager}")
print("  except shopapp.ws.ConnectionClosed catches the canonical error:", end=" ")
try:
    raise ConnectionClosed("carol")
except shopapp.ws.ConnectionClosed:
    print(True)

print("\n-- sessions pickled by version 1.x still load, and are saved canonically")
OLD_SESSION = (
    b"\x80\x02cshopapp.ws\nWebSocketManager\nq\x00)\x81q\x01}q\x02(X\x04\x00\x00\x00nameq\x03"
    b"X\x07\x00\x00\x00sessionq\x04X\x07\x00\x00\x00clientsq\x05}q\x06ub."
)
session = pickle.loads(OLD_SESSION)
print(f"  loaded a {type(session).__module__}.{type(session).__qualname__} named {session.name!r}")
print("  saved again under:", b"shopapp.core.realtime" in pickle.dumps(session))
print(f"\nWebSocketManager instances created: {WebSocketManager.instances} (one class, one home)")
print("made by the factory:", dashboard.live.owner, "| constructed directly:", orders.manager.owner)
