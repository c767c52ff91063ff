"""The server's secret for naming sessions that channels open themselves (Teams)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from advisor.config import Settings

KEY_FILE = "session.key"
_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


def session_key(settings: Settings) -> bytes:
    """Return the secret that keys channel session ids.

    `ADVISOR_SESSION_SECRET` when set (every instance of a scaled-out service needs the same
    one); otherwise a random key made once and kept, readable by this user only, in the data
    folder.
    """
    if settings.session_secret:
        return settings.session_secret.get_secret_value().encode()
    path = settings.data_dir / KEY_FILE
    with _lock:
        if path not in _keys:
            _keys[path] = _read_or_make(path)
        return _keys[path]


def _read_or_make(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key)
    return key.encode()


def keyed_session_id(settings: Settings, idempotency_key: str) -> str:
    """Return the session a new conversation opened with this idempotency key lives in.

    A client that sends its first message again with the same key reaches the same
    conversation, and only a client that knows the key can name it.
    """
    digest = hmac.new(
        session_key(settings), f"idempotency:{idempotency_key}".encode(), hashlib.sha256
    )
    return f"k-{digest.hexdigest()[:40]}"
