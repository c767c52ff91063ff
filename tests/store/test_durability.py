"""Every store durability mode keeps whole turns, across a new service on the same store."""

from __future__ import annotations

import pytest

from advisor.chat import ChatService
from advisor.config import Settings, get_settings
from advisor.errors import ConfigError
from advisor.guidance.index import GuidanceIndex


@pytest.mark.parametrize("durability", ["exit", "async", "sync"])
def test_turns_are_kept_in_every_durability_mode(
    settings: Settings, guidance_index: GuidanceIndex, durability: str
) -> None:
    configured = settings.model_copy(update={"store_durability": durability})
    first = ChatService(configured, index=guidance_index).chat("300 seats, no special terms")
    again = ChatService(configured, index=guidance_index)
    session = again.session(first.session_id)
    assert session["profile"]["seats"] == 300 and len(session["transcript"]) == 2


def test_an_unknown_durability_is_refused_with_the_valid_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADVISOR_STORE_DURABILITY", "never")
    get_settings.cache_clear()
    with pytest.raises(
        ConfigError, match="ADVISOR_STORE_DURABILITY: input should be 'exit', 'async' or 'sync'"
    ):
        get_settings()
    get_settings.cache_clear()
