"""The dashboard was migrated already: canonical imports only, and no warnings."""

from shopapp.core.realtime import WebSocketManager

live = WebSocketManager("dashboard")
