"""The Microsoft Teams channel on the Microsoft 365 Agents SDK."""
