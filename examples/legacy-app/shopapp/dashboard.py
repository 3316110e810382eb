"""The dashboard was migrated already: canonical imports only, and no warnings."""

from shopapp.core.factory import create_manager

live = create_manager("dashboard", owner="dashboard")
