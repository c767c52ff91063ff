"""Shared fixtures: isolated settings per test, and no network beyond this machine."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.config import Settings, get_settings

_real_connect = socket.socket.connect


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
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST", "ADVISOR_MODEL"):
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
