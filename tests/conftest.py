"""Shared fixtures: isolated settings per test, and no network beyond this machine.

Building the guidance index takes seconds, so one index (and one offline chat service over it)
is built per session and shared by the tests that only read it. A test that changes what it
opens, or needs a data directory of its own, builds its own from `settings`.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from advisor.config import Settings, get_settings

if TYPE_CHECKING:
    from advisor.chat import ChatService
    from advisor.guidance.index import GuidanceIndex

_real_connect = socket.socket.connect
# settings that would send a test to a real LLM or a real server
OUTSIDE = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST", "ADVISOR_MODEL")


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # unix sockets
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_local(address):
        raise RuntimeError(f"tests must not reach the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(scope="session", autouse=True)
def no_rate_limits() -> Iterator[None]:
    """Turn the per-client rate limits off; tests of the limits set their own in Settings."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ADVISOR_RATE_LIMIT_PER_MINUTE", "0")
        mp.setenv("ADVISOR_TEAMS_RATE_LIMIT_PER_MINUTE", "0")
        yield


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any connection that leaves the machine; LLMs are reached only on loopback."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    for name in OUTSIDE:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give the test its own data directory, also through the environment for subprocesses."""
    path = tmp_path / "data"
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(path))
    return path


@pytest.fixture
def settings(data_dir: Path) -> Iterator[Settings]:
    """Settings for one test, with its own data directory."""
    get_settings.cache_clear()
    yield Settings(data_dir=data_dir)
    get_settings.cache_clear()


def offline_settings(data_dir: Path) -> Settings:
    """Return default offline settings for `data_dir`, whatever the environment says.

    Session fixtures are set up before any test's `no_network`, so they clear the same
    variables themselves.
    """
    with pytest.MonkeyPatch.context() as mp:
        for name in OUTSIDE:
            mp.delenv(name, raising=False)
        return Settings(data_dir=data_dir)


@pytest.fixture(scope="session")
def guidance_index(no_rate_limits: None, tmp_path_factory: pytest.TempPathFactory) -> GuidanceIndex:
    """The guidance index with default settings, built once for the session; only read it."""
    from advisor.guidance.index import GuidanceIndex

    return GuidanceIndex.open(offline_settings(tmp_path_factory.mktemp("shared-index")))


@pytest.fixture(scope="session")
def offline_service(
    no_rate_limits: None, guidance_index: GuidanceIndex, tmp_path_factory: pytest.TempPathFactory
) -> ChatService:
    """An offline chat service over the shared index, with a session data directory.

    Tests start their own conversations in it; one that patches the service or needs an empty
    store builds its own.
    """
    from advisor.chat import ChatService

    settings = offline_settings(tmp_path_factory.mktemp("shared-chat"))
    return ChatService(settings, index=guidance_index)
