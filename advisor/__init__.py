"""Motion Advisor: which Microsoft purchasing motion fits a customer, in a conversation."""

__version__ = "0.1.0"
