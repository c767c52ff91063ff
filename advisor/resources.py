"""Where the shipped data lives, installed or in a checkout, and its trained models are cached.

The data: knowledge, prompts, eval cases.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from platformdirs import user_cache_dir

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """Return the directory of shipped data `name` (e.g. "knowledge", "prompts", "evals/cases").

    A wheel carries the data inside the package under `_data/`; a source checkout has it at the
    top level beside the package.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped data '{name}' is missing from the installation")


def model_cache() -> Path:
    """Return the folder trained models are cached in (`ADVISOR_MODEL_CACHE` moves it)."""
    return Path(os.environ.get("ADVISOR_MODEL_CACHE") or user_cache_dir("motion-advisor"))


def cached_model(name: str, key: str, kind: type[_T], train: Callable[[], _T]) -> _T:
    """Return the model `name` trained on data whose hash is `key`.

    From the cache, or trained now and cached, replacing the cached models of data that has
    since changed.
    """
    import joblib  # only when a model is needed

    path = model_cache() / f"{name}-{key}.joblib"
    try:
        found: Any = joblib.load(path)
        if isinstance(found, kind):
            return found
    except Exception:  # noqa: BLE001 - a missing or unreadable cache only means training again
        pass
    model = train()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        joblib.dump(model, partial)
        partial.replace(path)
        for old in path.parent.glob(f"{name}-*.joblib"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("the trained %s could not be cached (%s); it is kept in memory", name, exc)
    return model
