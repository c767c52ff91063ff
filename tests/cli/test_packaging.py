"""A plain (non-editable) install carries its knowledge, prompts and eval cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # builds and installs a wheel


def test_wheel_works_from_another_directory(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("motion_advisor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "advisor/_data/knowledge/en/purchasing-motions.md",
        "advisor/_data/knowledge/ja/purchasing-motions.md",
        "advisor/_data/prompts/questions.en.yaml",
        "advisor/_data/prompts/system.ja.md",
        "advisor/_data/evals/cases/ask.yaml",
        "advisor/_data/evals/thresholds.yaml",
        "advisor/channels/static/chat.html",
    ):
        assert expected in names

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "ADVISOR_DATA_DIR": str(tmp_path / "data")}
    profile = json.dumps(
        {"seats": 2401, "azure_annual_usd": 0, "special_terms": [], "self_service": False}
    )
    result = subprocess.run(
        [sys.executable, "-m", "advisor", "classify"],
        input=profile,
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["motion"] == "enterprise"
    ask = subprocess.run(
        [sys.executable, "-m", "advisor", "ask", "--json", "What is CSP?"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=120,
    )
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["citations"]
    code = "import advisor, sys; print(advisor.__file__)"
    where = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=60,
    )
    assert where.stdout.startswith(str(site))
