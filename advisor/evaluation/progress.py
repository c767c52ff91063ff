"""Where a run reports how far it got, and a progress that reports nothing."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Where a run reports how far it got."""

    def start(self, suite: str, total: int) -> None:
        """Announce a suite and how many cases it has."""

    def advance(self, suite: str) -> None:
        """Count one case done."""


class SilentProgress:
    """Progress that reports nothing."""

    def start(self, suite: str, total: int) -> None:
        """Ignore the start of a suite."""

    def advance(self, suite: str) -> None:
        """Ignore a finished case."""
