"""The agent's runtime context: what the tools and middleware need for one turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.config import Settings
from advisor.domain.schemas import Lang


@dataclass
class TurnContext:
    """What the tools and middleware need for one turn, passed at invocation."""

    settings: Settings
    session_id: str
    lang: Lang
    index: Any = None  # a GuidanceIndex; typed loosely so tool schemas need not import Chroma
    extra: dict[str, Any] = field(default_factory=dict)
