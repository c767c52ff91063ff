"""The Microsoft Teams channel on the Microsoft 365 Agents SDK."""

from advisor.channels.teams.bot import SESSION_PREFIX, session_id_for
from advisor.channels.teams.package import MANIFEST_VERSION, app_package
from advisor.channels.teams.route import mount_teams

__all__ = ["MANIFEST_VERSION", "SESSION_PREFIX", "app_package", "mount_teams", "session_id_for"]
