"""Fixtures of the guidance tests: the session's index, and offline settings of each test's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.guidance.index import GuidanceIndex


@pytest.fixture
def index(guidance_index: GuidanceIndex) -> GuidanceIndex:
    return guidance_index


@pytest.fixture
def offline(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")
